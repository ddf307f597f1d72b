/**
 * A unit of work of 100 mixed changes, flushed by `session.commit()`, against the same writes
 * written by hand in one Drizzle transaction:
 *
 * - 40 inserts: 10 new reporters, 20 new articles pointing at those new reporters, 10 new
 *   articles pointing at existing reporters;
 * - 40 updates of loaded articles, one column each (`views`);
 * - 20 deletes of loaded articles (each has a publication link, which cascades; nobody listens
 *   for delete signals, so the cascade is a query).
 *
 * ```ts
 * await db.session(async (session) => {
 *   const loaded = await Article.objects.filter({ id__in: ids }).orderBy('id');   // 60 rows
 *   for (const a of loaded.slice(0, 40)) a.views += 1;
 *   for (const a of loaded.slice(40)) session.delete(a);
 *   const r = new Reporter({ … }); session.add(r); session.add(new Article({ …, reporter: r }));
 *   await session.commit();
 * });
 * const loaded = await db.drizzle.select().from(articles).where(inArray(articles.id, ids)).orderBy(asc(articles.id));
 * await db.drizzle.transaction(async (tx) => {
 *   const rs = await tx.insert(reporters).values(newReporters).returning();
 *   await tx.insert(articles).values(newArticles.map(withReporterIdFrom(rs))).returning();
 *   for (const a of toUpdate) await tx.update(articles).set({ views: a.views + 1 }).where(eq(articles.id, a.id));
 *   await tx.delete(articlePublications).where(inArray(articlePublications.articleId, toDelete));
 *   await tx.delete(articles).where(inArray(articles.id, toDelete));
 * });
 * ```
 * Both sides load the 60 rows they change (one SELECT) inside the timed section: the session has to
 * see them to track them. Everything else is prepared before every sample, untimed: the 60 rows
 * (fresh, with their links), the values of the new rows, and the clean-up of the previous sample.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import { definePaired } from '../harness.js';
import { Article, articlePublications, articles, articleValues, Reporter, reporters, resetData } from '../fixtures.js';

const HOST = 'FlushHost';
const NEW = 'FlushNew';
const HOSTS = 10;
const NEW_REPORTERS = 10;
const CHILDREN_OF_NEW = 20;
const CHILDREN_OF_EXISTING = 10;
const UPDATES = 40;
const DELETES = 20;

interface Plan {
  /** The 60 rows loaded: the first 40 are updated, the last 20 deleted. */
  readonly ids: number[];
  readonly newReporters: Array<typeof reporters.$inferInsert>;
  /** New articles: `parent` indexes `newReporters`, or `reporterId` is an existing reporter. */
  readonly newArticles: Array<{ values: Omit<typeof articles.$inferInsert, 'reporterId'>; parent?: number; reporterId?: number }>;
}

let hostIds: number[] = [];
let publicationId = 0;
let plan: Plan | undefined;
let sample = 0;

interface Outcome {
  inserted: number;
  childrenOfNew: number;
  updated: number;
  deleted: number;
}

