import { eq, sql } from 'drizzle-orm';
import { F } from 'djazzle';
import { testDatabase } from 'djazzle/testing';
import { MODELS, resetData, Article, articles } from './fixtures.js';
import { median } from './harness.js';
const db = await testDatabase({ models: [...MODELS] });
const { reporterIds } = await resetData(db);
const d = db.drizzle;
let k = 0;
const rid = () => reporterIds[k++ % reporterIds.length]!;
const cases: Record<string, () => Promise<unknown>> = {
  djazzle: () => Article.objects.filter({ reporterId: rid() }).update({ views: F('views').add(1) }),
  drizzle: () => d.update(articles).set({ views: sql`${articles.views} + 1` }).where(eq(articles.reporterId, rid())),
  drizzleReturning: () => d.update(articles).set({ views: sql`${articles.views} + 1` }).where(eq(articles.reporterId, rid())).returning({ id: articles.id }),
  drizzleParam: () => d.update(articles).set({ views: sql`(${articles.views} + ${1})` }).where(eq(articles.reporterId, rid())),
  djazzleBuildOnly: async () => { Article.objects.filter({ reporterId: rid() }); },
};
const names = Object.keys(cases);
const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < 120; round++) {
  const order = round % 2 ? [...names].reverse() : names;
  for (const n of order) {
    const t = performance.now();
    for (let j = 0; j < 10; j++) await cases[n]!();
    if (round >= 20) times[n]!.push((performance.now() - t) / 10);
  }
}
for (const n of names) console.log(n.padEnd(18), median(times[n]!).toFixed(3), 'ms');
await db.close();
