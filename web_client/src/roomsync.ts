// The room as this client knows it: a snapshot from the join, then numbered room events.
//
// Events that arrive before the snapshot are buffered; events already covered by it
// (seq <= snapshot seq) are ignored; a gap in the numbering triggers a `sync` request,
// answered with the missing events or a fresh snapshot. Events about oneself are applied
// like any other, idempotently.

import type {
  Ack,
  ParticipantId,
  PublicParticipant,
  RoomEvent,
  RoomMedia,
  RoomSnapshot,
  SessionSettings,
  SyncAck,
} from './protocol';
import { drainInOrder } from './ordered';

export interface RoomListener {
  joined(p: PublicParticipant): void;
  updated(p: PublicParticipant, before: PublicParticipant): void;
  left(id: string, reason: string, before: PublicParticipant): void;
  self(p: PublicParticipant): void;
  /** The room's media set-up, from a snapshot or a `room.media` event. */
  media(media: RoomMedia): void;
  /** Raised hands in order; `called`: who was just called on (events only). */
  hands(queue: ParticipantId[], called: ParticipantId | null): void;
  /** Whom everyone's layout puts first. */
  spotlight(id: ParticipantId | null): void;
  /** The session's settings changed (`session.updated`). */
  settings(settings: SessionSettings): void;
}

export type SyncFn = (room: string, since: number) => Promise<Ack<SyncAck>>;

export class RoomSync {
  room: string | null = null;
  lastSeq = -1;
  readonly participants = new Map<string, PublicParticipant>();
  private ready = false;
  private syncing = false;
  private buffer: RoomEvent[] = [];
  private epoch = 0;

  constructor(
    private readonly selfId: () => string | null,
    private readonly listener: RoomListener,
    private readonly requestSync: SyncFn,
  ) {}

  /** The connection dropped: wait for the next snapshot before applying anything. */
  suspend(): void {
    this.ready = false;
    this.syncing = false;
    this.buffer = [];
    this.epoch += 1;
  }

  onEvent(event: RoomEvent): void {
    if (!this.ready || this.syncing) {
      this.buffer.push(event);
      return;
    }
    this.apply(event);
  }

  /** Replace what we know by the server's snapshot (join ack or sync fallback). */
  applySnapshot(snapshot: RoomSnapshot): void {
    if (snapshot.room !== this.room) {
      // Another room (a move): an answer still on its way about the old one is stale.
      this.epoch += 1;
      this.syncing = false;
      this.buffer = this.buffer.filter((e) => e.room === snapshot.room);
    }
    this.room = snapshot.room;
    this.lastSeq = snapshot.seq;
    const me = this.selfId();
    const seen = new Set<string>();
    for (const p of snapshot.participants) {
      seen.add(p.id);
      this.put(p, me);
    }
    for (const [id, before] of [...this.participants]) {
      if (!seen.has(id)) {
        this.participants.delete(id);
        if (id !== me) this.listener.left(id, 'left', before);
      }
    }
    this.listener.hands(snapshot.hands ?? [], null);
    this.listener.spotlight(snapshot.spotlight ?? null);
    // A server that predates media set-ups is peer to peer.
    this.listener.media(snapshot.media ?? { mode: 'mesh', epoch: 0 });
    this.ready = true;
    this.drain();
  }

  private put(p: PublicParticipant, me: string | null): void {
    const before = this.participants.get(p.id);
    this.participants.set(p.id, p);
    if (p.id === me) this.listener.self(p);
    else if (before) this.listener.updated(p, before);
    else this.listener.joined(p);
  }

  private drain(): void {
    const held = this.buffer;
    this.buffer = [];
    const rest = drainInOrder(held, () => this.syncing || !this.ready, (e) => this.apply(e));
    this.buffer.push(...rest);
  }

  private apply(event: RoomEvent): void {
    if (event.room !== this.room || event.seq <= this.lastSeq) return;
    if (event.seq > this.lastSeq + 1) {
      this.buffer.push(event);
      void this.sync();
      return;
    }
    this.lastSeq = event.seq;
    this.handle(event);
  }

  private handle(event: RoomEvent): void {
    const me = this.selfId();
    switch (event.name) {
      case 'participant.joined':
      case 'participant.updated':
        this.put(event.payload.participant, me);
        break;
      case 'participant.left': {
        const id = event.payload.participant_id;
        const before = this.participants.get(id);
        if (!before) return;
        this.participants.delete(id);
        if (id !== me) this.listener.left(id, event.payload.reason, before);
        break;
      }
      case 'room.media':
        this.listener.media(event.payload);
        break;
      case 'hands.updated':
        this.listener.hands(event.payload.queue ?? [], event.payload.called ?? null);
        break;
      case 'room.spotlight':
        this.listener.spotlight(event.payload.participant_id ?? null);
        break;
      case 'session.updated':
        this.listener.settings(event.payload);
        break;
      default:
        // A newer server may send events this client does not know: skip them.
        break;
    }
  }

  private async sync(): Promise<void> {
    if (this.syncing || this.room === null) return;
    this.syncing = true;
    const epoch = this.epoch;
    const ack = await this.requestSync(this.room, this.lastSeq);
    if (epoch !== this.epoch) return; // reconnected meanwhile: the join brings a snapshot
    this.syncing = false;
    if (!ack.ok) return; // the next join (after a reconnect) brings a snapshot
    if (ack.snapshot) {
      this.applySnapshot(ack.snapshot);
      return;
    }
    for (const event of [...(ack.events ?? [])].sort((a, b) => a.seq - b.seq)) {
      if (event.seq <= this.lastSeq) continue;
      if (event.seq !== this.lastSeq + 1) break;
      this.lastSeq = event.seq;
      this.handle(event);
    }
    this.drain();
  }
}
