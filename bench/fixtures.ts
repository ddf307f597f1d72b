/**
 * The bench's own app (`bench_*` tables, app label `bench`), so it never collides with the tests:
 * reporters → articles (with an integer `views`) ↔ publications through an explicit junction
 * table, plus the data every workload starts from.
 *
 * Both sides of every workload use these same Drizzle tables: djazzle through the models,
 * raw Drizzle through `db.drizzle`.
 */
import { inArray, sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, serial, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import { CASCADE, type Connection, defineApp, ForeignKey, ManyToMany, Model, type RelatedManager } from 'djazzle';

export const reporters = pgTable('bench_reporter', {
  id: serial('id').primaryKey(),
  firstName: varchar('first_name', { length: 30 }).notNull(),
  lastName: varchar('last_name', { length: 30 }).notNull(),
  email: varchar('email', { length: 100 }),
});

export const articles = pgTable(
  'bench_article',
  {
    id: serial('id').primaryKey(),
    headline: varchar('headline', { length: 100 }).notNull(),
    pubDate: timestamp('pub_date', { withTimezone: true }).notNull(),
    reporterId: integer('reporter_id').notNull(),
    published: boolean('published').notNull().default(true),
    views: integer('views').notNull().default(0),
  },
  // Django indexes every ForeignKey column; the pub_date index serves "newest first".
  (t) => [index('bench_article_reporter_id_idx').on(t.reporterId), index('bench_article_pub_date_idx').on(t.pubDate)],
);

export const publications = pgTable('bench_publication', {
  id: serial('id').primaryKey(),
  title: varchar('title', { length: 50 }).notNull(),
});

export const articlePublications = pgTable(
  'bench_article_publication',
  {
    id: serial('id').primaryKey(),
    articleId: integer('article_id').notNull(),
    publicationId: integer('publication_id').notNull(),
  },
  (t) => [
    unique('bench_article_publication_uniq').on(t.articleId, t.publicationId),
    index('bench_article_publication_publication_id_idx').on(t.publicationId),
  ],
);

export class Reporter extends Model(reporters, { app: 'bench' }) {
  declare articles: RelatedManager<Article>;
}

export class Publication extends Model(publications, { app: 'bench' }) {
  declare articleSet: RelatedManager<Article>;
}

export class Article extends Model(articles, {
  app: 'bench',
  fields: {
    reporter: ForeignKey(() => Reporter, { onDelete: CASCADE, relatedName: 'articles' }),
    publications: ManyToMany(() => Publication, { through: () => ArticlePublication }),
  },
}) {}

export class ArticlePublication extends Model(articlePublications, {
  app: 'bench',
  fields: {
    article: ForeignKey(() => Article, { onDelete: CASCADE }),
    publication: ForeignKey(() => Publication, { onDelete: CASCADE }),
  },
}) {}

export const bench = defineApp('bench', { models: [Reporter, Article, Publication, ArticlePublication] });

export const MODELS = [Reporter, Article, Publication, ArticlePublication] as const;

/** How much data a workload starts from. */
export interface SeedSizes {
  reporters: number;
  articlesPerReporter: number;
  publications: number;
  /** Publications per article (the many-to-many rows). */
  publicationsPerArticle: number;
}

export const DEFAULT_SIZES: SeedSizes = { reporters: 100, articlesPerReporter: 50, publications: 20, publicationsPerArticle: 2 };

const BASE_DATE = Date.UTC(2024, 0, 1);
const INSERT_BATCH = 5000;

/** Article `n` (1-based) of reporter `reporterId`: deterministic values, every fourth unpublished. */
export function articleValues(n: number, reporterId: number): typeof articles.$inferInsert {
  return {
    headline: `Headline number ${n} about something`,
    pubDate: new Date(BASE_DATE + n * 3_600_000),
    reporterId,
    published: n % 4 !== 0,
    views: n % 100,
  };
}

/** Inserts `rows` with raw Drizzle in batches, returning the generated ids; `onBatch` reports progress. */
export async function insertBatches<T extends Record<string, unknown>>(
  db: Connection,
  table: typeof articles | typeof reporters | typeof publications | typeof articlePublications,
  rows: readonly T[],
  onBatch?: (done: number, total: number) => void,
): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH);
    const inserted = await db.drizzle
      .insert(table)
      .values(batch as never)
      .returning({ id: table.id });
    for (const row of inserted) ids.push(row.id);
    onBatch?.(Math.min(start + INSERT_BATCH, rows.length), rows.length);
  }
  return ids;
}

