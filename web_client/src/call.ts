// Being in the session: joining, staying joined through reconnects, and leaving.

import type { Connection } from './connection';
import type { JoinLink } from './link';
import { Mesh } from './mesh';
import type { LocalMedia } from './media';
import { stopMedia } from './media';
import {
  canPublish,
  type ConnectErrorData,
  type JoinRequest,
  type PublicParticipant,
  type RoomEvent,
  type SessionClosed,
  type SignalEvent,
  type SignalRequest,
} from './protocol';
import { RoomSync } from './roomsync';
import { RoomView } from './roomview';
import { closedReason, linkProblem } from './words';

export interface JoinChoices {
  media: LocalMedia | null;
  audioMuted: boolean;
  videoOff: boolean;
  speakerId: string;
}

export interface Ending {
  title: string;
  text: string;
  /** Offer to join again (same link). */
  rejoin: boolean;
  /** The words on that button; "Join again" when not given. */
  rejoinLabel?: string;
  /** Drop the link kept for reloads (left on purpose, or the link was refused). */
  forgetLink?: boolean;
}

type State = 'joining' | 'joined' | 'reconnecting' | 'ended';

const MAX_PENDING_SIGNALS = 200;
/** After this long without the server (beyond the seat's grace period), stop trying. */
const GIVE_UP_AFTER_GRACE_MS = 60_000;
/** How long those in the room wait for someone who arrives (or comes back) to offer. */
const NEWCOMER_OFFER_WAIT_MS = 1500;
const RETURNING_OFFER_WAIT_MS = 2500;
/** Refusals of turning a microphone or camera on that must be undone locally. */
const REFUSED_MEDIA = new Set(['muted_by_facilitator', 'not_permitted']);

export class Call {
  private state: State = 'joining';
  private selfId: string | null = null;
  private readonly publisher: boolean;
  private audioMuted: boolean;
  private videoOff: boolean;
  private readonly view: RoomView;
  private readonly sync: RoomSync;
  private mesh: Mesh | null = null;
  private pendingSignals: SignalEvent[] = [];
  private everJoined = false;
  /** The connection a join is being sent on (one join per connection). */
  private joiningOn: string | null = null;
  private graceSeconds = 60;
  private giveUpTimer = 0;
  private retryTimer = 0;
  private finished = false;
  /** True while the first snapshot is applied: those people are not announced as joining. */
  private quiet = false;

  constructor(
    container: HTMLElement,
    private readonly conn: Connection,
    link: JoinLink,
    private readonly choices: JoinChoices,
    private readonly onEnd: (ending: Ending) => void,
  ) {
    this.publisher = canPublish(link.role);
    const media = choices.media;
    this.audioMuted = !this.publisher || !media?.audio || choices.audioMuted;
    this.videoOff = !this.publisher || !media?.video || choices.videoOff;
    if (media?.audio) media.audio.enabled = !this.audioMuted;
    if (media?.video) media.video.enabled = !this.videoOff;

    this.view = new RoomView(
      container,
      {
        selfName: link.name || 'You',
        publisher: this.publisher,
        localStream: this.publisher ? (media?.stream ?? null) : null,
        hasMicrophone: Boolean(media?.audio),
        hasCamera: Boolean(media?.video),
        audioMuted: this.audioMuted,
        videoOff: this.videoOff,
        speakerId: choices.speakerId,
      },
      {
        toggleMicrophone: () => void this.setMicrophone(!this.audioMuted),
        toggleCamera: () => void this.setCamera(!this.videoOff),
        leave: () => void this.leave(),
      },
    );

    this.sync = new RoomSync(
      () => this.selfId,
      {
        joined: (p) => this.personJoined(p),
        updated: (p, before) => this.personUpdated(p, before),
        left: (id, reason, before) => this.personLeft(id, reason, before),
        self: (p) => this.selfUpdated(p),
      },
      async (room, since) => this.conn.request('sync', { room, since }),
    );
  }

  start(): void {
    if (this.conn.connected) void this.join();
  }

  // ---- connection events (routed by main) --------------------------------------------------
  onConnected(): void {
    if (this.state === 'ended') return;
    window.clearTimeout(this.giveUpTimer);
    void this.join();
  }

