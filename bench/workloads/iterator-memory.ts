/**
 * Memory: walking 200,000 rows with `iterator({ chunkSize: 1000 })` must not hold them
 * (target: < 20 MB of JS heap growth), unlike awaiting the whole QuerySet.
 *
 * ```ts
 * for await (const a of Article.objects.iterator({ chunkSize: 1000 })) { … }   // djazzle: a cursor
 * for (let last = 0; ; ) {                                                        // Drizzle: keyset chunks
 *   const rows = await db.drizzle.select().from(articles).where(gt(articles.id, last))
 *     .orderBy(asc(articles.id)).limit(1000);
 *   …; if (rows.length < 1000) break; last = rows.at(-1).id;
 * }
 * const all = await Article.objects.all();                                      // holds every row
 * ```
 * The heap is sampled after every chunk (`process.memoryUsage().heapUsed`, after `global.gc()`,
 * so what is measured is what stays reachable); growth is the peak minus the level before.
 * Times are measured in separate passes without the per-chunk collections.
 */
import { asc, gt } from 'drizzle-orm';
import { captureQueries } from 'djazzle/testing';
import { type BenchContext, collectGarbage, defineCustom, formatMb, formatMs, median, type ResultRow } from '../harness.js';
import { Article, articles, articleValues, insertBatches, resetData } from '../fixtures.js';

const CHUNK = 1000;
const TARGET_BYTES = 20 * 1024 * 1024;

type Consume = (row: { views: number }) => void;
type Walk = (consume: Consume, onChunk: () => void) => Promise<number>;

const djazzleWalk: Walk = async (consume, onChunk) => {
  let n = 0;
  for await (const article of Article.objects.iterator({ chunkSize: CHUNK })) {
    consume(article);
    if (++n % CHUNK === 0) onChunk();
  }
  onChunk();
  return n;
};

function drizzleWalk(ctx: BenchContext): Walk {
  return async (consume, onChunk) => {
    let n = 0;
    let last = 0;
    for (;;) {
      const rows = await ctx.db.drizzle.select().from(articles).where(gt(articles.id, last)).orderBy(asc(articles.id)).limit(CHUNK);
      for (const row of rows) consume(row);
      n += rows.length;
      onChunk();
      if (rows.length < CHUNK) break;
      last = rows[rows.length - 1]!.id;
    }
    return n;
  };
}

/** Peak heap growth (after a collection per chunk) and the statements sent. */
async function measureHeap(ctx: BenchContext, label: string, walk: Walk, total: number): Promise<{ peak: number; statements: number; rows: number }> {
  let sink = 0;
  collectGarbage();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let chunks = 0;
  const { result: rows, queries } = await captureQueries(() =>
    walk(
      (row) => {
        sink += row.views;
      },
      () => {
        collectGarbage();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        if (++chunks % 10 === 0) ctx.progress(`${label}: heap pass ${Math.min(chunks * CHUNK, total).toLocaleString('en')}/${total.toLocaleString('en')} rows, peak +${formatMb(peak)}`);
      },
    ),
  );
  if (sink < 0) throw new Error('unreachable');
  return { peak, statements: queries.length, rows };
}

async function timeWalk(walk: Walk): Promise<number> {
  let sink = 0;
  collectGarbage();
  const start = performance.now();
  await walk(
    (row) => {
      sink += row.views;
    },
    () => undefined,
  );
  if (sink < 0) throw new Error('unreachable');
  return performance.now() - start;
}

/** Heap held by a fully evaluated result, and the time to get it. */
async function measureAll(fetch: () => Promise<unknown[]>): Promise<{ held: number; ms: number; rows: number }> {
  collectGarbage();
  const base = process.memoryUsage().heapUsed;
  const start = performance.now();
  let rows: unknown[] | null = await fetch();
  const ms = performance.now() - start;
  collectGarbage();
  const held = process.memoryUsage().heapUsed - base;
  const count = rows.length;
  rows = null;
  collectGarbage();
  return { held, ms, rows: count };
}

