// Full-mesh WebRTC: one RTCPeerConnection to every other person in the room.
//
// Negotiation follows the "perfect negotiation" pattern: both sides add their tracks and
// offer when negotiation is needed; when two offers cross, the polite side (the one with
// the smaller participant id) gives way and the impolite one ignores the incoming offer.
// Crossing offers are still best avoided (Chromium sometimes gathers no ICE candidates
// after rolling back an offer it was still making), so whoever arrives (joins, or comes
// back after a reconnect) offers at once, and those already there give them a moment to
// do so before offering themselves (`expect`). A peer that never offers (the Python
// participant, which only answers) is therefore offered to after that moment.
//
// Every connection has a random id (`pc`) sent with each signal. A description carrying
// an id other than the one we know for that peer means the peer started over (reload,
// reconnect): the old connection is closed and a fresh one answers it. Ids that were
// replaced are remembered and their late signals ignored.

import type { IceCandidate, IceServer, SessionDescription, SignalEvent, SignalRequest } from './protocol';
import type { LocalTracks } from './session';

export interface MeshEvents {
  /** Whether signals can reach this peer now (both connected to the server). */
  reachable(peerId: string): boolean;
  /** The remote media of a peer changed (a new track, or a new connection). */
  stream(peerId: string, stream: MediaStream): void;
  state(peerId: string, state: RTCPeerConnectionState): void;
}

const MAX_EARLY_CANDIDATES = 64;
/**
 * A connection that has not connected by then is started afresh (a lost offer or answer,
 * a peer that never answered). The polite side waits longer, so both rarely do it at once.
 */
const WATCHDOG_MS = { impolite: 12_000, polite: 20_000 };

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'pc-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

class Peer {
  readonly pcId = randomId();
  readonly pc: RTCPeerConnection;
  readonly stream = new MediaStream();
  readonly createdAt = performance.now();
  remotePcId: string | null;
  makingOffer = false;
  /** The offer being made, while `makingOffer`. */
  offering: Promise<void> = Promise.resolve();
  ignoreOffer = false;
  restartTimer = 0;
  watchdog = 0;
  settingAnswer = false;
  /** Candidates for the current remote connection that came before its description. */
  pending: IceCandidate[] = [];
  closed = false;

  constructor(
    readonly id: string,
    remotePcId: string | null,
    config: RTCConfiguration,
  ) {
    this.remotePcId = remotePcId;
    this.pc = new RTCPeerConnection(config);
  }
}

export class Mesh {
  private readonly peers = new Map<string, Peer>();
  /** Per remote participant: connection ids that were replaced (their signals are stale). */
  private readonly retired = new Map<string, Set<string>>();
  /** Per remote participant and connection id: candidates that came before anything else. */
  private readonly early = new Map<string, Map<string, IceCandidate[]>>();
  /** Signals are handled one at a time per remote participant. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Per remote participant: the moment after which we offer if they have not. */
  private readonly waits = new Map<string, number>();
  private iceServers: RTCIceServer[] = [];

  constructor(
    private readonly selfId: string,
    private local: LocalTracks | null,
    private readonly send: (signal: SignalRequest) => Promise<boolean>,
    private readonly events: MeshEvents,
  ) {}

  setIceServers(servers: IceServer[]): void {
    this.iceServers = servers.map((s) => ({ ...s }));
  }

  has(peerId: string): boolean {
    return this.peers.has(peerId);
  }

  /**
   * A connection worth keeping: connected, or still young and on its way there.
   * Anything else (failed, closed, stuck) is replaced by a fresh one.
   */
  healthy(peerId: string): boolean {
    const peer = this.peers.get(peerId);
    if (!peer || peer.closed) return false;
    const state = peer.pc.connectionState;
    if (state === 'connected') return true;
    if (state === 'failed' || state === 'closed' || state === 'disconnected') return false;
    return performance.now() - peer.createdAt < 4000;
  }

  /** Make sure there is a connection to this peer (this side offers). */
  connect(peerId: string): void {
    this.cancelWait(peerId);
    if (peerId === this.selfId || this.peers.has(peerId)) return;
    this.create(peerId, null);
  }

  /**
   * The peer has just arrived and will offer: give them `ms` to do so, then offer
   * ourselves unless a working (or young) connection exists by then.
   */
  expect(peerId: string, ms: number): void {
    if (peerId === this.selfId) return;
    this.cancelWait(peerId);
    this.waits.set(
      peerId,
      window.setTimeout(() => {
        this.waits.delete(peerId);
        if (!this.peers.has(peerId)) this.create(peerId, null);
        else if (!this.healthy(peerId)) this.replace(peerId);
      }, ms),
    );
  }

