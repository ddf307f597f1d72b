/**
 * A foreign key followed with a join, 100 rows, each article holding its reporter.
 *
 * ```ts
 * await Article.objects.selectRelated('reporter').filter({ published: true }).orderBy('-pubDate').slice(0, 100);
 * (await db.drizzle.select().from(articles).innerJoin(reporters, eq(articles.reporterId, reporters.id))
 *   .where(eq(articles.published, true)).orderBy(desc(articles.pubDate)).limit(100))
 *   .map((row) => ({ ...row.bench_article, reporter: row.bench_reporter }));
 * ```
 */
import { desc, eq } from 'drizzle-orm';
import { definePaired } from '../harness.js';
import { Article, articles, reporters, resetData } from '../fixtures.js';
import { sameIds } from '../checks.js';

export default definePaired({
  name: 'select-related',
  title: 'selectRelated join 100 rows',
  batch: 5,
  async setup(ctx) {
    await resetData(ctx.db);
  },
  djazzle: async () => await Article.objects.selectRelated('reporter').filter({ published: true }).orderBy('-pubDate').slice(0, 100),
  async drizzle(ctx) {
    const rows = await ctx.db.drizzle
      .select()
      .from(articles)
      .innerJoin(reporters, eq(articles.reporterId, reporters.id))
      .where(eq(articles.published, true))
      .orderBy(desc(articles.pubDate))
      .limit(100);
    return rows.map((row) => ({ ...row.bench_article, reporter: row.bench_reporter }));
  },
  check(dj, dz) {
    sameIds(dj, dz, 100);
    sameIds(
      dj.map((a) => a.reporter!),
      dz.map((a) => a.reporter),
    );
  },
});
