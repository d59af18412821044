// The media session of a room whose media goes through the server's SFU (Janus).
//
// Two connections, both negotiated through the server (`sfu.*` requests; the browser
// never talks to Janus):
// - publishing: our microphone and camera, the camera with simulcast (three encodings,
//   full, half and quarter size, listed high to low as Janus expects by default). We
//   offer (`sfu.publish`), the SFU answers. Observers do not publish.
// - receiving: everyone else on one connection. The SFU offers (the `sfu.subscribe` ack,
//   then an `sfu.offer` event each time someone starts or stops publishing) and we answer
//   (`sfu.answer`), one offer at a time. Each offer's `streams` says whose audio or video
//   every m-line (mid) carries, so each received track goes to that person's tile.
// Candidates trickle through `sfu.trickle` once the server has the connection's
// description. Every few seconds we report how we receive (`sfu.receive`: each tile's
// drawn height and the packet loss since the last report); the server picks a video layer
// per tile, and may pause video (audio only) when our connection cannot carry it.
//
// Requests name the set-up's epoch. `media_unavailable` (the SFU is being set up again)
// is retried after a short delay; `media_changed` means a new set-up is on its way as a
// `room.media` event, and the call replaces this session then.

import type {
  Ack,
  IceCandidate,
  ParticipantId,
  PublicParticipant,
  Requests,
  SessionDescription,
  SfuOffer,
  SfuStream,
  SignalEvent,
} from './protocol';
import type { MediaSession, SessionHost } from './session';

type Target = 'publisher' | 'subscriber';
type SfuRequestName = 'sfu.publish' | 'sfu.subscribe' | 'sfu.answer';
type WithoutEpoch<T> = Omit<T, 'epoch'>;

/** Simulcast encodings, highest first (Janus's default `rid_order` is h, m, l). */
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 900_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 300_000 },
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 100_000 },
];
/** Refusals worth another try after a pause (the SFU is being set up again, a slow
 * server); anything else ends the attempt. */
const RETRYABLE = new Set(['media_unavailable', 'timeout', 'rate_limited', 'internal_error']);
const RETRY_MS = 800;
const RETRY_MAX_MS = 4000;
const REPORT_EVERY_MS = 2000;
/** A connection that failed is set up again after this. */
const RESTART_AFTER_FAILURE_MS = 1500;
/** A connection not connected this long after its negotiation is set up again. */
const CONNECT_WATCHDOG_MS = 15_000;
const MAX_REPORTED_TILES = 64;
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** The session (or one of its connections) was replaced meanwhile: stop quietly. */
class Stale extends Error {}

class Side {
  /** The server has this connection's description: candidates may follow it. */
  ready = false;
  pending: (IceCandidate | null)[] = [];
  watchdog = 0;
  restartTimer = 0;
  closed = false;

  constructor(
    readonly target: Target,
    readonly pc: RTCPeerConnection,
    readonly generation: number,
  ) {}

  close(): void {
    this.closed = true;
    window.clearTimeout(this.watchdog);
    window.clearTimeout(this.restartTimer);
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.pc.ontrack = null;
    try {
      this.pc.close();
    } catch {
      // Already closed.
    }
  }
}

function live(track: MediaStreamTrack | null | undefined): track is MediaStreamTrack {
  return Boolean(track && track.readyState === 'live');
}

function candidateOf(c: RTCIceCandidate): IceCandidate {
  const json = c.toJSON();
  return {
    candidate: json.candidate ?? '',
    sdpMid: json.sdpMid ?? null,
    sdpMLineIndex: json.sdpMLineIndex ?? null,
  };
}