  private cancelWait(peerId: string): void {
    const timer = this.waits.get(peerId);
    if (timer !== undefined) window.clearTimeout(timer);
    this.waits.delete(peerId);
  }

  /** Close the connection to this peer and start a fresh one. */
  replace(peerId: string): void {
    this.cancelWait(peerId);
    this.remove(peerId);
    this.create(peerId, null);
  }

  remove(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    if (peer.remotePcId) this.retire(peerId, peer.remotePcId);
    this.closePeer(peer);
  }

  /** Forget a peer who left the room. */
  forget(peerId: string): void {
    this.cancelWait(peerId);
    this.remove(peerId);
    this.early.delete(peerId);
  }

  closeAll(): void {
    for (const id of [...this.waits.keys()]) this.cancelWait(id);
    for (const id of [...this.peers.keys()]) this.remove(id);
    this.early.clear();
  }

  onSignal(event: SignalEvent): void {
    if (!event || typeof event.from !== 'string' || event.from === this.selfId) return;
    const prev = this.queues.get(event.from) ?? Promise.resolve();
    const next = prev
      .then(() => this.handle(event))
      .catch(() => undefined);
    this.queues.set(event.from, next);
  }

  // ---- internals ------------------------------------------------------------------------

  private retire(peerId: string, pcId: string): void {
    let set = this.retired.get(peerId);
    if (!set) this.retired.set(peerId, (set = new Set()));
    set.add(pcId);
    if (set.size > 32) set.delete(set.values().next().value as string);
    this.early.get(peerId)?.delete(pcId);
  }

  private polite(peerId: string): boolean {
    return this.selfId < peerId;
  }

  private create(peerId: string, remotePcId: string | null): Peer {
    const peer = new Peer(peerId, remotePcId, {
      iceServers: this.iceServers,
      bundlePolicy: 'max-bundle',
    });
    this.peers.set(peerId, peer);
    const pc = peer.pc;

    pc.ontrack = ({ track }) => {
      if (peer.closed) return;
      for (const old of peer.stream.getTracks()) {
        if (old.kind === track.kind && old !== track) peer.stream.removeTrack(old);
      }
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      this.events.stream(peerId, peer.stream);
    };
    pc.onicecandidate = ({ candidate }) => {
      if (peer.closed || !candidate || !candidate.candidate) return;
      const c = candidate.toJSON();
      void this.send({
        to: peerId,
        pc: peer.pcId,
        candidate: {
          candidate: c.candidate ?? '',
          sdpMid: c.sdpMid ?? null,
          sdpMLineIndex: c.sdpMLineIndex ?? null,
          usernameFragment: c.usernameFragment ?? null,
        },
      });
    };
    pc.onnegotiationneeded = () => {
      if (peer.closed) return;
      peer.makingOffer = true;
      peer.offering = (async () => {
        try {
          await pc.setLocalDescription();
          await this.sendDescription(peer);
        } catch {
          // A crossing offer won; negotiation is needed again if something is missing.
        } finally {
          peer.makingOffer = false;
        }
      })();
    };
    pc.onconnectionstatechange = () => {
      if (peer.closed) return;
      window.clearTimeout(peer.restartTimer);
      if (pc.connectionState === 'failed') {
        // Both sides see the failure; the impolite one restarts first, the polite one
        // only if that does not happen (e.g. the peer never offers).
        peer.restartTimer = window.setTimeout(
          () => {
            if (!peer.closed && pc.connectionState === 'failed') pc.restartIce();
          },
          this.polite(peerId) ? 3000 : 0,
        );
      }
      this.events.state(peerId, pc.connectionState);
    };

    peer.watchdog = window.setTimeout(
      () => {
        const stuck =
          !peer.closed && this.peers.get(peerId) === peer && pc.connectionState !== 'connected';
        // While either side is away from the server a fresh offer could not arrive; the
        // return of whoever was away starts a fresh connection anyway.
        if (stuck && this.events.reachable(peerId)) this.replace(peerId);
      },
      this.polite(peerId) ? WATCHDOG_MS.polite : WATCHDOG_MS.impolite,
    );

    // Send what we have; receive both kinds whatever we send.
    const local = this.local;
    if (local?.audio && local.audio.readyState === 'live') pc.addTrack(local.audio, local.stream);
    else pc.addTransceiver('audio', { direction: 'recvonly' });
    if (local?.video && local.video.readyState === 'live') pc.addTrack(local.video, local.stream);
    else pc.addTransceiver('video', { direction: 'recvonly' });

    this.events.stream(peerId, peer.stream);
    return peer;
  }

