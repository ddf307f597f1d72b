/**
 * Insert one row and get it back with its generated id.
 *
 * ```ts
 * await Article.objects.create({ headline, pubDate, reporterId });
 * await db.drizzle.insert(articles).values({ headline, pubDate, reporterId }).returning();
 * ```
 */
import { definePaired } from '../harness.js';
import { Article, articles, resetData } from '../fixtures.js';

let reporterId = 0;
const values = (i: number) => ({ headline: `Created ${i}`, pubDate: new Date(Date.UTC(2025, 0, 1) + i * 1000), reporterId });

export default definePaired({
  name: 'create',
  title: 'create',
  batch: 10,
  async setup(ctx) {
    reporterId = (await resetData(ctx.db)).reporterIds[0]!;
  },
  djazzle: (_ctx, i) => Article.objects.create(values(i)),
  async drizzle(ctx, i) {
    const [row] = await ctx.db.drizzle.insert(articles).values(values(i)).returning();
    return row!;
  },
  check(dj, dz) {
    if (typeof dj.id !== 'number' || dj.id === dz.id) throw new Error(`ids ${dj.id} / ${dz.id}`);
    if (dj.headline !== dz.headline || dj.views !== dz.views || dj.published !== dz.published) throw new Error('different rows');
  },
});