export default definePaired<Outcome, Outcome>({
  name: 'session-flush',
  title: 'session flush, 100 mixed changes',
  targetRatio: 1.15,
  pairs: { quick: 10, full: 80 },
  warmup: { quick: 3, full: 10 },
  async setup(ctx) {
    const seeded = await resetData(ctx.db);
    publicationId = seeded.publicationIds[0]!;
    hostIds = (
      await ctx.db.drizzle
        .insert(reporters)
        .values(Array.from({ length: HOSTS }, (_, i) => ({ firstName: `Host${i}`, lastName: HOST })))
        .returning({ id: reporters.id })
    ).map((r) => r.id);
  },
  async beforeEach(ctx) {
    // clean up the previous sample (raw Drizzle, untimed): everything of the host and new reporters
    const db = ctx.db.drizzle;
    const newIds = (await db.select({ id: reporters.id }).from(reporters).where(eq(reporters.lastName, NEW))).map((r) => r.id);
    const owners = [...hostIds, ...newIds];
    await db.delete(articlePublications).where(inArray(articlePublications.articleId, db.select({ id: articles.id }).from(articles).where(inArray(articles.reporterId, owners))));
    await db.delete(articles).where(inArray(articles.reporterId, owners));
    if (newIds.length > 0) await db.delete(reporters).where(inArray(reporters.id, newIds));
    // 60 fresh rows to load, each with a publication link
    const fresh = Array.from({ length: UPDATES + DELETES }, (_, i) => articleValues(i + 1, hostIds[i % HOSTS]!));
    const ids = (await db.insert(articles).values(fresh).returning({ id: articles.id })).map((r) => r.id).sort((a, b) => a - b);
    await db.insert(articlePublications).values(ids.map((articleId) => ({ articleId, publicationId })));
    const n = sample++;
    plan = {
      ids,
      newReporters: Array.from({ length: NEW_REPORTERS }, (_, i) => ({ firstName: `New${n}-${i}`, lastName: NEW, email: `new${n}-${i}@example.com` })),
      newArticles: [
        ...Array.from({ length: CHILDREN_OF_NEW }, (_, i) => ({
          values: { headline: `Flushed ${n}-${i}`, pubDate: new Date(Date.UTC(2025, 0, 1) + i * 1000), published: true, views: 0 },
          parent: i % NEW_REPORTERS,
        })),
        ...Array.from({ length: CHILDREN_OF_EXISTING }, (_, i) => ({
          values: { headline: `Flushed ${n}-x${i}`, pubDate: new Date(Date.UTC(2025, 0, 2) + i * 1000), published: true, views: 0 },
          reporterId: hostIds[i % HOSTS]!,
        })),
      ],
    };
  },
  djazzle: (ctx) =>
    ctx.db.session(async (session) => {
      const p = plan!;
      const loaded = await Article.objects.filter({ id__in: p.ids }).orderBy('id');
      for (let k = 0; k < UPDATES; k++) loaded[k]!.views += 1;
      for (let k = UPDATES; k < UPDATES + DELETES; k++) session.delete(loaded[k]!);
      const newReporters = p.newReporters.map((values) => new Reporter(values));
      for (const r of newReporters) session.add(r);
      const newArticles = p.newArticles.map((a) => new Article(a.parent !== undefined ? { ...a.values, reporter: newReporters[a.parent]! } : { ...a.values, reporterId: a.reporterId! }));
      for (const a of newArticles) session.add(a);
      await session.commit();
      return {
        inserted: [...newReporters, ...newArticles].filter((o) => typeof o.id === 'number').length,
        childrenOfNew: newArticles.filter((a) => newReporters.some((r) => r.id === a.reporterId)).length,
        updated: loaded.slice(0, UPDATES).filter((a) => !session.isModified(a)).length,
        deleted: loaded.slice(UPDATES).filter((a) => a.id === null).length,
      };
    }),
  async drizzle(ctx) {
    const p = plan!;
    const db = ctx.db.drizzle;
    const loaded = await db.select().from(articles).where(inArray(articles.id, p.ids)).orderBy(asc(articles.id));
    const toDelete = loaded.slice(UPDATES).map((a) => a.id);
    return db.transaction(async (tx) => {
      const newReporters = await tx.insert(reporters).values(p.newReporters).returning();
      const newArticles = await tx
        .insert(articles)
        .values(p.newArticles.map((a) => ({ ...a.values, reporterId: a.parent !== undefined ? newReporters[a.parent]!.id : a.reporterId! })))
        .returning();
      let updated = 0;
      for (let k = 0; k < UPDATES; k++) {
        const a = loaded[k]!;
        await tx.update(articles).set({ views: a.views + 1 }).where(eq(articles.id, a.id));
        updated++;
      }
      await tx.delete(articlePublications).where(inArray(articlePublications.articleId, toDelete));
      await tx.delete(articles).where(inArray(articles.id, toDelete));
      const parents = new Set(newReporters.map((r) => r.id));
      return {
        inserted: newReporters.length + newArticles.length,
        childrenOfNew: newArticles.filter((a) => parents.has(a.reporterId)).length,
        updated,
        deleted: toDelete.length,
      };
    });
  },
  check(dj, dz) {
    const expected: Outcome = { inserted: NEW_REPORTERS + CHILDREN_OF_NEW + CHILDREN_OF_EXISTING, childrenOfNew: CHILDREN_OF_NEW, updated: UPDATES, deleted: DELETES };
    for (const key of Object.keys(expected) as Array<keyof Outcome>) {
      if (dj[key] !== expected[key] || dz[key] !== expected[key]) throw new Error(`${key}: djazzle ${dj[key]}, Drizzle ${dz[key]}, expected ${expected[key]}`);
    }
  },
});
