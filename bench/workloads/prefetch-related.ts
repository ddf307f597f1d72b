/**
 * Two levels of prefetching: 20 reporters → their 1,000 articles → the articles' publications
 * (many-to-many, 2,000 links). Three queries on both sides.
 *
 * ```ts
 * await Reporter.objects.filter({ pk__lte: 20 }).prefetchRelated('articles__publications');
 * // Drizzle: reporters; articles WHERE reporter_id IN (…); publications JOIN the junction
 * // WHERE article_id IN (…); then grouped in JS into reporter.articles[i].publications
 * ```
 */
import { eq, inArray, lte } from 'drizzle-orm';
import { captureQueries } from 'djazzle/testing';
import { definePaired } from '../harness.js';
import { articlePublications, articles, publications, Reporter, reporters, resetData } from '../fixtures.js';
import { sameIdSet } from '../checks.js';

const REPORTERS = 20;

type ArticleRow = typeof articles.$inferSelect;
type PublicationRow = typeof publications.$inferSelect;

export default definePaired({
  name: 'prefetch-related',
  title: 'prefetchRelated 2 levels (m2m)',
  pairs: { quick: 10, full: 80 },
  warmup: { quick: 3, full: 10 },
  async setup(ctx) {
    await resetData(ctx.db);
  },
  djazzle: async () => await Reporter.objects.filter({ pk__lte: REPORTERS }).prefetchRelated('articles__publications'),
  async drizzle(ctx) {
    const db = ctx.db.drizzle;
    const reporterRows = await db.select().from(reporters).where(lte(reporters.id, REPORTERS));
    const articleRows = reporterRows.length === 0 ? [] : await db.select().from(articles).where(inArray(articles.reporterId, reporterRows.map((r) => r.id)));
    const links =
      articleRows.length === 0
        ? []
        : await db
            .select({ articleId: articlePublications.articleId, publication: publications })
            .from(publications)
            .innerJoin(articlePublications, eq(articlePublications.publicationId, publications.id))
            .where(inArray(articlePublications.articleId, articleRows.map((a) => a.id)));
    const publicationsByArticle = new Map<number, PublicationRow[]>();
    for (const link of links) {
      let list = publicationsByArticle.get(link.articleId);
      if (!list) publicationsByArticle.set(link.articleId, (list = []));
      list.push(link.publication);
    }
    const articlesByReporter = new Map<number, Array<ArticleRow & { publications: PublicationRow[] }>>();
    for (const article of articleRows) {
      let list = articlesByReporter.get(article.reporterId);
      if (!list) articlesByReporter.set(article.reporterId, (list = []));
      list.push({ ...article, publications: publicationsByArticle.get(article.id) ?? [] });
    }
    return reporterRows.map((r) => ({ ...r, articles: articlesByReporter.get(r.id) ?? [] }));
  },
  async check(dj, dz) {
    sameIdSet(dj.map((r) => r.id), dz.map((r) => r.id), 'reporters');
    // Reading the prefetched relations must not query again.
    const { result, queries } = await captureQueries(async () => {
      const articleIds: number[] = [];
      const links: string[] = [];
      // Query results are typed as the model's row type; the declared reverse manager lives on the subclass.
      for (const reporter of dj as Reporter[]) {
        for (const article of await reporter.articles.all()) {
          articleIds.push(article.id);
          for (const p of await article.publications.all()) links.push(`${article.id}:${p.id}`);
        }
      }
      return { articleIds, links };
    });
    if (queries.length > 0) throw new Error(`reading the prefetched relations sent ${queries.length} queries`);
    sameIdSet(result.articleIds, dz.flatMap((r) => r.articles.map((a) => a.id)), 'articles');
    sameIdSet(result.links, dz.flatMap((r) => r.articles.flatMap((a) => a.publications.map((p) => `${a.id}:${p.id}`))), 'publication links');
  },
});
