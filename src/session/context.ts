/**
 * Binding sessions to the async context (AsyncLocalStorage: Node, and workerd with
 * `nodejs_compat`), `db.session(fn, opts)` and `currentSession()`.
 *
 * ```ts
 * await db.session(async (session) => { … }, { atomic: true });  // like ATOMIC_REQUESTS
 * ```
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { NotSupportedError } from '../core/errors.js';
import { provideSessionOpener, provideSessions } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import type { SessionOptions } from '../db/connection.js';
import { withQuerySink } from '../db/query-log.js';
import { atomic } from '../db/transaction.js';
import { Session, SESSION_SAVEPOINT } from './session.js';

const store = new AsyncLocalStorage<Session>();

/** The session bound to the current async context, or `undefined` (Django's autocommit behaviour). */
export function currentSession(): Session | undefined {
  const session = store.getStore();
  return session && !session.closed ? session : undefined;
}

/** Runs `fn(session)`: commits (flushes) when it resolves, rolls back when it rejects, then forgets everything. */
export async function runSession<T>(alias: string, fn: (session: Session) => T | PromiseLike<T>, options: SessionOptions = {}): Promise<T> {
  const connection = getConnection(alias);
  if (options.atomic && !connection.capabilities.interactiveTransactions) {
    throw new NotSupportedError(
      `An atomic session needs interactive transactions; the '${connection.driver}' driver has none. Use the 'neon-ws' or 'pg' driver, or a plain session, whose commit() sends one batch.`,
    );
  }
  const session = new Session(connection, options);
  const body = () =>
    store.run(session, () =>
      withQuerySink(
        (query) => {
          if (query.alias === alias) session.queries.push(query);
        },
        async () => {
          try {
            if (options.atomic) await connection.execute(`SAVEPOINT ${SESSION_SAVEPOINT}`);
            const result = await fn(session);
            await session.flush();
            return result;
          } catch (error) {
            await session.rollback().catch(() => undefined);
            throw error;
          } finally {
            session.close();
          }
        },
      ),
    );
  return options.atomic ? atomic(body, { using: alias }) : body();
}

provideSessions({ current: currentSession });
provideSessionOpener((alias, fn, options) => runSession(alias, fn as (session: Session) => unknown, options));
