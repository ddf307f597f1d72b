/**
 * Memory of many short sessions: 10,000 sessions one after another (2,000 with `--quick`), each
 * loading one article, changing it and committing, must leave the JS heap flat (target: < 5 MB
 * growth after a full collection); and the "long-lived isolate" variant, the same 10,000
 * sessions with 20 in flight at a time (a server handling concurrent requests), too.
 *
 * ```ts
 * await db.session(async (session) => {
 *   const a = await Article.objects.get({ pk });
 *   a.views += 1;
 *   await session.commit();
 * });
 * // by hand, for contrast (heap and time per session):
 * const [row] = await db.drizzle.select().from(articles).where(eq(articles.id, pk));
 * await db.drizzle.transaction((tx) => tx.update(articles).set({ views: row.views + 1 }).where(eq(articles.id, pk)));
 * ```
 * Heap: `process.memoryUsage().heapUsed` after `global.gc()`, before the run (after a warm-up of
 * 500 sessions: JIT, statement caches) and every 1,000 sessions; growth is the level at the end
 * minus the level before (the peak, and the slope of the samples in bytes per session, are
 * printed too). Times per session come from the same runs
 * (which include those few collections) and are info.
 */
import { eq } from 'drizzle-orm';
import { captureQueries } from 'djazzle/testing';
import { type BenchContext, collectGarbage, defineCustom, formatMb, formatMs, type ResultRow } from '../harness.js';
import { Article, articles, resetData } from '../fixtures.js';

const TARGET_BYTES = 5 * 1024 * 1024;
const WARMUP = 500;
const SAMPLE_EVERY = 1000;

type One = (pk: number) => Promise<void>;

function djazzleSession(ctx: BenchContext): One {
  return (pk) =>
    ctx.db.session(async (session) => {
      const a = await Article.objects.get({ pk });
      a.views += 1;
      await session.commit();
    });
}

function drizzleSession(ctx: BenchContext): One {
  return async (pk) => {
    const [row] = await ctx.db.drizzle.select().from(articles).where(eq(articles.id, pk));
    await ctx.db.drizzle.transaction(async (tx) => {
      await tx.update(articles).set({ views: row!.views + 1 }).where(eq(articles.id, pk));
    });
  };
}

interface Measured {
  growth: number;
  peak: number;
  /** Least-squares slope of the heap samples: bytes kept per session (≈ 0 when flat). */
  perSession: number;
  msPerSession: number;
}

function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/** Runs `total` sessions, `concurrency` at a time, sampling the heap (after a collection) every 1,000. */
async function measure(ctx: BenchContext, label: string, one: One, pks: readonly number[], total: number, concurrency: number): Promise<Measured> {
  // warm-up, then the baseline
  for (let i = 0; i < WARMUP; i++) await one(pks[i % pks.length]!);
  collectGarbage();
  collectGarbage();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  const samples: Array<[number, number]> = [[0, 0]];
  let done = 0;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await one(pks[i % pks.length]!);
      done++;
      if (done % SAMPLE_EVERY === 0) {
        collectGarbage();
        const level = process.memoryUsage().heapUsed - base;
        samples.push([done, level]);
        peak = Math.max(peak, level);
        ctx.progress(`${label}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} sessions, heap +${formatMb(peak)} (peak)`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - start;
  collectGarbage();
  collectGarbage();
  const growth = process.memoryUsage().heapUsed - base;
  samples.push([total, growth]);
  return { growth, peak: Math.max(peak, growth), perSession: slope(samples), msPerSession: ms / total };
}

const describe = (m: Measured) => `${m.growth >= 0 ? '+' : ''}${formatMb(m.growth)} (peak +${formatMb(m.peak)}, ${m.perSession.toFixed(0)} B/session)`;

export default defineCustom({
  name: 'session-memory',
  title: 'sessions: heap growth',
  async run(ctx): Promise<ResultRow[]> {
    const total = ctx.quick ? 2_000 : 10_000;
    const gc = collectGarbage();
    if (!gc) ctx.log('  (no global.gc: run through `npm run bench`, which adds --expose-gc; heap numbers include garbage)');
    ctx.progress('setup');
    const { articleIds } = await resetData(ctx.db);
    const pks = articleIds.slice(0, 1000);
    const statements = {
      djazzle: (await captureQueries(() => djazzleSession(ctx)(pks[0]!))).queries.length,
      drizzle: (await captureQueries(() => drizzleSession(ctx)(pks[0]!))).queries.length,
    };
    const stmts = `${statements.djazzle} / ${statements.drizzle}`;
    const rows: ResultRow[] = [];
    for (const concurrency of [1, 20]) {
      const dj = await measure(ctx, `djazzle, concurrency ${concurrency}`, djazzleSession(ctx), pks, total, concurrency);
      const dz = await measure(ctx, `drizzle, concurrency ${concurrency}`, drizzleSession(ctx), pks, total, concurrency);
      const notes: string[] = [];
      if (!gc) notes.push('no global.gc: heap not measured reliably');
      if (dj.growth >= TARGET_BYTES) notes.push(`heap grew ${formatMb(dj.growth)} over ${total.toLocaleString('en')} sessions (≥ 5 MB; peak +${formatMb(dj.peak)})`);
      rows.push({
        title: `${total.toLocaleString('en')} sessions, ${concurrency === 1 ? 'one after another' : `concurrency ${concurrency}`}: heap growth`,
        djazzle: describe(dj),
        drizzle: describe(dz),
        ratio: '-',
        statements: stmts,
        target: '< 5 MB',
        pairs: '1 run each',
        pass: gc ? dj.growth < TARGET_BYTES : false,
        notes,
      });
      rows.push({
        title: `${total.toLocaleString('en')} sessions, ${concurrency === 1 ? 'one after another' : `concurrency ${concurrency}`}: time per session`,
        djazzle: formatMs(dj.msPerSession),
        drizzle: formatMs(dz.msPerSession),
        ratio: (dj.msPerSession / dz.msPerSession).toFixed(2),
        statements: stmts,
        target: 'info',
        pairs: '1 run each',
        pass: null,
      });
    }
    return rows;
  },
});
