/**
 * Runs one side of one paired workload in a loop, for profiling:
 *
 * ```sh
 * node --cpu-prof --cpu-prof-dir=/tmp/djazzle-prof --import tsx bench/profile.ts prefetch-related djazzle 200
 * ```
 * Arguments: workload name (a paired workload, or one a custom workload runs: `save-no-receivers`,
 * `session-get`, `signal-send-10`, …), side (`djazzle` | `drizzle`), calls (default 200). Prints the
 * mean time per operation; the profile (`.cpuprofile`) opens in Chrome DevTools or speedscope.
 */
import { testDatabase } from 'djazzle/testing';
import { MODELS } from './fixtures.js';
import type { BenchContext, PairedWorkload, Side } from './harness.js';
import { workloads } from './workloads/index.js';

const [name, side = 'djazzle', count = '200'] = process.argv.slice(2);
// paired workloads, and the paired workloads custom ones run inside (`inner`), with what wraps them
const candidates = workloads.flatMap((w) =>
  w.kind === 'paired' ? [{ w, around: undefined }] : (w.inner ?? []).map((inner) => ({ w: inner, around: w.around?.bind(w) })),
);
const found = candidates.find((c) => c.w.name === name);
if (!found || (side !== 'djazzle' && side !== 'drizzle')) {
  console.error(`usage: bench/profile.ts <${candidates.map((c) => c.w.name).join('|')}> <djazzle|drizzle> [operations]`);
  process.exit(2);
}
const w: PairedWorkload = found.w;
const db = await testDatabase({ models: [...MODELS] });
const ctx: BenchContext = { db, quick: true, showSql: false, progress: () => undefined, log: (m) => console.error(m) };
const around = found.around ?? (<T>(_ctx: BenchContext, fn: () => Promise<T>) => fn());
await around(ctx, async () => {
  await w.setup(ctx);
  const n = Number(count);
  const fn = (side as Side) === 'djazzle' ? w.djazzle : w.drizzle;
  const ops = w.opsPerCall ?? 1; // one call here: `batch` is the harness's loop
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (w.beforeEach) await w.beforeEach(ctx, side as Side, i);
    const start = performance.now();
    await fn.call(w, ctx, i);
    total += performance.now() - start;
  }
  console.log(`${w.name} ${side}: ${(total / n / ops).toFixed(4)} ms per operation over ${n * ops}`);
  if (w.teardown) await w.teardown(ctx);
});
await db.close();