function description(d: RTCSessionDescription | null): SessionDescription {
  if (!d || (d.type !== 'offer' && d.type !== 'answer')) throw new Error('no local description');
  return { type: d.type, sdp: d.sdp };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

export class SfuSession implements MediaSession {
  readonly mode = 'sfu' as const;
  private closed = false;
  private publisher: Side | null = null;
  private subscriber: Side | null = null;
  /** Bumped whenever a connection is started afresh: older work then stops. */
  private pubGeneration = 0;
  private subGeneration = 0;
  /** The subscription generation whose `sfu.subscribe` was acknowledged. */
  private subscribed = -1;
  /** The receiving connection's negotiations, one at a time. */
  private queue: Promise<void> = Promise.resolve();
  /** mid -> whose stream the receiving connection carries there (latest offer). */
  private streams = new Map<string, SfuStream>();
  /** What each person's tile plays. */
  private readonly remote = new Map<ParticipantId, MediaStream>();
  private reportTimer = 0;
  private reporting = false;
  private lossBase: { pc: RTCPeerConnection | null; lost: number; received: number } = {
    pc: null,
    lost: 0,
    received: 0,
  };

  constructor(
    readonly epoch: number,
    private readonly host: SessionHost,
  ) {}

  // ---- MediaSession ---------------------------------------------------------------------
  start(): void {
    void this.publish();
    this.subscribe();
    this.reportTimer = window.setInterval(() => void this.report(), REPORT_EVERY_MS);
  }

  rejoined(resumed: boolean): void {
    // Offers sent while we were away are lost: ask for the whole subscription again.
    this.subscribe();
    const pub = this.publisher;
    if (!resumed || !pub || pub.pc.connectionState !== 'connected') void this.publish();
  }

  suspended(): void {
    // Requests fail while the server is away; the join that follows calls rejoined().
  }

  personJoined(_p: PublicParticipant): void {
    // The server adds their streams to our subscription (an `sfu.offer`).
  }

  personUpdated(_p: PublicParticipant, _before: PublicParticipant): void {
    // Mute, camera and connection state are shown from the participant record.
  }

  personLeft(id: ParticipantId): void {
    this.remote.delete(id);
  }

  onSignal(_event: SignalEvent): void {
    // Peer-to-peer negotiation does not apply here.
  }

  onSfuOffer(event: SfuOffer): void {
    if (this.closed || event.epoch !== this.epoch || !event.jsep) return;
    const generation = this.subGeneration;
    // An offer that comes before our subscription is acknowledged belongs to the
    // subscription it replaces.
    if (this.subscribed !== generation) return;
    this.enqueue(async () => {
      if (generation !== this.subGeneration) return;
      await this.answer(generation, event.jsep, event.streams ?? []);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pubGeneration += 1;
    this.subGeneration += 1;
    window.clearInterval(this.reportTimer);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.streams.clear();
    this.remote.clear();
  }

  // ---- publishing -----------------------------------------------------------------------
  private async publish(): Promise<void> {
    const generation = ++this.pubGeneration;
    this.publisher?.close();
    this.publisher = null;
    const local = this.host.local;
    if (this.closed || !local || (!live(local.audio) && !live(local.video))) return;
    const current = (): boolean => generation === this.pubGeneration && !this.closed;
    const side = this.newSide('publisher', generation, current);
    this.publisher = side;
    const pc = side.pc;
    if (live(local.audio)) {
      pc.addTransceiver(local.audio, { direction: 'sendonly', streams: [local.stream] });
    }
    if (live(local.video)) {
      try {
        pc.addTransceiver(local.video, {
          direction: 'sendonly',
          streams: [local.stream],
          sendEncodings: SIMULCAST.map((e) => ({ ...e })),
        });
      } catch {
        // No simulcast in this browser: one encoding.
        pc.addTransceiver(local.video, { direction: 'sendonly', streams: [local.stream] });
      }
    }
    try {
      await pc.setLocalDescription(await pc.createOffer());
      const ack = await this.request('sfu.publish', { jsep: description(pc.localDescription) }, current);
      await pc.setRemoteDescription(ack.jsep);
      if (!current()) return;
      this.ready(side);
    } catch (err) {
      if (!(err instanceof Stale) && current()) this.restartLater(side);
    }
  }

  // ---- receiving ------------------------------------------------------------------------
  private subscribe(): void {
    const generation = ++this.subGeneration;
    this.enqueue(async () => {
      if (generation !== this.subGeneration || this.closed) return;
      this.subscriber?.close();
      this.subscriber = null;
      this.streams = new Map();
      this.attach();
      const current = (): boolean => generation === this.subGeneration && !this.closed;
      let ack: Requests['sfu.subscribe']['ack'];
      try {
        ack = await this.request('sfu.subscribe', {}, current);
      } catch (err) {
        if (!(err instanceof Stale) && current()) this.restartSoon('subscriber', generation);
        return;
      }
      this.subscribed = generation;
      // No offer while nobody publishes: it comes as an `sfu.offer` event.
      if (ack.jsep) await this.answer(generation, ack.jsep, ack.streams ?? []);
    });
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch(() => undefined);
  }

  /** Answer an offer of the SFU for our receiving connection (made on the first). */
  private async answer(generation: number, offer: SessionDescription, streams: SfuStream[]): Promise<void> {
    const current = (): boolean => generation === this.subGeneration && !this.closed;
    if (!current()) return;
    let side = this.subscriber;
    if (!side) {
      side = this.newSide('subscriber', generation, current);
      side.pc.ontrack = () => {
        if (current()) this.attach();
      };
      this.subscriber = side;
    }
    const pc = side.pc;
    try {
      // The new layout first: tracks that arrive with this offer go to the right tiles.
      this.streams = new Map(streams.map((s) => [s.mid, s]));
      await pc.setRemoteDescription(offer);
      if (!current()) return;
      await pc.setLocalDescription(await pc.createAnswer());
      await this.request('sfu.answer', { jsep: description(pc.localDescription) }, current);
      if (!current()) return;
      this.ready(side);
      this.attach();
    } catch (err) {
      if (!(err instanceof Stale) && current()) this.restartLater(side);
    }
  }

  /** Give every received track to the tile of the person it carries. */
  private attach(): void {
    const wanted = new Map<ParticipantId, MediaStreamTrack[]>();
    const pc = this.subscriber?.pc;
    for (const t of pc?.getTransceivers() ?? []) {
      const stream = t.mid !== null ? this.streams.get(t.mid) : undefined;
      const track = t.receiver.track;
      if (!stream || !track || track.readyState === 'ended' || t.currentDirection === 'stopped') continue;
      const list = wanted.get(stream.participant_id) ?? [];
      list.push(track);
      wanted.set(stream.participant_id, list);
    }
    for (const id of new Set([...wanted.keys(), ...this.remote.keys()])) {
      const tracks = wanted.get(id) ?? [];
      const before = this.remote.get(id)?.getTracks() ?? [];
      if (before.length === tracks.length && tracks.every((t) => before.includes(t))) continue;
      // A fresh stream whenever the set changes: the tile restarts playback cleanly.
      const stream = new MediaStream(tracks);
      this.remote.set(id, stream);
      this.host.stream(id, stream);
    }
  }

  // ---- both connections -----------------------------------------------------------------
  private newSide(target: Target, generation: number, current: () => boolean): Side {
    const pc = new RTCPeerConnection({
      iceServers: this.host.iceServers().map((s) => ({ ...s })),
      bundlePolicy: 'max-bundle',
    });
    const side = new Side(target, pc, generation);
    pc.onicecandidate = ({ candidate }) => {
      if (!current() || side.closed) return;
      if (candidate && !candidate.candidate) return; // an end-of-candidates marker
      const c = candidate ? candidateOf(candidate) : null; // null: gathering is done
      if (side.ready) this.trickle(target, c);
      else side.pending.push(c);
    };
    pc.onconnectionstatechange = () => {
      if (!current() || side.closed) return;
      window.clearTimeout(side.restartTimer);
      if (pc.connectionState === 'connected') window.clearTimeout(side.watchdog);
      if (pc.connectionState === 'failed') this.restartLater(side);
    };
    return side;
  }

  /** The server has the connection's description: send the candidates held back. */
  private ready(side: Side): void {
    if (side.ready) return;
    side.ready = true;
    const pending = side.pending;
    side.pending = [];
    for (const c of pending) this.trickle(side.target, c);
    if (side.pc.connectionState !== 'connected') {
      side.watchdog = window.setTimeout(() => {
        if (!side.closed && side.pc.connectionState !== 'connected') this.restart(side);
      }, CONNECT_WATCHDOG_MS);
    }
  }

  private trickle(target: Target, candidate: IceCandidate | null): void {
    if (this.closed || !this.host.online()) return;
    void this.host.request('sfu.trickle', { epoch: this.epoch, target, candidate });
  }

  private restartLater(side: Side): void {
    window.clearTimeout(side.restartTimer);
    side.restartTimer = window.setTimeout(() => this.restart(side), RESTART_AFTER_FAILURE_MS);
  }

  private restartSoon(target: Target, generation: number): void {
    window.setTimeout(() => {
      if (this.closed) return;
      if (target === 'subscriber' && generation === this.subGeneration) this.subscribe();
    }, RESTART_AFTER_FAILURE_MS);
  }

  /** Set one connection up afresh (it failed, or never connected). */
  private restart(side: Side): void {
    if (this.closed || side.closed || !this.host.online()) return;
    if (side.target === 'publisher') {
      if (side === this.publisher) void this.publish();
    } else if (side === this.subscriber) {
      this.subscribe();
    }
  }

  /** An `sfu.*` request for this set-up, tried again while the SFU is being set up. */
  private async request<N extends SfuRequestName>(
    name: N,
    payload: WithoutEpoch<Requests[N]['request']>,
    current: () => boolean,
  ): Promise<Requests[N]['ack']> {
    for (let attempt = 1; ; attempt++) {
      if (!current() || !this.host.online()) throw new Stale();
      const body = { ...payload, epoch: this.epoch } as Requests[N]['request'];
      const ack: Ack<Requests[N]['ack']> = await this.host.request(name, body);
      if (!current()) throw new Stale();
      if (ack.ok) return ack;
      const code = ack.error.code;
      // A new set-up is announced by `room.media`; the call replaces this session then.
      if (code === 'media_changed' || code === 'not_connected') throw new Stale();
      if (!RETRYABLE.has(code)) throw new Error(`${name}: ${code}`);
      await sleep(Math.min(RETRY_MAX_MS, RETRY_MS * attempt));
    }
  }

  // ---- how we receive -------------------------------------------------------------------
  private async report(): Promise<void> {
    const side = this.subscriber;
    if (this.closed || this.reporting || !side || !side.ready || !this.host.online()) return;
    this.reporting = true;
    try {
      const loss = await this.loss(side.pc);
      const tiles: Record<ParticipantId, number> = {};
      let n = 0;
      for (const [id, height] of Object.entries(this.host.tileHeights())) {
        if (!this.remote.has(id) || !ID_PATTERN.test(id) || n >= MAX_REPORTED_TILES) continue;
        tiles[id] = Math.max(0, Math.min(8192, Math.round(height)));
        n += 1;
      }
      const ack = await this.host.request('sfu.receive', { epoch: this.epoch, tiles, loss });
      if (ack.ok && !this.closed) this.host.videoPaused(Boolean(ack.video_paused));
    } catch {
      // The next report tries again.
    } finally {
      this.reporting = false;
    }
  }

  /** The fraction of inbound packets lost on the receiving connection since last time. */
  private async loss(pc: RTCPeerConnection): Promise<number> {
    let lost = 0;
    let received = 0;
    (await pc.getStats()).forEach((r: { type?: string; packetsLost?: number; packetsReceived?: number }) => {
      if (r.type !== 'inbound-rtp') return;
      lost += r.packetsLost ?? 0;
      received += r.packetsReceived ?? 0;
    });
    const base = this.lossBase;
    const fresh = base.pc !== pc;
    const dLost = fresh ? lost : Math.max(0, lost - base.lost);
    const dReceived = fresh ? received : Math.max(0, received - base.received);
    this.lossBase = { pc, lost, received };
    const total = dLost + dReceived;
    return total > 0 ? Math.min(1, Math.max(0, dLost / total)) : 0;
  }
}
