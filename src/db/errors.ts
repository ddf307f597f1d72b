/**
 * Driver errors → djazzle errors. Whatever the driver (PGlite, node-postgres, Neon), a failed
 * statement surfaces as `IntegrityError` (SQLSTATE class 23) or `DatabaseError`, carrying the SQL,
 * its parameters and the driver's error as `cause`; a lost connection is an `OperationalError`.
 */
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { DatabaseError, DjazzleError, IntegrityError, OperationalError } from '../core/errors.js';

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  detail?: unknown;
  cause?: unknown;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

function findPgError(error: unknown): PgLikeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as PgLikeError;
    if (typeof candidate.code === 'string') return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** Converts anything a driver threw into a djazzle error (djazzle errors pass through). */
export function translateDatabaseError(error: unknown, sql?: string, params?: readonly unknown[]): Error {
  if (error instanceof DjazzleError) return error;
  let querySql = sql;
  let queryParams = params;
  let cause = error;
  if (error instanceof DrizzleQueryError) {
    querySql = error.query;
    queryParams = error.params;
    cause = error.cause ?? error;
  }
  const pg = findPgError(cause);
  const code = typeof pg?.code === 'string' ? pg.code : undefined;
  const baseMessage = cause instanceof Error ? cause.message : String(cause);
  const init = {
    sql: querySql,
    params: queryParams,
    cause,
    code,
    constraint: typeof pg?.constraint === 'string' ? pg.constraint : undefined,
    detail: typeof pg?.detail === 'string' ? pg.detail : undefined,
  };
  const message = init.detail ? `${baseMessage}\nDETAIL:  ${init.detail}` : baseMessage;
  if (code?.startsWith('23')) return new IntegrityError(message, init);
  if (code !== undefined && CONNECTION_CODES.has(code)) return new OperationalError(`Connection lost: ${message}`, init);
  if (!code && /terminat|closed|socket|ECONNRESET|connection/i.test(baseMessage)) {
    return new OperationalError(`Connection lost: ${message}`, init);
  }
  return new DatabaseError(message, init);
}
