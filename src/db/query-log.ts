/**
 * The query log: every statement a connection sends goes through a Drizzle `Logger` that hands it
 * to the sinks bound to the current async context (`captureQueries`, a session's `queries`).
 * Transaction control statements (BEGIN, COMMIT, SAVEPOINT, …) are left out, as Django's
 * `CaptureQueriesContext` leaves them out of `assertNumQueries`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm/logger';

export interface LoggedQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** The connection alias the statement went to. */
  readonly alias: string;
}

export type QuerySink = (query: LoggedQuery) => void;

const sinks = new AsyncLocalStorage<readonly QuerySink[]>();
const CONTROL = /^\s*(begin|start\s+transaction|commit|rollback|savepoint|release|end)\b/i;

/** Runs `fn` with `sink` receiving every statement sent from inside it (nested sinks all receive). */
export function withQuerySink<T>(sink: QuerySink, fn: () => T): T {
  const parent = sinks.getStore() ?? [];
  return sinks.run([...parent, sink], fn);
}

/** Whether a statement is transaction control (not counted as a query). */
export function isTransactionControl(sql: string): boolean {
  return CONTROL.test(sql);
}

/** Sends a statement to the sinks of the current context; used by drivers that bypass Drizzle. */
export function logQuery(alias: string, sql: string, params: readonly unknown[]): void {
  const active = sinks.getStore();
  if (active === undefined || active.length === 0 || isTransactionControl(sql)) return;
  const entry: LoggedQuery = { sql, params, alias };
  for (const sink of active) sink(entry);
}

/** The Drizzle logger a connection hands to its driver. */
export function queryLogger(alias: string): Logger {
  return { logQuery: (sql, params) => logQuery(alias, sql, params) };
}
