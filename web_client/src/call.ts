// Being in the session: joining, staying joined through reconnects, and leaving.

import { ActivityReporter } from './activity';
import type { Connection } from './connection';
import { EngagementPanel } from './engagement';
import type { RequestFn } from './facilitator';
import type { JoinLink } from './link';
import type { LocalMedia } from './media';
import { stopMedia } from './media';
import { MeshSession } from './meshsession';
import { type Breakouts, roomIdOf } from './breakouts';
import type { CheckIn } from './checkin';
import { MoodDialog } from './mood';
import { Reactions } from './reactions';
import { Group } from './group';
import {
  canPublish,
  type BreakoutMoving,
  type ChatMessageEvent,
  type ChatRemoved,
  type ConnectErrorData,
  type ErrorBody,
  type IceServer,
  type JoinRequest,
  type ParticipantSpeaking,
  type PublicParticipant,
  type RoomEntered,
  type RoomEvent,
  type RoomSnapshot,
  type RoomMedia,
  type ServerEvents,
  type SessionClosed,
  type SessionEnded,
  type SfuOffer,
  type SignalEvent,
  type WaitingPerson,
  type WaitingStatus,
} from './protocol';
import { RoomSync } from './roomsync';
import { RoomView } from './roomview';
import { type MediaSession, type SessionHost, sameMedia } from './session';
import { SfuSession } from './sfu';
import { MAY_UNMUTE, closedReason, linkProblem } from './words';
import { Whiteboard } from './whiteboard/whiteboard';

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
/** Refusals of turning a microphone or camera on that must be undone locally. */
const REFUSED_MEDIA = new Set(['muted_by_facilitator', 'not_permitted', 'unmute_not_allowed']);
/** Join refusals that joining again with the same link cannot change. The link is kept
 * for this tab all the same, so that a reload says the same plain words again. */
const FINAL_REFUSALS = new Set(['denied', 'removed', 'not_on_roster']);