  private closePeer(peer: Peer): void {
    peer.closed = true;
    window.clearTimeout(peer.restartTimer);
    window.clearTimeout(peer.watchdog);
    peer.pc.ontrack = null;
    peer.pc.onicecandidate = null;
    peer.pc.onnegotiationneeded = null;
    peer.pc.onconnectionstatechange = null;
    try {
      peer.pc.close();
    } catch {
      // Already closed.
    }
    for (const t of peer.stream.getTracks()) peer.stream.removeTrack(t);
  }

  private async sendDescription(peer: Peer): Promise<void> {
    const desc = peer.pc.localDescription;
    if (!desc || (desc.type !== 'offer' && desc.type !== 'answer')) return;
    const description: SessionDescription = { type: desc.type, sdp: desc.sdp };
    await this.send({ to: peer.id, pc: peer.pcId, description });
  }

  private stashEarly(peerId: string, pcId: string, candidate: IceCandidate): void {
    let byPc = this.early.get(peerId);
    if (!byPc) this.early.set(peerId, (byPc = new Map()));
    const list = byPc.get(pcId) ?? [];
    if (list.length < MAX_EARLY_CANDIDATES) list.push(candidate);
    byPc.set(pcId, list);
    if (byPc.size > 4) byPc.delete(byPc.keys().next().value as string);
  }

  private takeEarly(peerId: string, pcId: string): IceCandidate[] {
    const byPc = this.early.get(peerId);
    const list = byPc?.get(pcId) ?? [];
    byPc?.delete(pcId);
    return list;
  }

  private async handle(event: SignalEvent): Promise<void> {
    const from = event.from;
    if (this.retired.get(from)?.has(event.pc)) return; // from a connection already replaced
    let peer = this.peers.get(from);

    if (event.candidate) {
      if (!peer || peer.remotePcId !== event.pc) {
        this.stashEarly(from, event.pc, event.candidate);
        return;
      }
      await this.addCandidate(peer, event.candidate);
      return;
    }

    const description = event.description;
    if (!description) return;
    if (!peer) {
      if (description.type !== 'offer') return; // an answer to nothing we have
      peer = this.create(from, event.pc);
    } else if (peer.remotePcId === null) {
      peer.remotePcId = event.pc;
    } else if (peer.remotePcId !== event.pc) {
      if (description.type !== 'offer') return; // a late answer from an older connection
      // The peer started over (reload, reconnect): so do we.
      this.remove(from);
      peer = this.create(from, event.pc);
    }
    peer.pending.push(...this.takeEarly(from, event.pc));
    if (description.type === 'offer') this.cancelWait(from);

    const pc = peer.pc;
    if (description.type === 'offer' && peer.makingOffer && this.polite(from)) {
      // Let our own offer settle before giving way: rolling back an offer that is
      // still being made can leave Chromium without ICE candidates.
      await peer.offering;
      if (peer.closed) return;
    }
    const readyForOffer =
      !peer.makingOffer && (pc.signalingState === 'stable' || peer.settingAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    peer.ignoreOffer = !this.polite(from) && collision;
    if (peer.ignoreOffer) return;
    try {
      peer.settingAnswer = description.type === 'answer';
      await pc.setRemoteDescription(description);
    } catch {
      return; // e.g. an answer that crossed with our rollback
    } finally {
      peer.settingAnswer = false;
    }
    if (peer.closed) return;
    const pending = peer.pending;
    peer.pending = [];
    for (const c of pending) await this.addCandidate(peer, c);
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      await this.sendDescription(peer);
    }
  }

  private async addCandidate(peer: Peer, candidate: IceCandidate): Promise<void> {
    if (peer.closed) return;
    if (!peer.pc.remoteDescription) {
      peer.pending.push(candidate);
      return;
    }
    try {
      await peer.pc.addIceCandidate({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? null,
        sdpMLineIndex: candidate.sdpMLineIndex ?? null,
        usernameFragment: candidate.usernameFragment ?? null,
      });
    } catch {
      // Candidates of an offer we ignored, or of an older ICE generation: harmless.
    }
  }
}
