/**
 * `session.get(Model, pk)` on a warm identity map: inside one `db.session`, 5,000 articles are
 * loaded once; every `get` is then answered from the identity map, without a query (asserted:
 * 0 statements). The hand-written counterpart is a `Map` lookup by pk of the rows loaded with
 * Drizzle. An info row (no target): what the identity map costs per lookup.
 *
 * ```ts
 * await db.session(async (session) => {
 *   await Article.objects.all();                 // once: every article enters the identity map
 *   const a = await session.get(Article, pk);    // timed: no query
 * });
 * const byPk = new Map((await db.drizzle.select().from(articles)).map((r) => [r.id, r]));
 * const row = byPk.get(pk);                      // timed
 * ```
 * Each call does 1,000 lookups in a tight loop (`opsPerCall`), so one `await` of the harness does
 * not dominate; `session.get` itself is async, so each of its lookups is awaited.
 */
import type { Session } from 'djazzle';
import { asc } from 'drizzle-orm';
import { type BenchContext, defineCustom, definePaired, type PairedWorkload, runPaired } from '../harness.js';
import { Article, articles, resetData } from '../fixtures.js';

const OPS = 1000;
type ArticleRow = typeof articles.$inferSelect;

let pks: number[] = [];
let session: Session | undefined;
let byPk = new Map<number, ArticleRow>();

const paired = definePaired<Article | null, ArticleRow | undefined>({
  name: 'session-get',
  title: 'session.get, warm identity map (5,000 rows)',
  info: true,
  opsPerCall: OPS,
  statements: { djazzle: 0, drizzle: 0 },
  pairs: { quick: 12, full: 60 },
  async setup(ctx) {
    const loaded = await Article.objects.all(); // inside the session: every row enters its identity map
    pks = loaded.map((a) => a.id);
    const rows = await ctx.db.drizzle.select().from(articles).orderBy(asc(articles.id));
    byPk = new Map(rows.map((r) => [r.id, r]));
    if (session!.size !== pks.length || byPk.size !== pks.length) throw new Error(`identity map ${session!.size}, Map ${byPk.size}, rows ${pks.length}`);
  },
  async djazzle(_ctx, i) {
    const s = session!;
    const n = pks.length;
    let last: Article | null = null;
    for (let k = 0, p = (i * OPS) % n; k < OPS; k++, p = p + 1 === n ? 0 : p + 1) last = await s.get(Article, pks[p]!);
    return last;
  },
  async drizzle(_ctx, i) {
    const n = pks.length;
    let last: ArticleRow | undefined;
    for (let k = 0, p = (i * OPS) % n; k < OPS; k++, p = p + 1 === n ? 0 : p + 1) last = byPk.get(pks[p]!);
    return last;
  },
  check(dj, dz) {
    if (!dj || !dz || dj.id !== dz.id || dj.headline !== dz.headline) throw new Error(`got ${dj?.id} / ${dz?.id}`);
  },
}) as PairedWorkload;

/** Runs `fn` inside one session on fresh data: the identity map stays warm for the whole run. */
async function insideSession<T>(ctx: BenchContext, fn: () => Promise<T>): Promise<T> {
  ctx.progress('setup');
  await resetData(ctx.db);
  try {
    return await ctx.db.session(async (s) => {
      session = s;
      return fn();
    });
  } finally {
    session = undefined;
    byPk = new Map();
  }
}

export default defineCustom({
  name: 'session-get',
  title: paired.title,
  inner: [paired],
  around: insideSession,
  run: (ctx: BenchContext) => insideSession(ctx, () => runPaired(ctx, paired)),
});
