// The media session of a peer-to-peer room: one connection to every other person
// (mesh.ts), negotiated through the server's `signal` relay.

import { Mesh } from './mesh';
import type { PublicParticipant, SfuOffer, SignalEvent, SignalRequest } from './protocol';
import type { MediaSession, SessionHost } from './session';

/** How long those in the room wait for someone who arrives (or comes back) to offer. */
const NEWCOMER_OFFER_WAIT_MS = 1500;
const RETURNING_OFFER_WAIT_MS = 2500;
/** After a change of set-up everyone starts at once: the larger id offers, the other
 * waits this long for that offer before offering itself. */
const SWITCH_OFFER_WAIT_MS = 1500;

export class MeshSession implements MediaSession {
  readonly mode = 'mesh' as const;
  private readonly mesh: Mesh;
  private closed = false;

  constructor(
    readonly epoch: number,
    private readonly host: SessionHost,
  ) {
    this.mesh = new Mesh(host.selfId, host.local, (signal) => this.send(signal), {
      stream: (id, stream) => host.stream(id, stream),
      state: () => undefined,
      reachable: (id) => host.online() && host.participants().get(id)?.connection === 'connected',
    });
    this.mesh.setIceServers(host.iceServers());
  }

  private others(): PublicParticipant[] {
    return [...this.host.participants().values()].filter(
      (p) => p.id !== this.host.selfId && p.connection === 'connected',
    );
  }

  start(switching: boolean): void {
    for (const p of this.others()) {
      // A newcomer offers to everyone. After a change of set-up nobody is new: of two
      // people, the one with the larger id offers (no crossing offers).
      if (!switching || this.host.selfId > p.id) this.mesh.connect(p.id);
      else this.mesh.expect(p.id, SWITCH_OFFER_WAIT_MS);
    }
  }

  rejoined(): void {
    this.mesh.setIceServers(this.host.iceServers());
    // Keep the connections that still work; start the others afresh.
    for (const p of this.others()) {
      if (!this.mesh.has(p.id)) this.mesh.connect(p.id);
      else if (!this.mesh.healthy(p.id)) this.mesh.replace(p.id);
    }
  }

  suspended(): void {
    // Peer connections may outlive a short outage of the server connection.
  }

  personJoined(p: PublicParticipant): void {
    // The newcomer offers; we offer only if they have not after a moment.
    if (p.connection === 'connected') this.mesh.expect(p.id, NEWCOMER_OFFER_WAIT_MS);
  }

  personUpdated(p: PublicParticipant, before: PublicParticipant): void {
    if (p.connection === 'connected' && before.connection !== 'connected') {
      // They are back: keep a working connection. They replace one that broke meanwhile
      // (and offer); we do it ourselves only if they have not after a moment.
      if (!this.mesh.healthy(p.id)) this.mesh.expect(p.id, RETURNING_OFFER_WAIT_MS);
    }
  }

  personLeft(id: string): void {
    this.mesh.forget(id);
  }

  onSignal(event: SignalEvent): void {
    if (!this.closed) this.mesh.onSignal(event);
  }

  onSfuOffer(_event: SfuOffer): void {
    // Not for a peer-to-peer room.
  }

  close(): void {
    this.closed = true;
    this.mesh.closeAll();
  }

  private async send(signal: SignalRequest): Promise<boolean> {
    if (this.closed || !this.host.online()) return false;
    const ack = await this.host.request('signal', signal);
    return ack.ok;
  }
}