export default defineCustom({
  name: 'iterator-memory',
  title: 'iterator memory',
  async run(ctx): Promise<ResultRow[]> {
    const total = ctx.quick ? 50_000 : 200_000;
    const k = `${total / 1000}k`;
    const gc = collectGarbage();
    if (!gc) ctx.log('  (no global.gc: run through `npm run bench`, which adds --expose-gc; heap numbers include garbage)');
    ctx.progress('setup');
    const { reporterIds } = await resetData(ctx.db, { reporters: 1, articlesPerReporter: 0, publications: 0, publicationsPerArticle: 0 });
    const rows = Array.from({ length: total }, (_, i) => articleValues(i + 1, reporterIds[0]!));
    await insertBatches(ctx.db, articles, rows, (done) => ctx.progress(`inserting rows with raw Drizzle ${done.toLocaleString('en')}/${total.toLocaleString('en')}`));
    rows.length = 0;
    await ctx.db.execute('ANALYZE bench_article');

    const walks = { djazzle: djazzleWalk, drizzle: drizzleWalk(ctx) };
    // Warm-up and checks: both walks see every row.
    ctx.progress('warm-up');
    const seen = { djazzle: 0, drizzle: 0 };
    seen.djazzle = await walks.djazzle(() => undefined, () => undefined);
    seen.drizzle = await walks.drizzle(() => undefined, () => undefined);
    const notes: string[] = [];
    if (seen.djazzle !== total || seen.drizzle !== total) notes.push(`rows seen: djazzle ${seen.djazzle}, Drizzle ${seen.drizzle}, expected ${total}`);

    const djHeap = await measureHeap(ctx, 'djazzle iterator', walks.djazzle, total);
    const dzHeap = await measureHeap(ctx, 'drizzle keyset', walks.drizzle, total);

    const runs = ctx.quick ? 2 : 5;
    const djTimes: number[] = [];
    const dzTimes: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      ctx.progress(`time pass ${i + 1}/${runs}`);
      const order = i % 2 === 0 ? (['djazzle', 'drizzle'] as const) : (['drizzle', 'djazzle'] as const);
      const t: Record<string, number> = {};
      for (const side of order) t[side] = await timeWalk(walks[side]);
      djTimes.push(t['djazzle']!);
      dzTimes.push(t['drizzle']!);
      ratios.push(t['djazzle']! / t['drizzle']!);
    }

    // Whole results, alternating sides; the first load of each is a warm-up (PGlite grows its memory).
    const fetchAll = {
      djazzle: async (): Promise<unknown[]> => await Article.objects.all(),
      drizzle: (): Promise<unknown[]> => ctx.db.drizzle.select().from(articles),
    };
    ctx.progress('await the whole result: warm-up');
    await measureAll(fetchAll.djazzle);
    await measureAll(fetchAll.drizzle);
    const all = { djazzle: [] as Array<{ held: number; ms: number; rows: number }>, drizzle: [] as Array<{ held: number; ms: number; rows: number }> };
    const allRatios: number[] = [];
    for (let i = 0; i < runs; i++) {
      ctx.progress(`await the whole result ${i + 1}/${runs}`);
      const order = i % 2 === 0 ? (['djazzle', 'drizzle'] as const) : (['drizzle', 'djazzle'] as const);
      for (const side of order) all[side].push(await measureAll(fetchAll[side]));
      allRatios.push(all.djazzle[i]!.ms / all.drizzle[i]!.ms);
    }
    const djAll = { held: median(all.djazzle.map((r) => r.held)), ms: median(all.djazzle.map((r) => r.ms)), rows: all.djazzle[0]!.rows };
    const dzAll = { held: median(all.drizzle.map((r) => r.held)), ms: median(all.drizzle.map((r) => r.ms)), rows: all.drizzle[0]!.rows };
    if (djAll.rows !== total || dzAll.rows !== total) notes.push(`whole result: djazzle ${djAll.rows} rows, Drizzle ${dzAll.rows}`);

    await resetData(ctx.db); // leave the tables small for whatever runs next
    const pass = djHeap.peak < TARGET_BYTES && notes.length === 0;
    if (djHeap.peak >= TARGET_BYTES) notes.push(`iterator heap growth ${formatMb(djHeap.peak)} ≥ 20 MB`);
    return [
      {
        title: `iterator(chunkSize 1000) ${k} rows: peak heap growth`,
        djazzle: `+${formatMb(djHeap.peak)}`,
        drizzle: `+${formatMb(dzHeap.peak)} (keyset)`,
        ratio: '-',
        statements: `${djHeap.statements} / ${dzHeap.statements}`,
        target: '< 20 MB',
        pairs: '1 run each',
        pass: gc ? pass : false,
        notes: gc ? notes : [...notes, 'no global.gc: heap not measured reliably'],
      },
      {
        title: `iterator(chunkSize 1000) ${k} rows: time`,
        djazzle: formatMs(median(djTimes)),
        drizzle: `${formatMs(median(dzTimes))} (keyset)`,
        ratio: median(ratios).toFixed(2),
        pairs: `${runs} runs`,
        statements: `${djHeap.statements} / ${dzHeap.statements}`,
        target: 'info',
        pass: null,
      },
      {
        title: `await whole QuerySet ${k} rows: heap held, time`,
        djazzle: `+${formatMb(djAll.held)}, ${formatMs(djAll.ms)}`,
        drizzle: `+${formatMb(dzAll.held)}, ${formatMs(dzAll.ms)}`,
        ratio: median(allRatios).toFixed(2),
        pairs: `${runs} runs`,
        statements: '1 / 1',
        target: 'info',
        pass: null,
      },
    ];
  },
});