  onDisconnected(reason: string): void {
    if (this.state === 'ended') return;
    this.sync.suspend();
    this.pendingSignals = [];
    if (reason === 'io server disconnect') {
      // The server ended this connection without saying why.
      this.end({
        title: 'You are no longer connected',
        text: 'The connection to the session was closed. You can try to join again.',
        rejoin: true,
      });
      return;
    }
    this.state = 'reconnecting';
    this.view.setConnection('reconnecting');
    window.clearTimeout(this.giveUpTimer);
    this.giveUpTimer = window.setTimeout(
      () => this.lostForGood(),
      this.graceSeconds * 1000 + GIVE_UP_AFTER_GRACE_MS,
    );
  }

  onRefused(error: ConnectErrorData): void {
    this.end({
      title: 'This link cannot be used',
      text: linkProblem(error.code),
      rejoin: false,
      forgetLink: true,
    });
  }

  onClosed(event: SessionClosed): void {
    this.end({
      title: event.code === 'replaced' ? 'You joined somewhere else' : 'The session has closed',
      text: closedReason(event.code, event.message),
      rejoin: event.code === 'replaced',
    });
  }

  onRoomEvent(event: RoomEvent): void {
    if (this.state === 'ended') return;
    this.sync.onEvent(event);
  }

  onSignal(event: SignalEvent): void {
    if (this.state === 'ended') return;
    if (this.state === 'joined' && this.mesh) {
      this.mesh.onSignal(event);
    } else if (this.pendingSignals.length < MAX_PENDING_SIGNALS) {
      this.pendingSignals.push(event);
    }
  }

  // ---- joining ------------------------------------------------------------------------------
  private async join(): Promise<void> {
    const connection = this.conn.id;
    if (this.state === 'ended' || !connection || this.joiningOn === connection) return;
    this.joiningOn = connection;
    window.clearTimeout(this.retryTimer);
    const rejoin = this.everJoined;
    const request: JoinRequest = { audio_muted: this.audioMuted, video_off: this.videoOff };
    if (rejoin && this.sync.lastSeq >= 0) request.last_seq = this.sync.lastSeq;
    const ack = await this.conn.request('join', request);
    if (this.finished || this.conn.id !== connection) return; // the next connect joins again
    this.joiningOn = null;
    if (!ack.ok) {
      const code = ack.error.code;
      if (code === 'timeout' || code === 'rate_limited' || code === 'internal_error') {
        this.retryTimer = window.setTimeout(() => void this.join(), 2000);
        return;
      }
      if (code === 'already_joined') return;
      this.end({
        title: code === 'session_ended' ? 'The session has ended' : 'You could not join',
        text: code === 'session_ended' ? closedReason(code) : ack.error.message,
        rejoin: code !== 'session_ended',
      });
      return;
    }

    this.selfId = ack.self.id;
    this.graceSeconds = ack.grace_seconds;
    if (!this.mesh) {
      const media = this.choices.media;
      this.mesh = new Mesh(
        this.selfId,
        this.publisher && media ? { stream: media.stream, audio: media.audio, video: media.video } : null,
        (signal) => this.sendSignal(signal),
        {
          stream: (id, stream) => this.view.setStream(id, stream),
          state: () => undefined,
          reachable: (id) =>
            this.state === 'joined' && this.sync.participants.get(id)?.connection === 'connected',
        },
      );
    }
    this.mesh.setIceServers(ack.ice_servers ?? []);
    this.state = 'joined';
    this.everJoined = true;
    this.view.setConnection('connected');

    this.quiet = !rejoin;
    this.sync.applySnapshot(ack.room);
    this.quiet = false;
    // Keep the connections that still work; start the others afresh.
    for (const p of this.sync.participants.values()) {
      if (p.id === this.selfId || p.connection !== 'connected') continue;
      if (!this.mesh.has(p.id)) this.mesh.connect(p.id);
      else if (!this.mesh.healthy(p.id)) this.mesh.replace(p.id);
    }
    const signals = this.pendingSignals;
    this.pendingSignals = [];
    for (const s of signals) this.mesh.onSignal(s);

    // A seat taken back keeps its old media state: tell the server what is true now.
    if (this.publisher) {
      const update: { audio_muted?: boolean; video_off?: boolean } = {};
      if (ack.self.audio_muted !== this.audioMuted) update.audio_muted = this.audioMuted;
      if (ack.self.video_off !== this.videoOff) update.video_off = this.videoOff;
      if (Object.keys(update).length) void this.conn.request('media.update', update);
    }
    if (rejoin) this.view.announce('You are connected again.');
  }

