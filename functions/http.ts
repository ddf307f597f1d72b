/**
 * The Worker's HTTP routes: the library example (`examples/library/app.ts`) on a connection
 * opened for the request, bound as its `'default'` (`runWithConnection`), closed after the answer
 * (`ctx.waitUntil`). Requests are atomic where the driver has transactions (not on `neon-http`).
 */
import type { Hono } from 'hono';
import { runWithConnection } from 'djazzle';
import { createApp } from '../examples/library/app.js';
import { databaseTarget, openConnection, type WaitUntilContext, type WorkerEnv } from './env.js';

/** A `fetch` handler serving the library app. */
export function httpHandler(): (request: Request, env: WorkerEnv, ctx: WaitUntilContext) => Promise<Response> {
  const apps = new Map<boolean, Hono>();
  const appFor = (atomic: boolean): Hono => {
    let app = apps.get(atomic);
    if (!app) apps.set(atomic, (app = createApp({ atomic })));
    return app;
  };
  return async (request, env, ctx) => {
    const app = appFor(databaseTarget(env).driver !== 'neon-http');
    const db = await openConnection(env);
    try {
      return await runWithConnection(db, () => app.fetch(request, env, ctx as never));
    } finally {
      ctx.waitUntil(db.close().catch(() => undefined));
    }
  };
}
