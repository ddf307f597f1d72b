/**
 * Get one row by primary key.
 *
 * ```ts
 * await Article.objects.get({ pk });                                         // djazzle
 * await db.drizzle.select().from(articles).where(eq(articles.id, pk));       // Drizzle
 * ```
 * djazzle also raises `DoesNotExist` / `MultipleObjectsReturned` (it asks for up to 21 rows, as
 * Django does); the hand-written side takes `rows[0]` and throws when there is none.
 */
import { eq } from 'drizzle-orm';
import { definePaired } from '../harness.js';
import { Article, articles, resetData } from '../fixtures.js';

let ids: number[] = [];
const pkAt = (index: number) => ids[(index * 7919) % ids.length]!;

export default definePaired({
  name: 'get-by-pk',
  title: 'get by pk',
  batch: 20,
  pairs: { quick: 15, full: 150 },
  async setup(ctx) {
    ids = (await resetData(ctx.db)).articleIds;
  },
  djazzle: (_ctx, i) => Article.objects.get({ pk: pkAt(i) }),
  async drizzle(ctx, i) {
    const [row] = await ctx.db.drizzle.select().from(articles).where(eq(articles.id, pkAt(i)));
    if (!row) throw new Error('Article matching query does not exist.');
    return row;
  },
  check(dj, dz) {
    if (dj.id !== dz.id || dj.headline !== dz.headline || dj.pubDate.getTime() !== dz.pubDate.getTime()) throw new Error(`${dj.id} != ${dz.id}`);
  },
});