export interface Seeded {
  reporterIds: number[];
  articleIds: number[];
  publicationIds: number[];
}

/** Empties the bench tables (identities restarted) and inserts `sizes` worth of rows with raw Drizzle. */
export async function resetData(db: Connection, sizes: SeedSizes = DEFAULT_SIZES): Promise<Seeded> {
  await db.execute(
    'TRUNCATE bench_article_publication, bench_article, bench_publication, bench_reporter RESTART IDENTITY CASCADE',
  );
  const reporterRows = Array.from({ length: sizes.reporters }, (_, i) => ({ firstName: `First${i + 1}`, lastName: `Last${i + 1}`, email: `r${i + 1}@example.com` }));
  const reporterIds = await insertBatches(db, reporters, reporterRows);
  const publicationRows = Array.from({ length: sizes.publications }, (_, i) => ({ title: `Publication ${i + 1}` }));
  const publicationIds = await insertBatches(db, publications, publicationRows);
  const articleRows: Array<typeof articles.$inferInsert> = [];
  let n = 0;
  for (const reporterId of reporterIds) for (let k = 0; k < sizes.articlesPerReporter; k++) articleRows.push(articleValues(++n, reporterId));
  const articleIds = await insertBatches(db, articles, articleRows);
  const links: Array<typeof articlePublications.$inferInsert> = [];
  if (publicationIds.length > 0) {
    articleIds.forEach((articleId, i) => {
      for (let k = 0; k < Math.min(sizes.publicationsPerArticle, publicationIds.length); k++) {
        links.push({ articleId, publicationId: publicationIds[(i + k) % publicationIds.length]! });
      }
    });
  }
  await insertBatches(db, articlePublications, links);
  await db.execute('ANALYZE bench_reporter, bench_article, bench_publication, bench_article_publication');
  return { reporterIds, articleIds, publicationIds };
}

/**
 * Inserts `count` reporters with `articlesEach` articles and their publication links (raw Drizzle),
 * for workloads that delete data; returns the reporter ids.
 */
export async function insertReporterTree(
  db: Connection,
  options: { count: number; articlesEach: number; publicationIds: readonly number[]; lastName: string },
): Promise<number[]> {
  const reporterIds = (
    await db.drizzle
      .insert(reporters)
      .values(Array.from({ length: options.count }, (_, i) => ({ firstName: `Doomed${i}`, lastName: options.lastName })))
      .returning({ id: reporters.id })
  ).map((r) => r.id);
  const articleRows = reporterIds.flatMap((reporterId) => Array.from({ length: options.articlesEach }, (_, k) => articleValues(k + 1, reporterId)));
  const articleIds = (await db.drizzle.insert(articles).values(articleRows).returning({ id: articles.id })).map((r) => r.id);
  const pubs = options.publicationIds;
  if (pubs.length > 0) {
    await db.drizzle
      .insert(articlePublications)
      .values(articleIds.flatMap((articleId, i) => [{ articleId, publicationId: pubs[i % pubs.length]! }, { articleId, publicationId: pubs[(i + 1) % pubs.length]! }].slice(0, Math.min(2, pubs.length))));
  }
  return reporterIds;
}

/** Raw Drizzle: the number of rows in `table` (for sanity checks, never timed). */
export async function countRows(db: Connection, table: typeof articles | typeof reporters | typeof articlePublications): Promise<number> {
  const [row] = await db.drizzle.select({ n: sql<number>`count(*)::int` }).from(table);
  return row?.n ?? 0;
}

/** Raw Drizzle: deletes the articles of `reporterIds` (untimed clean-up between samples). */
export async function deleteArticlesOf(db: Connection, reporterIds: readonly number[]): Promise<void> {
  await db.drizzle.delete(articles).where(inArray(articles.reporterId, [...reporterIds]));
}
