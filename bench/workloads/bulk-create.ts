/**
 * Insert 1,000 rows in one statement and get their ids back.
 *
 * ```ts
 * await Article.objects.bulkCreate(values.map((v) => new Article(v)));
 * await db.drizzle.insert(articles).values(values).returning();
 * ```
 * The rows are deleted between samples (untimed) so the table does not grow.
 */
import { definePaired } from '../harness.js';
import { Article, articles, articleValues, deleteArticlesOf, reporters, resetData } from '../fixtures.js';

const ROWS = 1000;
let reporterId = 0;
const rowsFor = (i: number) => Array.from({ length: ROWS }, (_, k) => articleValues(i * ROWS + k + 1, reporterId));

export default definePaired({
  name: 'bulk-create',
  title: 'bulkCreate 1,000 rows',
  pairs: { quick: 8, full: 60 },
  warmup: { quick: 3, full: 10 },
  async setup(ctx) {
    await resetData(ctx.db);
    const [row] = await ctx.db.drizzle.insert(reporters).values({ firstName: 'Bulk', lastName: 'Writer' }).returning({ id: reporters.id });
    reporterId = row!.id;
  },
  async beforeEach(ctx) {
    await deleteArticlesOf(ctx.db, [reporterId]);
  },
  djazzle: (_ctx, i) => Article.objects.bulkCreate(rowsFor(i).map((v) => new Article(v))),
  drizzle: (ctx, i) => ctx.db.drizzle.insert(articles).values(rowsFor(i)).returning(),
  check(dj, dz) {
    if (dj.length !== ROWS || dz.length !== ROWS) throw new Error(`${dj.length} / ${dz.length} rows`);
    if (dj.some((a) => typeof a.id !== 'number')) throw new Error('djazzle left ids unset');
  },
  async teardown(ctx) {
    await deleteArticlesOf(ctx.db, [reporterId]);
  },
});
