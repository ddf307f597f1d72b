import { testDatabase } from 'djazzle/testing';
import { MODELS, resetData, Article, articles, insertBatches, articleValues } from './fixtures.js';
const db = await testDatabase({ models: [...MODELS] });
const { reporterIds } = await resetData(db, { reporters: 1, articlesPerReporter: 0, publications: 0, publicationsPerArticle: 0 });
await insertBatches(db, articles, Array.from({ length: 50000 }, (_, i) => articleValues(i + 1, reporterIds[0]!)));
const mode = process.argv[2];
for (let i = 0; i < 6; i++) {
  const t = performance.now();
  if (mode === 'dj') await Article.objects.all();
  else await db.drizzle.select().from(articles);
  console.log(mode, (performance.now() - t).toFixed(0));
}
await db.close();
