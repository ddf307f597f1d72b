import { inArray } from 'drizzle-orm';
import { testDatabase } from 'djazzle/testing';
import { F } from 'djazzle';
import { MODELS, resetData, Publication, articles } from './fixtures.js';
const db = await testDatabase({ models: [...MODELS] });
await resetData(db);
const d = db.drizzle;
const rIds = Array.from({ length: 20 }, (_, i) => i + 1);
const aIds = (await d.select({ id: articles.id }).from(articles).where(inArray(articles.reporterId, rIds))).map((r) => r.id);
const mode = process.argv[2];
const t = performance.now();
for (let i = 0; i < 200; i++) {
  if (mode === 'annot') await Publication.objects.filter({ article__in: aIds }).annotate({ _v: F('article') });
  else await Publication.objects.filter({ article__in: aIds });
}
console.log(mode, ((performance.now() - t) / 200).toFixed(2));
await db.close();