export class Call {
  private state: State = 'joining';
  private selfId: string | null = null;
  private readonly publisher: boolean;
  private audioMuted: boolean;
  private videoOff: boolean;
  private readonly view: RoomView;
  private readonly sync: RoomSync;
  /** Hands, spotlight, chat, settings and the facilitator's panel. */
  private readonly group: Group;
  /** The room's shared whiteboard. */
  private readonly whiteboard: Whiteboard;
  /** Our own entry as the room last showed it (role, may_unmute, ...). */
  private self: PublicParticipant | null = null;
  /** The room's media set-up as last heard, and the session that runs it. */
  private roomMedia: RoomMedia | null = null;
  private session: MediaSession | null = null;
  /** True while a join's snapshot is applied: the join itself starts the session. */
  private applyingJoin = false;
  private iceServers: IceServer[] = [];
  /** Peer-to-peer signals that came before a peer-to-peer session could take them. */
  private pendingSignals: SignalEvent[] = [];
  private audioBlocked = false;
  private videoBlocked = false;
  /** Joined, but waiting to be let into the room (waiting room, ground rules). */
  private waiting = false;
  private everJoined = false;
  /** The connection a join is being sent on (one join per connection). */
  private joiningOn: string | null = null;
  private graceSeconds = 60;
  private giveUpTimer = 0;
  private retryTimer = 0;
  private finished = false;
  /** True while the first snapshot is applied: those people are not announced as joining. */
  private quiet = false;
  /** True while we move between rooms: the people of the room we leave are not announced. */
  private moving = false;
  /** Engagement: the facilitator's panel, the mood check-in dialog, reactions, and the
   * reports of this page's visibility and (peer to peer) talk time. */
  private readonly engagement: EngagementPanel;
  private readonly moodDialog: MoodDialog;
  private readonly reactions: Reactions;
  private readonly activity: ActivityReporter | null;
  private readonly unlisten: Array<() => void> = [];

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
        toggleHand: () => void this.toggleHand(),
        leave: () => void this.leave(),
        acceptRules: () => void this.acceptRules(),
      },
    );

    this.sync = new RoomSync(
      () => this.selfId,
      {
        joined: (p) => this.personJoined(p),
        updated: (p, before) => this.personUpdated(p, before),
        left: (id, reason, before) => this.personLeft(id, reason, before),
        self: (p) => this.selfUpdated(p),
        media: (media) => this.mediaChanged(media),
        hands: (queue, called) => this.group.setHands(queue, called),
        spotlight: (id) => this.group.setSpotlight(id),
        settings: (settings) => {
          this.group.setSettings(settings);
          this.refreshMicrophone();
        },
      },
      async (room, since) => this.conn.request('sync', { room, since }),
    );

    this.group = new Group(
      this.view,
      (name, payload) => this.conn.request(name, payload),
      () => this.selfId,
      () => this.sync.participants,
      link.role,
      () => this.sync.room,
    );

    const request: RequestFn = (name, payload) => this.conn.request(name, payload);
    this.engagement = new EngagementPanel(this.view, request, (id) => this.breakouts.roomName(id));
    this.moodDialog = new MoodDialog(this.view, request);
    this.reactions = new Reactions(
      this.view,
      request,
      () => this.selfId,
      (id) => this.sync.participants.get(id)?.name ?? null,
      this.publisher,
    );
    this.activity = this.publisher
      ? new ActivityReporter(request, {
          microphone: () => this.choices.media?.audio ?? null,
          peerToPeer: () => this.session?.mode === 'mesh',
          muted: () => this.audioMuted,
          online: () => this.inRoom(),
        })
      : null;
    this.whiteboard = new Whiteboard({
      socket: conn.socket,
      request: (name, payload) => this.conn.request(name, payload),
      selfId: () => this.selfId,
      role: () => this.self?.role ?? link.role,
      participants: () => this.sync.participants,
      shown: (open) => this.view.showBoard(open),
      announce: (text) => this.view.announce(text),
    });
    this.view.addBoard(this.whiteboard.el, this.whiteboard.toggle);
    this.listen('engagement.updated', (e) => this.engagement.updated(e));
    this.listen('mood.updated', (e) => this.engagement.moodUpdated(e));
    this.listen('mood.asked', (e) => {
      if (this.inRoom()) this.moodDialog.asked(e);
      else this.moodDialog.hold(e);
    });
    this.listen('mood.closed', (e) => this.moodDialog.closed(e));
    this.listen('reaction.shown', (e) => {
      if (this.inRoom() && e.room === this.sync.room) this.reactions.shown(e);
    });
  }

  /** Server events the engagement features take straight from the connection. */
  private listen<E extends keyof ServerEvents>(name: E, handler: ServerEvents[E]): void {
    const socket = this.conn.socket;
    // The socket's own typing knows no event names; ServerEvents gives the payload's.
    const listener = handler as (...args: unknown[]) => void;
    socket.on(name as string, listener);
    this.unlisten.push(() => socket.off(name as string, listener));
  }

  private inRoom(): boolean {
    return this.state === 'joined' && !this.waiting && this.conn.connected;
  }

  /** Engagement follows our role and whether we are in a room. */
  private refreshEngagement(): void {
    const inRoom = this.state === 'joined' && !this.waiting;
    this.engagement.setAvailable(inRoom && this.group.facilitator);
    this.reactions.setInRoom(inRoom);
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
    this.whiteboard.suspend();
    this.pendingSignals = [];
    this.session?.suspended();
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
    const titles: Record<string, string> = {
      replaced: 'You joined somewhere else',
      removed: 'You are no longer in the session',
      denied: 'You were not let in',
      session_ended: 'The session has ended',
    };
    this.end({
      title: titles[event.code] ?? 'The session has closed',
      text: closedReason(event.code, event.message),
      rejoin: event.code === 'replaced',
    });
  }

  /** A facilitator did not let us in (the connection closes next). */
  onDenied(event: ErrorBody): void {
    this.end({
      title: 'You were not let in',
      text: event.message || closedReason('denied'),
      rejoin: false,
    });
  }

  onRoomEvent(event: RoomEvent): void {
    if (this.state === 'ended') return;
    this.sync.onEvent(event);
  }

  onSignal(event: SignalEvent): void {
    if (this.state === 'ended') return;
    if (this.state === 'joined') {
      // Signals from a set-up we have left (or not heard of: rare, and repaired by the
      // connection watchdog) go nowhere.
      if (this.session?.mode === 'mesh') this.session.onSignal(event);
    } else if (this.pendingSignals.length < MAX_PENDING_SIGNALS) {
      this.pendingSignals.push(event); // before the join's snapshot
    }
  }

  /** Breakout rooms: where we are, the timer, messages to all rooms, calls for help. */
  get breakouts(): Breakouts {
    return this.group.breakouts;
  }

  /** Into a room: let in from the waiting room, or moved (breakouts open or close, a
   * facilitator moves us or visits). */
  onRoomEntered(event: RoomEntered): void {
    if (this.state !== 'joined') return;
    this.group.setSettings(event.session);
    this.group.chatHistory(event.chat);
    this.breakouts.update(event.breakouts);
    if (this.waiting) {
      this.enterRoom(event.room, false, false);
    } else {
      this.dropMedia();
      this.enterRoom(event.room, false, false, true);
    }
    this.moodDialog.pending(event.mood);
  }

  /** Private check-ins: the invitation, its state, and who stepped out. */
  get checkIn(): CheckIn {
    return this.group.checkIn;
  }

  /** The server is about to move us to another room. */
  onBreakoutMoving(event: BreakoutMoving): void {
    if (this.state === 'joined' && !this.waiting) this.breakouts.moving(event);
  }

  onWaitingStatus(status: WaitingStatus): void {
    if (this.state === 'joined' && this.waiting) this.view.setWaiting(status, null);
  }

  /** Facilitators: who waits to come in. */
  onWaitingUpdated(waiting: WaitingPerson[]): void {
    if (this.state === 'ended') return;
    this.group.setWaiting(waiting);
  }

  /** Ask-to-unmute mode: a facilitator lets us unmute (we do it ourselves). */
  onUnmuteAllowed(): void {
    if (this.state === 'ended') return;
    this.view.notify(MAY_UNMUTE);
  }

  /** The facilitator ended the session for everyone, perhaps with a closing message. */
  onSessionEnded(event: SessionEnded): void {
    const message = (event.message ?? '').trim();
    this.end({
      title: 'The session has ended',
      // The facilitator's closing words, as they wrote them.
      text: message || closedReason('session_ended'),
      rejoin: false,
    });
  }

  onChatMessage(event: ChatMessageEvent): void {
    if (this.state === 'ended' || this.waiting) return;
    this.group.chatMessage(event.message);
  }

  onChatRemoved(event: ChatRemoved): void {
    if (this.state === 'ended') return;
    this.group.chatRemoved(event.id);
  }

  onSfuOffer(event: SfuOffer): void {
    if (this.state !== 'joined' || !this.session || event.room !== this.sync.room) return;
    this.session.onSfuOffer(event);
  }

  onSpeaking(event: ParticipantSpeaking): void {
    if (this.state !== 'joined' || this.session?.mode !== 'sfu' || event.room !== this.sync.room) return;
    this.view.setSpeaking(event.participant_id === this.selfId ? null : event.participant_id, event.speaking);
  }

  // ---- joining ------------------------------------------------------------------------------
  private async join(): Promise<void> {
    const connection = this.conn.id;
    if (this.state === 'ended' || !connection || this.joiningOn === connection) return;
    this.joiningOn = connection;
    window.clearTimeout(this.retryTimer);
    const rejoin = this.everJoined;
    const request: JoinRequest = { audio_muted: this.audioMuted, video_off: this.videoOff };
    if (rejoin && this.sync.lastSeq >= 0) {
      request.last_seq = this.sync.lastSeq;
      request.last_room = this.sync.room;
    }
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
      const final = FINAL_REFUSALS.has(code) || code === 'session_ended';
      this.end({
        title: code === 'session_ended' ? 'The session has ended' : 'You could not join',
        text: code === 'session_ended' ? closedReason(code) : ack.error.message,
        rejoin: !final,
      });
      return;
    }

    this.selfId = ack.self.id;
    this.graceSeconds = ack.grace_seconds;
    this.iceServers = ack.ice_servers ?? [];
    this.state = 'joined';
    this.everJoined = true;
    this.view.setConnection('connected');

    this.group.setSettings(ack.session);
    this.group.setWaiting(ack.lobby);
    this.breakouts.update(ack.breakouts);
    if (ack.room) {
      this.group.chatHistory(ack.chat);
      // Moved while away (breakouts opened or closed): the old room's media is no use.
      const moved = rejoin && this.sync.room !== null && ack.room.room !== this.sync.room;
      if (moved) this.dropMedia();
      this.enterRoom(ack.room, rejoin, ack.resumed, moved);
      this.moodDialog.pending(ack.mood);
    } else {
      // Waiting to be let in: the facilitator admits us (`room.entered`).
      this.waiting = true;
      this.self = ack.self;
      this.view.setInRoom(false);
      this.view.setSelf(ack.self);
      this.view.setWaiting(ack.waiting ?? null, ack.rules ?? null);
    }

    // A seat taken back keeps its old media state: tell the server what is true now.
    if (this.publisher) {
      const update: { audio_muted?: boolean; video_off?: boolean } = {};
      if (ack.self.audio_muted !== this.audioMuted) update.audio_muted = this.audioMuted;
      if (ack.self.video_off !== this.videoOff) update.video_off = this.videoOff;
      if (Object.keys(update).length) void this.conn.request('media.update', update);
    }
    if (rejoin) this.view.announce('You are connected again.');
  }

  /** Into the room: its snapshot, then media for its set-up. `moved`: from another room
   * (whose media was dropped): its people leave without a word, the new ones are here. */
  private enterRoom(room: RoomSnapshot, rejoin: boolean, resumed: boolean, moved = false): void {
    const wasWaiting = this.waiting;
    this.waiting = false;
    if (wasWaiting) this.view.setWaiting(null, null);
    const before = this.session;
    this.quiet = !rejoin || moved;
    this.moving = moved;
    this.applyingJoin = true;
    this.sync.applySnapshot(room);
    this.applyingJoin = false;
    this.quiet = false;
    this.moving = false;
    const others = [...this.sync.participants.values()].filter((p) => p.id !== this.selfId).map((p) => p.name);
    this.breakouts.entered(room.room, others, moved);
    this.group.checkIn.entered(roomIdOf(room.room));
    if (this.session && before === this.session) {
      this.session.rejoined(resumed);
    } else {
      // First join, or the set-up changed while we were away: either way we are the
      // one arriving (in a peer-to-peer room, we offer).
      this.startSession(false);
    }
    this.group.entered();
    this.whiteboard.entered(room.room);
    this.refreshMicrophone();
    this.refreshEngagement();
    this.activity?.joined();
    if (wasWaiting) this.view.announce('You are in the session now.');
  }

  private async acceptRules(): Promise<void> {
    const ack = await this.conn.request('rules.accept', {});
    if (this.finished) return;
    if (!ack.ok) this.view.notify(ack.error.message);
    else this.view.rulesAccepted();
  }

  // ---- media ----------------------------------------------------------------------------------
  /** Leaving a room: close its media (the next room's set-up starts afresh). Our own
   * tile and tracks stay. */
  private dropMedia(): void {
    this.group.roomChanged();
    this.session?.close();
    this.session = null;
    this.roomMedia = null;
    this.pendingSignals = [];
    this.view.clearStreams();
    this.view.setVideoPaused(false);
  }

  /** The room's media set-up, from a snapshot or a `room.media` event. */
  private mediaChanged(media: RoomMedia): void {
    this.roomMedia = { mode: media.mode, epoch: media.epoch };
    const session = this.session;
    if (session && sameMedia(this.roomMedia, { mode: session.mode, epoch: session.epoch })) return;
    // Close every media connection of the old set-up; tiles and local tracks stay.
    session?.close();
    this.session = null;
    this.view.clearStreams();
    this.view.setVideoPaused(false);
    // During a join the join starts the session, once the snapshot is applied.
    if (!this.applyingJoin && this.state === 'joined') this.startSession(true);
  }

  /** Start the session for the room's current set-up. */
  private startSession(switching: boolean): void {
    if (this.session || !this.selfId || this.finished) return;
    const media = this.roomMedia ?? { mode: 'mesh', epoch: 0 };
    const host = this.sessionHost(this.selfId);
    this.session = media.mode === 'sfu' ? new SfuSession(media.epoch, host) : new MeshSession(media.epoch, host);
    this.view.useServerSpeaking(media.mode === 'sfu');
    this.session.start(switching);
    // Signals that came before the join's snapshot.
    const signals = this.pendingSignals;
    this.pendingSignals = [];
    if (this.session.mode === 'mesh') for (const s of signals) this.session.onSignal(s);
  }

  private sessionHost(selfId: string): SessionHost {
    const media = this.choices.media;
    return {
      selfId,
      local: this.publisher && media ? { stream: media.stream, audio: media.audio, video: media.video } : null,
      iceServers: () => this.iceServers,
      participants: () => this.sync.participants,
      online: () => this.state === 'joined' && this.conn.connected,
      request: (name, payload) => this.conn.request(name, payload),
      stream: (id, stream) => this.view.setStream(id, stream),
      tileHeights: () => this.view.tileHeights(),
      videoPaused: (paused) => this.view.setVideoPaused(paused),
    };
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
    this.group.peopleChanged();
    this.whiteboard.refresh();
    if (this.quiet) return; // the snapshot at join: the session starts after it
    this.view.announce(`${p.name} joined the session.`);
    if (!this.applyingJoin) this.session?.personJoined(p);
  }

  private personUpdated(p: PublicParticipant, before: PublicParticipant): void {
    this.view.addOrUpdate(p);
    this.group.peopleChanged();
    this.whiteboard.refresh();
    if (!this.applyingJoin) this.session?.personUpdated(p, before);
  }

  private personLeft(id: string, reason: string, before: PublicParticipant): void {
    this.view.remove(id);
    this.whiteboard.refresh();
    this.session?.personLeft(id);
    this.group.peopleChanged();
    if (this.moving) return; // it is we who left their room
    if (reason === 'moved') {
      this.view.announce(`${before.name} went to another room.`);
      return;
    }
    this.view.announce(
      reason === 'removed' ? `${before.name} is no longer in the session.` : `${before.name} left the session.`,
    );
  }

  // ---- own controls -------------------------------------------------------------------------
  private selfUpdated(p: PublicParticipant): void {
    this.self = p;
    this.view.setSelf(p);
    this.group.setRole(p.role);
    this.group.peopleChanged();
    this.refreshEngagement();
    this.whiteboard.refresh();
    // A facilitator stopped our microphone or camera: the server enforces it; follow it
    // here too so that the buttons tell the truth, and say so while it lasts.
    this.audioBlocked = Boolean(p.audio_blocked);
    this.videoBlocked = Boolean(p.video_blocked);
    if (this.audioBlocked && !this.audioMuted) this.applyMicrophone(true);
    if (this.videoBlocked && !this.videoOff) this.applyCamera(true);
    this.refreshMicrophone();
  }

  /** Ask-to-unmute mode applies to participants until a facilitator lets them unmute. */
  private mustAsk(): boolean {
    const self = this.self;
    return Boolean(this.group.settings.ask_to_unmute && self && self.role === 'participant' && !self.may_unmute);
  }

  private refreshMicrophone(): void {
    const asking = Boolean(this.group.settings.ask_to_unmute && this.self?.role === 'participant');
    this.view.setMicrophoneAsks(this.mustAsk());
    this.view.setBlocked(
      this.audioBlocked,
      this.videoBlocked,
      !asking ? 'no' : this.self?.may_unmute ? 'allowed' : this.self?.unmute_requested ? 'asked' : 'must ask',
    );
  }

  private async toggleHand(): Promise<void> {
    const raise = !this.view.handIsRaised;
    const ack = await this.conn.request(raise ? 'hand.raise' : 'hand.lower', {});
    if (this.finished) return;
    if (!ack.ok) this.view.notify(ack.error.message);
    else this.view.announce(raise ? 'Your hand is raised.' : 'Your hand is lowered.');
  }

  private async askToUnmute(): Promise<void> {
    const ack = await this.conn.request('unmute.request', {});
    if (this.finished) return;
    // The notice under the people says it once the room shows the request.
    if (!ack.ok) this.view.notify(ack.error.message);
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
    if (!muted && this.mustAsk()) {
      // Ask-to-unmute mode: the button asks; the facilitator lets us (unmute.allowed).
      await this.askToUnmute();
      return;
    }
    if (!muted && this.audioBlocked) {
      // Stopped by a facilitator: ask, but keep the microphone off unless the server agrees.
      const ack = await this.conn.request('media.update', { audio_muted: false });
      if (this.finished) return;
      if (ack.ok) this.applyMicrophone(false);
      else this.view.notify(ack.error.message);
      return;
    }
    this.applyMicrophone(muted);
    const ack = await this.conn.request('media.update', { audio_muted: muted });
    if (!ack.ok && !muted && REFUSED_MEDIA.has(ack.error.code) && !this.finished) {
      this.applyMicrophone(true);
      this.view.notify(ack.error.message);
    }
  }

  private async setCamera(off: boolean): Promise<void> {
    if (!this.publisher || !this.choices.media?.video) return;
    if (!off && this.videoBlocked) {
      const ack = await this.conn.request('media.update', { video_off: false });
      if (this.finished) return;
      if (ack.ok) this.applyCamera(false);
      else this.view.notify(ack.error.message);
      return;
    }
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
    this.session?.close();
    this.session = null;
    stopMedia(this.choices.media);
    for (const off of this.unlisten) off();
    this.activity?.destroy();
    this.reactions.destroy();
    this.moodDialog.destroy();
    this.engagement.destroy();
    this.group.destroy();
    this.whiteboard.destroy();
    this.view.destroy();
    this.onEnd(ending);
  }
}
