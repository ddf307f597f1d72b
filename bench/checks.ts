/** Sanity checks shared by workloads: both sides must have produced the same rows. */

/** Same ids in the same order (and `expected` of them when given). */
export function sameIds(dj: ReadonlyArray<{ id: unknown }>, dz: ReadonlyArray<{ id: unknown }>, expected?: number): void {
  if (expected !== undefined && dj.length !== expected) throw new Error(`djazzle returned ${dj.length} rows, expected ${expected}`);
  if (dj.length !== dz.length) throw new Error(`djazzle returned ${dj.length} rows, Drizzle ${dz.length}`);
  dj.forEach((row, i) => {
    if (row.id !== dz[i]!.id) throw new Error(`row ${i}: djazzle id ${String(row.id)}, Drizzle id ${String(dz[i]!.id)}`);
  });
}

/** Same ids regardless of order. */
export function sameIdSet(dj: Iterable<unknown>, dz: Iterable<unknown>, what = 'ids'): void {
  const a = [...dj].map(String).sort();
  const b = [...dz].map(String).sort();
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`${what} differ: djazzle ${a.length}, Drizzle ${b.length}`);
}
