// Numbered events held back (before a snapshot, or while a gap is being filled) are
// applied in order once they may be; whatever comes while applying is blocked again
// stays held.

/** Apply `held` in `seq` order while `blocked()` is false; returns what is still held. */
export function drainInOrder<T extends { seq: number }>(
  held: T[],
  blocked: () => boolean,
  apply: (item: T) => void,
): T[] {
  const pending = [...held].sort((a, b) => a.seq - b.seq);
  for (let i = 0; i < pending.length; i++) {
    if (blocked()) return pending.slice(i);
    apply(pending[i]);
  }
  return [];
}
