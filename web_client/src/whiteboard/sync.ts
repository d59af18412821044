// Keeping the board in step with the server (whiteboard-spec.md "Sync"):
// - `whiteboard.applied` ops are applied in seq order; ops that come early wait in a buffer;
// - a gap in the numbering asks `whiteboard.sync` for what is missing (since = last seq);
// - a new room (join, admission, breakout move) loads the board with since = null;
// - a dropped connection keeps the board and its seq, so the rejoin asks only for what it
//   missed (or gets a fresh snapshot when the server no longer has those ops).

import type { Ack, AppliedOp, BoardSettings, BoardState, WhiteboardApplied } from '../protocol';
import type { BoardModel } from './model';
import { drainInOrder } from '../ordered';

const RETRY_MS = 2000;

export type BoardSyncFn = (since: number | null) => Promise<Ack<{ board: BoardState }>>;

export interface BoardSyncListener {
  /** The board changed (elements or seq). */
  changed(): void;
  settings(settings: BoardSettings): void;
}

export class BoardSync {
  /** The room whose board this is (the room id from the join or `room.entered`). */
  room: string | null = null;
  private ready = false;
  private syncing = false;
  private buffer: AppliedOp[] = [];
  /** Bumped by every suspend and room change: answers for an older one are dropped. */
  private epoch = 0;

  constructor(
    private readonly model: BoardModel,
    private readonly requestSync: BoardSyncFn,
    private readonly listener: BoardSyncListener,
  ) {}

  /** In a room (after a join or a move): the same room's board catches up, another room's
   * board is loaded whole. */
  enter(room: string): void {
    if (room !== this.room) {
      this.room = room;
      this.model.reset();
      this.listener.changed();
    } else if (this.ready || this.syncing) {
      return; // already in step with this room
    }
    this.epoch += 1;
    this.ready = false;
    this.syncing = false;
    this.buffer = [];
    void this.sync();
  }

  /** The connection dropped: keep the board, apply nothing until the next enter(). */
  suspend(): void {
    this.ready = false;
    this.syncing = false;
    this.buffer = [];
    this.epoch += 1;
  }

  onApplied(event: WhiteboardApplied): void {
    if (event.room !== this.room) return; // a room we left, or one not entered yet
    if (!this.ready || this.syncing) {
      this.buffer.push(event.op);
      return;
    }
    this.take(event.op);
  }

  private take(op: AppliedOp): void {
    const seq = this.model.seq ?? 0;
    if (op.seq <= seq) return; // already in the board
    if (op.seq > seq + 1) {
      // Missed one: wait for it with this one kept.
      this.buffer.push(op);
      void this.sync();
      return;
    }
    this.model.apply(op);
    this.listener.changed();
  }

  private async sync(): Promise<void> {
    if (this.syncing || this.room === null) return;
    this.syncing = true;
    const epoch = this.epoch;
    const ack = await this.requestSync(this.model.seq);
    if (epoch !== this.epoch) return; // suspended or moved meanwhile: the next enter() asks again
    this.syncing = false;
    if (!ack.ok) {
      // A passing refusal (slow server, rate): ask again in a moment, unless a reconnect
      // or a move comes first (its enter() asks anyway).
      window.setTimeout(() => {
        if (epoch === this.epoch && !this.syncing) void this.sync();
      }, RETRY_MS);
      return;
    }
    const board = ack.board;
    if (board.snapshot) this.model.loadSnapshot(board.snapshot.seq, board.snapshot.elements);
    for (const op of [...board.ops].sort((a, b) => a.seq - b.seq)) {
      const seq = this.model.seq ?? 0;
      if (op.seq <= seq) continue;
      if (op.seq !== seq + 1) break;
      this.model.apply(op);
    }
    if (this.model.seq === null) this.model.seq = board.seq;
    this.ready = true;
    this.listener.settings(board.settings);
    this.listener.changed();
    this.drain();
  }

  private drain(): void {
    const held = this.buffer;
    this.buffer = [];
    const rest = drainInOrder(held, () => this.syncing || !this.ready, (e) => this.take(e));
    this.buffer.push(...rest);
  }
}
