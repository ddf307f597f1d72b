/**
 * An UPDATE computed in the database (50 rows, one reporter's articles).
 *
 * ```ts
 * await Article.objects.filter({ reporterId }).update({ views: F('views').add(1) });
 * await db.drizzle.update(articles).set({ views: sql`${articles.views} + 1` }).where(eq(articles.reporterId, reporterId));
 * ```
 */
import { eq, sql } from 'drizzle-orm';
import { F } from 'djazzle';
import { definePaired } from '../harness.js';
import { Article, articles, DEFAULT_SIZES, resetData } from '../fixtures.js';

let reporterIds: number[] = [];
const reporterAt = (i: number) => reporterIds[i % reporterIds.length]!;

export default definePaired({
  name: 'update-f',
  title: 'update with F (50 rows)',
  batch: 10,
  async setup(ctx) {
    reporterIds = (await resetData(ctx.db)).reporterIds;
  },
  djazzle: (_ctx, i) => Article.objects.filter({ reporterId: reporterAt(i) }).update({ views: F('views').add(1) }),
  drizzle: (ctx, i) =>
    ctx.db.drizzle
      .update(articles)
      .set({ views: sql`${articles.views} + 1` })
      .where(eq(articles.reporterId, reporterAt(i))),
  check(dj, dz) {
    const affected = (dz as unknown as { affectedRows?: number; rowCount?: number }).affectedRows ?? (dz as unknown as { rowCount?: number }).rowCount;
    if (dj !== DEFAULT_SIZES.articlesPerReporter || affected !== DEFAULT_SIZES.articlesPerReporter) throw new Error(`updated ${dj} / ${String(affected)} rows`);
  },
});
