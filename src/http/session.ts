/**
 * `session({ db?, atomic? })`: one djazzle session per request, Django's request cycle on Hono.
 *
 * ```ts
 * const app = new Hono();
 * app.use(session({ atomic: true }));     // DATABASES['default']['ATOMIC_REQUESTS'] = True
 * app.onError(errorHandler);
 * app.get('/books/:id', async (c) => {
 *   const book = await Book.objects.get({ pk: c.req.param('id') });  // through c.var.session
 *   c.var.session.queries;                                            // what it ran
 * });
 * ```
 *
 * - sends `requestStarted` before the handler and `requestFinished` after the answer;
 * - runs the handler inside `db.session(fn, { atomic })`: the session commits (flushes) when the
 *   handler answers, and rolls back when it throws or answers a status of 500 or more (with
 *   `atomic`, the request's transaction rolls back too, whatever status the error maps to);
 * - a commit that fails after the handler answered (a flush hitting a constraint) replaces the
 *   answer with the error's (`errorHandler`'s mapping).
 * `db` is a connection, an alias, or a function of the context answering one (a connection opened
 * for this request, in a Worker); default: the `'default'` connection.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnection } from '../db/connect.js';
import type { Connection } from '../db/connection.js';
import type { Session } from '../session/session.js';
import { requestFinished, requestStarted } from '../signals/builtins.js';
import { errorResponse } from './errors.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's djazzle session, set by the `session()` middleware of `djazzle/hono`. */
    session: Session;
  }
}

export type ConnectionSource = Connection | string | ((c: Context) => Connection | string | Promise<Connection | string>);

export interface SessionMiddlewareOptions {
  /** The connection (or alias, or a function of the context answering one). Default `'default'`. */
  db?: ConnectionSource;
  /** One transaction per request (Django's `ATOMIC_REQUESTS`). Default `false`. */
  atomic?: boolean;
  /** Keep one instance per (model, pk) within the request. Default `true`. */
  identityMap?: boolean;
}

/** The sender of `requestStarted` / `requestFinished` (Django sends the handler class). */
export const REQUEST_SENDER = 'djazzle/hono';

/** Rolls the session back without an error of its own (the answer is already there). */
class RollBack extends Error {}

export async function resolveConnection(source: ConnectionSource | undefined, c: Context): Promise<Connection> {
  const value = typeof source === 'function' ? await source(c) : source;
  return typeof value === 'string' || value === undefined ? getConnection(value) : value;
}

export function session(options: SessionMiddlewareOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    await requestStarted.send(REQUEST_SENDER, { request: c.req.raw });
    let answered = false;
    try {
      const connection = await resolveConnection(options.db, c);
      await connection.session(
        async (s) => {
          c.set('session', s);
          await next();
          answered = true;
          // an error the app's onError answered (Hono keeps it in c.error), or a server error
          if (c.error || c.res.status >= 500) throw new RollBack();
        },
        { atomic: options.atomic ?? false, identityMap: options.identityMap ?? true },
      );
    } catch (error) {
      if (error instanceof RollBack) return;
      if (!answered) throw error; // not answered by the app: Hono's own error handling takes it
      c.res = undefined;
      c.res = errorResponse(error, c); // the commit failed after the answer
    } finally {
      await requestFinished.send(REQUEST_SENDER, { request: c.req.raw });
    }
  };
}
