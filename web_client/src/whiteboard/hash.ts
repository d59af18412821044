// The board's state hash, the same as the server's `board_hash()` (whiteboard-spec.md):
// sha-256 hex of the canonical JSON of the live elements sorted by id, each reduced to
// {id, kind, x, y, w, h, points, color, fill, width, text}, every number replaced by the
// integer round(v * 100) (Python's rounding: ties to even), keys sorted, no spaces, non-ASCII
// as is. Browsers and the server compare boards with it (`data-board-hash`).

import type { BoardElement } from '../protocol';

/** Python's round(v * 100): to the nearest integer, an exact half to the even one. */
export function centi(v: number): number {
  const x = v * 100;
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest === 0.5) return floor % 2 === 0 ? floor : floor + 1;
  const r = Math.round(x);
  return r === 0 ? 0 : r; // never -0 (JSON writes both as 0 anyway)
}

/** The canonical JSON text of the live elements (keys in sorted order, as Python's sort_keys). */
export function canonicalBoard(elements: Iterable<BoardElement>): string {
  const live = [...elements].filter((e) => !e.deleted).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows = live.map((e) => ({
    color: e.color,
    fill: e.fill ?? null,
    h: centi(e.h),
    id: e.id,
    kind: e.kind,
    points: e.points.map((p) => p.map(centi)),
    text: e.text,
    w: centi(e.w),
    width: centi(e.width),
    x: centi(e.x),
    y: centi(e.y),
  }));
  return JSON.stringify(rows);
}

/** sha-256 hex of the canonical board; null where the browser has no Web Crypto (an
 * insecure page), since the hash only serves comparisons. */
export async function boardHash(elements: Iterable<BoardElement>): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(canonicalBoard(elements)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
