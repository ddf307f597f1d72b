import { testDatabase } from 'djazzle/testing';
import { MODELS, Article, articles, resetData } from './fixtures.js';
const db = await testDatabase({ models: [...MODELS] });
const { reporterIds } = await resetData(db);
const reporterId = reporterIds[0]!;
const values = (i: number) => ({ headline: `Saved ${i}`, pubDate: new Date(Date.UTC(2025, 0, 1) + i * 1000), reporterId });
const variants: Record<string, (i: number) => Promise<unknown>> = {
  raw3: (i) => db.drizzle.insert(articles).values(values(i)).returning(),
  raw6: (i) => db.drizzle.insert(articles).values({ ...values(i), published: true, views: 0 }).returning(),
  run6: (i) => db.run((d) => d.insert(articles).values({ ...values(i), published: true, views: 0 }).returning()),
  save: (i) => new Article(values(i)).save(),
  ctorOnly: async (i) => new Article(values(i)),
};
const names = Object.keys(variants);
const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
let i = 0;
for (let round = 0; round < 400; round++) {
  for (const n of round % 2 ? names : [...names].reverse()) {
    const t = performance.now();
    for (let k = 0; k < 10; k++) await variants[n]!(i++);
    times[n]!.push((performance.now() - t) / 10);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const n of names) console.log(n.padEnd(10), (med(times[n]!.slice(50)) * 1000).toFixed(1), 'µs');
await db.close();
