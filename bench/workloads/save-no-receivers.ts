/**
 * `save()` of a new instance while nobody listens for `preInit`, `postInit`, `preSave` or
 * `postSave` (asserted before and after), against the same INSERT in raw Drizzle. The promise:
 * the signal machinery costs (almost) nothing when nobody listens — target ratio ≤ 1.02.
 *
 * ```ts
 * await new Article({ headline, pubDate, reporterId }).save();
 * await db.drizzle.insert(articles).values({ headline, pubDate, reporterId }).returning();
 * ```
 * The ratio measures everything `save()` does on top of Drizzle (the instance, coercion, the
 * signal checks, the session lookup). Two info rows follow: the same pairs without the harness's
 * forced full collection every 10 pairs (`gcEvery: 0`; `save()` is more sensitive than the bare
 * INSERT to the heap state those collections leave, see bench/README.md), and the signal checks
 * one save makes when nobody listens alone (`preInit`/`postInit.hasListeners` in the
 * constructor, `hasDurableListeners` and `preSave`/`postSave.hasListeners` in `save()`), timed
 * in a tight loop, as a share of the median `save()`.
 */
import { postInit, postSave, preInit, preSave, type Signal } from 'djazzle/signals';
import { type BenchContext, collectGarbage, defineCustom, definePaired, formatMs, median, medianInterval, type PairedWorkload, type ResultRow, runPaired } from '../harness.js';
import { Article, articles, resetData } from '../fixtures.js';

let reporterId = 0;
const values = (i: number) => ({ headline: `Saved ${i}`, pubDate: new Date(Date.UTC(2025, 0, 1) + i * 1000), reporterId });

const SIGNALS: ReadonlyArray<[string, Pick<Signal, 'hasListeners'>]> = [
  ['preInit', preInit],
  ['postInit', postInit],
  ['preSave', preSave],
  ['postSave', postSave],
];

function assertNoReceivers(): void {
  const connected = SIGNALS.filter(([, signal]) => signal.hasListeners()).map(([name]) => name);
  if (connected.length > 0) throw new Error(`receivers are connected to ${connected.join(', ')}: this workload needs none`);
}

const paired = definePaired({
  name: 'save-no-receivers',
  title: 'save(), no signal receivers',
  targetRatio: 1.02,
  batch: 10,
  pairs: { quick: 12, full: 300 },
  warmup: { quick: 4, full: 30 },
  precision: 0.005,
  async setup(ctx) {
    reporterId = (await resetData(ctx.db)).reporterIds[0]!;
  },
  async djazzle(_ctx, i) {
    const a = new Article(values(i));
    await a.save();
    return a;
  },
  async drizzle(ctx, i) {
    const [row] = await ctx.db.drizzle.insert(articles).values(values(i)).returning();
    return row!;
  },
  check(dj, dz) {
    if (typeof dj.id !== 'number' || dj.id === dz.id) throw new Error(`ids ${dj.id} / ${dz.id}`);
    if (dj.headline.slice(0, 6) !== dz.headline.slice(0, 6) || dj.views !== dz.views || dj.published !== dz.published) throw new Error('different rows');
  },
}) as PairedWorkload;

/** ns per save spent in the signal checks when nobody listens: the same calls, 1e6 times, minus an empty loop. */
function signalCheckCost(): { ns: number; lo: number; hi: number } {
  const model = Article as unknown as object;
  const N = 1_000_000;
  const perRun: number[] = [];
  let sink = 0;
  for (let run = 0; run < 15; run++) {
    collectGarbage();
    let t = performance.now();
    for (let i = 0; i < N; i++) {
      // the constructor
      if (preInit.hasListeners(model)) sink++;
      if (postInit.hasListeners(model)) sink++;
      // saveInstance()
      if (postSave.hasDurableListeners(model) || preSave.hasDurableListeners(model)) sink++;
      if (preSave.hasListeners(model)) sink++;
      if (postSave.hasListeners(model)) sink++;
    }
    const checks = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < N; i++) if ((i & 0xffffff) === 0xffffff) sink++;
    const empty = performance.now() - t;
    if (run >= 3) perRun.push(((checks - empty) / N) * 1e6);
  }
  if (sink !== 0) throw new Error('a signal has receivers');
  const [lo, hi] = medianInterval(perRun);
  return { ns: Math.max(0, median(perRun)), lo, hi };
}

/** The same pairs without forced full collections between them: how much of the gap the bench's collections make. */
const pairedNoGc = { ...paired, name: 'save-no-receivers-nogc', title: 'save(), no signal receivers, no forced GC', gcEvery: 0, info: true } as PairedWorkload;

export default defineCustom({
  name: 'save-no-receivers',
  title: paired.title,
  inner: [paired, pairedNoGc],
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    assertNoReceivers();
    const row = await runPaired(ctx, paired);
    assertNoReceivers();
    const noGc = await runPaired(ctx, pairedNoGc);
    assertNoReceivers();
    ctx.progress('signal checks alone');
    const cost = signalCheckCost();
    const saveMs = row.medians!.djazzle;
    const share = (cost.ns * 1e-6) / saveMs;
    const notes = [...(row.notes ?? [])];
    if (row.pass === false) {
      notes.push(`the signal checks take ${cost.ns.toFixed(0)} ns per save (${(share * 100).toFixed(3)} % of it, row "signal checks alone"): the gap is elsewhere in save()`);
    }
    return [
      { ...row, notes },
      noGc,
      {
        title: 'save(): signal checks alone (no receivers)',
        djazzle: `${cost.ns.toFixed(0)} ns / save`,
        drizzle: '-',
        ratio: `${(share * 100).toFixed(3)} % of save()`,
        pairs: `12 runs of 1e6 [${cost.lo.toFixed(0)}–${cost.hi.toFixed(0)} ns]`,
        statements: '0 / -',
        target: 'info',
        pass: null,
      },
    ];
  },
});
