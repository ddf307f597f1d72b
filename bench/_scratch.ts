import { eq, inArray, lte } from 'drizzle-orm';
import { testDatabase } from 'djazzle/testing';
import { F } from 'djazzle';
import { MODELS, resetData, Reporter, Publication, Article, reporters, articles, publications, articlePublications } from './fixtures.js';
import { median } from './harness.js';
const db = await testDatabase({ models: [...MODELS] });
await resetData(db);
const d = db.drizzle;
const rIds = Array.from({ length: 20 }, (_, i) => i + 1);
const aIds = (await d.select({ id: articles.id }).from(articles).where(inArray(articles.reporterId, rIds))).map((r) => r.id);
const cases: Record<string, [() => Promise<unknown>, () => Promise<unknown>]> = {
  reporters: [async () => await Reporter.objects.filter({ pk__lte: 20 }), () => d.select().from(reporters).where(lte(reporters.id, 20))],
  articles: [async () => await Article.objects.filter({ reporter__in: rIds }), () => d.select().from(articles).where(inArray(articles.reporterId, rIds))],
  pubs: [
    async () => await Publication.objects.filter({ article__in: aIds }).annotate({ _v: F('article') }),
    () => d.select({ articleId: articlePublications.articleId, publication: publications }).from(publications).innerJoin(articlePublications, eq(articlePublications.publicationId, publications.id)).where(inArray(articlePublications.articleId, aIds)),
  ],
  pubsNoAnnotate: [
    async () => await Publication.objects.filter({ article__in: aIds }),
    () => d.select({ articleId: articlePublications.articleId, publication: publications }).from(publications).innerJoin(articlePublications, eq(articlePublications.publicationId, publications.id)).where(inArray(articlePublications.articleId, aIds)),
  ],
  pubsRawDjSql: [
    () => d.select({ a: articles.id, publication: publications }).from(publications).leftJoin(articlePublications, eq(articlePublications.publicationId, publications.id)).leftJoin(articles, eq(articles.id, articlePublications.articleId)).where(inArray(articles.id, aIds)),
    () => d.select({ articleId: articlePublications.articleId, publication: publications }).from(publications).innerJoin(articlePublications, eq(articlePublications.publicationId, publications.id)).where(inArray(articlePublications.articleId, aIds)),
  ],
};
for (const round of [1, 2]) for (const [name, [a, b]] of Object.entries(cases)) {
  for (let i = 0; i < 20; i++) { await a(); await b(); }
  const ratios: number[] = []; const ta: number[] = []; const tb: number[] = [];
  for (let i = 0; i < 80; i++) {
    const order = i % 2 ? [b, a] : [a, b];
    const t: number[] = [];
    for (const f of order) { const s = performance.now(); await f(); t.push(performance.now() - s); }
    const [x, y] = i % 2 ? [t[1]!, t[0]!] : [t[0]!, t[1]!];
    ta.push(x); tb.push(y); ratios.push(x / y);
  }
  console.log(name.padEnd(16), 'dj', median(ta).toFixed(2), 'dz', median(tb).toFixed(2), 'ratio', median(ratios).toFixed(2));
}
await db.close();
