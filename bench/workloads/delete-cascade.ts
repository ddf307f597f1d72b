/**
 * Delete 5 reporters; their 50 articles and the articles' 100 publication links go with them
 * (`onDelete: CASCADE`, emulated as Django does: the database has no ON DELETE CASCADE).
 *
 * ```ts
 * await Reporter.objects.filter({ lastName: 'Doomed' }).delete();
 * await db.drizzle.transaction(async (tx) => {   // by hand, children first
 *   await tx.delete(articlePublications).where(inArray(articlePublications.articleId, doomedArticleIds));
 *   await tx.delete(articles).where(inArray(articles.reporterId, doomedReporterIds));
 *   await tx.delete(reporters).where(eq(reporters.lastName, 'Doomed'));
 * });
 * ```
 * The rows are re-created before every sample, outside the timed section.
 */
import { eq, inArray } from 'drizzle-orm';
import { definePaired } from '../harness.js';
import { articlePublications, articles, insertReporterTree, Reporter, reporters, resetData } from '../fixtures.js';

const LAST_NAME = 'Doomed';
const REPORTERS = 5;
const ARTICLES_EACH = 10;
let publicationIds: number[] = [];

const affected = (result: unknown) => (result as { affectedRows?: number; rowCount?: number }).affectedRows ?? (result as { rowCount?: number }).rowCount ?? 0;

export default definePaired({
  name: 'delete-cascade',
  title: 'delete with cascade (155 rows)',
  pairs: { quick: 10, full: 80 },
  warmup: { quick: 3, full: 10 },
  async setup(ctx) {
    publicationIds = (await resetData(ctx.db)).publicationIds;
  },
  async beforeEach(ctx) {
    await insertReporterTree(ctx.db, { count: REPORTERS, articlesEach: ARTICLES_EACH, publicationIds, lastName: LAST_NAME });
  },
  djazzle: () => Reporter.objects.filter({ lastName: LAST_NAME }).delete(),
  drizzle: (ctx) =>
    ctx.db.drizzle.transaction(async (tx) => {
      const doomed = tx.select({ id: reporters.id }).from(reporters).where(eq(reporters.lastName, LAST_NAME));
      const doomedArticles = tx.select({ id: articles.id }).from(articles).where(inArray(articles.reporterId, doomed));
      const links = await tx.delete(articlePublications).where(inArray(articlePublications.articleId, doomedArticles));
      const arts = await tx.delete(articles).where(inArray(articles.reporterId, doomed));
      const reps = await tx.delete(reporters).where(eq(reporters.lastName, LAST_NAME));
      return affected(links) + affected(arts) + affected(reps);
    }),
  check(dj, dz) {
    const expected = REPORTERS + REPORTERS * ARTICLES_EACH * 3;
    if (dj[0] !== expected || dz !== expected) throw new Error(`deleted ${dj[0]} / ${dz} rows, expected ${expected}`);
  },
});
