/**
 * Runs one side of one paired workload in a loop, for profiling:
 *
 * ```sh
 * node --cpu-prof --cpu-prof-dir=/tmp/djazzle-prof --import tsx bench/profile.ts prefetch-related djazzle 200
 * ```
 * Arguments: workload name, side (`djazzle` | `drizzle`), operations (default 200). Prints the
 * mean time per operation; the profile (`.cpuprofile`) opens in Chrome DevTools or speedscope.
 */
import { testDatabase } from 'djazzle/testing';
import { MODELS } from './fixtures.js';
import type { BenchContext, PairedWorkload, Side } from './harness.js';
import { workloads } from './workloads/index.js';

const [name, side = 'djazzle', count = '200'] = process.argv.slice(2);
const workload = workloads.find((w) => w.name === name);
if (!workload || workload.kind !== 'paired' || (side !== 'djazzle' && side !== 'drizzle')) {
  console.error(`usage: bench/profile.ts <${workloads.filter((w) => w.kind === 'paired').map((w) => w.name).join('|')}> <djazzle|drizzle> [operations]`);
  process.exit(2);
}
const w = workload as PairedWorkload;
const db = await testDatabase({ models: [...MODELS] });
const ctx: BenchContext = { db, quick: true, showSql: false, progress: () => undefined, log: (m) => console.error(m) };
await w.setup(ctx);
const n = Number(count);
const fn = (side as Side) === 'djazzle' ? w.djazzle : w.drizzle;
let total = 0;
for (let i = 0; i < n; i++) {
  if (w.beforeEach) await w.beforeEach(ctx, side as Side, i);
  const start = performance.now();
  await fn.call(w, ctx, i);
  total += performance.now() - start;
}
console.log(`${w.name} ${side}: ${(total / n).toFixed(3)} ms per operation over ${n}`);
await db.close();
