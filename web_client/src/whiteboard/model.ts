// The board as this client knows it: the server's elements (tombstones included, as the
// server sends them) plus this person's own changes still on their way (optimistic: drawn
// at once, replaced by the server's echo).

import type { AppliedOp, BoardElement } from '../protocol';

interface Pending {
  /** What the change makes of each element it touches, shown until the server answers. */
  elements: BoardElement[];
  /** The seq the server gave it (ack), once known: by then the echo is due or applied. */
  seq: number | null;
}

export class BoardModel {
  /** The server's state of every element heard of, by id. */
  readonly elements = new Map<string, BoardElement>();
  /** Own changes not yet echoed, by client_op_id, in the order they were made. */
  private readonly pending = new Map<string, Pending>();
  /** The last seq applied (null: nothing heard yet). */
  seq: number | null = null;

  /** A new room (or a forgotten board): start from nothing. */
  reset(): void {
    this.elements.clear();
    this.pending.clear();
    this.seq = null;
  }

  /** Replace the board with a full snapshot from the server. */
  loadSnapshot(seq: number, elements: BoardElement[]): void {
    this.elements.clear();
    for (const el of elements) this.elements.set(el.id, el);
    this.seq = seq;
    this.settle();
  }

  /** One applied op, in seq order (the caller checks the order). */
  apply(op: AppliedOp): void {
    for (const el of op.elements) {
      const known = this.elements.get(el.id);
      if (!known || el.version >= known.version) this.elements.set(el.id, el);
    }
    if (op.client_op_id !== null) this.pending.delete(op.client_op_id);
    this.seq = op.seq;
    this.settle();
  }

  /** Drop own changes the board has already caught up with (their echo came, or a snapshot
   * or sync after them replaced it). */
  private settle(): void {
    const seq = this.seq ?? -1;
    for (const [id, p] of this.pending) if (p.seq !== null && p.seq <= seq) this.pending.delete(id);
  }

  addPending(clientOpId: string, elements: BoardElement[]): void {
    this.pending.set(clientOpId, { elements, seq: null });
  }

  /** The server accepted the change as `seq`. */
  acked(clientOpId: string, seq: number): void {
    const p = this.pending.get(clientOpId);
    if (!p) return;
    p.seq = seq;
    this.settle();
  }

  /** The server refused the change: show the board as it is. */
  refused(clientOpId: string): void {
    this.pending.delete(clientOpId);
  }

  /** What to draw: the server's live elements with own pending changes over them. */
  visible(): BoardElement[] {
    const shown = new Map(this.elements);
    for (const p of this.pending.values()) for (const el of p.elements) shown.set(el.id, el);
    return [...shown.values()].filter((el) => !el.deleted);
  }

  /** The element as shown now (pending change included), if it is on the board. */
  get(id: string): BoardElement | undefined {
    let found = this.elements.get(id);
    for (const p of this.pending.values()) for (const el of p.elements) if (el.id === id) found = el;
    return found && !found.deleted ? found : undefined;
  }

  /** The server's live elements, for the hash. */
  live(): BoardElement[] {
    return [...this.elements.values()].filter((el) => !el.deleted);
  }
}