  private async sendSignal(signal: SignalRequest): Promise<boolean> {
    if (this.state !== 'joined') return false;
    const ack = await this.conn.request('signal', signal);
    return ack.ok;
  }

  private lostForGood(): void {
    if (this.state !== 'reconnecting') return;
    this.end({
      title: 'The connection was lost',
      text: 'We could not reconnect you to the session. Please check that you are connected to the internet, then try again.',
      rejoin: true,
      rejoinLabel: 'Try again',
    });
  }

  // ---- people -------------------------------------------------------------------------------
  private personJoined(p: PublicParticipant): void {
    this.view.addOrUpdate(p);
    if (this.quiet) return; // the snapshot at join: the loop in join() connects
    this.view.announce(`${p.name} joined the session.`);
    // The newcomer offers; we offer only if they have not after a moment.
    if (p.connection === 'connected') this.mesh?.expect(p.id, NEWCOMER_OFFER_WAIT_MS);
  }

  private personUpdated(p: PublicParticipant, before: PublicParticipant): void {
    this.view.addOrUpdate(p);
    if (!this.mesh) return;
    if (p.connection === 'connected' && before.connection !== 'connected') {
      // They are back: keep a working connection. They replace one that broke meanwhile
      // (and offer); we do it ourselves only if they have not after a moment.
      if (!this.mesh.healthy(p.id)) this.mesh.expect(p.id, RETURNING_OFFER_WAIT_MS);
    }
  }

  private personLeft(id: string, _reason: string, before: PublicParticipant): void {
    this.view.remove(id);
    this.mesh?.forget(id);
    this.view.announce(`${before.name} left the session.`);
  }

  // ---- own controls -------------------------------------------------------------------------
  private selfUpdated(p: PublicParticipant): void {
    this.view.setSelf(p);
    // A facilitator stopped our microphone or camera: the server enforces it; follow it
    // here too so that the buttons tell the truth.
    if (p.audio_blocked && !this.audioMuted) {
      this.applyMicrophone(true);
      this.view.notify('The facilitator has muted your microphone for now.');
    }
    if (p.video_blocked && !this.videoOff) {
      this.applyCamera(true);
      this.view.notify('The facilitator has turned off your camera for now.');
    }
  }

  private applyMicrophone(muted: boolean): void {
    const track = this.choices.media?.audio;
    if (!track) return;
    this.audioMuted = muted;
    track.enabled = !muted;
    this.view.setMicrophone(muted);
  }

  private applyCamera(off: boolean): void {
    const track = this.choices.media?.video;
    if (!track) return;
    this.videoOff = off;
    track.enabled = !off;
    this.view.setCamera(off);
  }

  private async setMicrophone(muted: boolean): Promise<void> {
    if (!this.publisher || !this.choices.media?.audio) return;
    this.applyMicrophone(muted);
    const ack = await this.conn.request('media.update', { audio_muted: muted });
    if (!ack.ok && !muted && REFUSED_MEDIA.has(ack.error.code) && !this.finished) {
      this.applyMicrophone(true);
      this.view.notify(ack.error.message);
    }
  }

  private async setCamera(off: boolean): Promise<void> {
    if (!this.publisher || !this.choices.media?.video) return;
    this.applyCamera(off);
    const ack = await this.conn.request('media.update', { video_off: off });
    if (!ack.ok && !off && REFUSED_MEDIA.has(ack.error.code) && !this.finished) {
      this.applyCamera(true);
      this.view.notify(ack.error.message);
    }
  }

  async leave(): Promise<void> {
    if (this.state === 'ended') return;
    const wasJoined = this.state === 'joined';
    this.state = 'ended';
    if (wasJoined) await this.conn.request('leave', {}, 3000);
    this.end({
      title: 'You have left the session.',
      text: 'Thank you for joining.',
      rejoin: true,
      forgetLink: true,
    });
  }

  /** Stop everything and hand the screen back to main with a message. */
  end(ending: Ending): void {
    if (this.finished) return;
    this.finished = true;
    this.state = 'ended';
    window.clearTimeout(this.giveUpTimer);
    window.clearTimeout(this.retryTimer);
    this.conn.close();
    this.mesh?.closeAll();
    stopMedia(this.choices.media);
    this.view.destroy();
    this.onEnd(ending);
  }
}
