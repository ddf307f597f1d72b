/**
 * Batches of values for `IN (…)` lists. PostgreSQL's protocol counts bind parameters in 16 bits,
 * so a statement carries at most 65,535 of them; like Django's `bulk_batch_size`, djazzle splits
 * long id lists (deletes, cascades, prefetches) into several statements.
 */
export const IN_BATCH = 30_000;

export function batches<T>(values: readonly T[], size = IN_BATCH): T[][] {
  if (values.length <= size) return [values as T[]];
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
