/**
 * `djazzle/testing`: Django's test tools. `testDatabase()` is a fresh in-memory PGlite with the
 * tables created; `expectNumQueries(n, fn)` is `assertNumQueries(n)`.
 *
 * ```ts
 * const db = await testDatabase({ models: [Reporter, Article] });
 * await expectNumQueries(1, () => Article.objects.selectRelated('reporter').all());
 * ```
 */
import { connect } from '../db/connect.js';
import type { Connection } from '../db/connection.js';
import type { DdlSource } from '../db/ddl.js';
import { type LoggedQuery, withQuerySink } from '../db/query-log.js';
import type { AppConfig } from '../models/registry.js';

export interface TestDatabaseOptions {
  models?: readonly DdlSource[];
  apps?: readonly AppConfig[];
  /** Connection URL (default `memory://`). */
  url?: string;
  alias?: string;
}

/** A fresh in-memory database registered as `'default'` (replacing any), with the tables created. */
export async function testDatabase(options: TestDatabaseOptions = {}): Promise<Connection> {
  const db = await connect(options.url ?? 'memory://', { alias: options.alias ?? 'default', replace: true });
  const models = [...(options.models ?? []), ...(options.apps ?? []).flatMap((app) => app.models as DdlSource[])];
  if (models.length > 0) await db.createTables(...models);
  return db;
}

export interface CapturedQueries<T> {
  result: T;
  queries: Array<{ sql: string; params: readonly unknown[] }>;
}

/** Runs `fn` and returns what it returned with the statements it sent (transaction control excluded). */
export async function captureQueries<T>(fn: () => T | PromiseLike<T>): Promise<CapturedQueries<T>> {
  const queries: LoggedQuery[] = [];
  const result = await withQuerySink((q) => queries.push(q), async () => await fn());
  return { result, queries: queries.map(({ sql, params }) => ({ sql, params })) };
}

/** Django's `assertNumQueries(n)`: throws with the captured SQL when `fn` sent another number of statements. */
export async function expectNumQueries<T>(expected: number, fn: () => T | PromiseLike<T>): Promise<T> {
  const { result, queries } = await captureQueries(fn);
  if (queries.length !== expected) {
    const listing = queries.map((q, i) => `${i + 1}. ${q.sql}${q.params.length ? `  -- ${JSON.stringify(q.params, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}` : ''}`).join('\n');
    throw new Error(`${queries.length} != ${expected} : ${queries.length} queries executed, ${expected} expected\nCaptured queries were:\n${listing}`);
  }
  return result;
}
