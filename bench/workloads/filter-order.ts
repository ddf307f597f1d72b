/**
 * Filter, order and take 100 rows.
 *
 * ```ts
 * await Article.objects.filter({ published: true }).orderBy('-pubDate').slice(0, 100);
 * await db.drizzle.select().from(articles).where(eq(articles.published, true))
 *   .orderBy(desc(articles.pubDate)).limit(100);
 * ```
 */
import { desc, eq } from 'drizzle-orm';
import { definePaired } from '../harness.js';
import { Article, articles, resetData } from '../fixtures.js';
import { sameIds } from '../checks.js';

export default definePaired({
  name: 'filter-order',
  title: 'filter + order 100 rows',
  batch: 5,
  async setup(ctx) {
    await resetData(ctx.db);
  },
  djazzle: async () => await Article.objects.filter({ published: true }).orderBy('-pubDate').slice(0, 100),
  drizzle: (ctx) => ctx.db.drizzle.select().from(articles).where(eq(articles.published, true)).orderBy(desc(articles.pubDate)).limit(100),
  check: (dj, dz) => sameIds(dj, dz, 100),
});
