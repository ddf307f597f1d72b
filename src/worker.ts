/**
 * The Worker entry (`wrangler.toml`: `main = "src/worker.ts"`): wires `functions/` to the
 * bindings. `fetch` serves the library app, `queue` consumes durable signal events, `scheduled`
 * drains what is left pending. Durable events go out on the `SIGNAL_EVENTS` queue after commit,
 * inside the request's `ctx.waitUntil` (so the answer does not wait for them); the content-type
 * cache's second tier is the `CONTENT_TYPES` KV namespace.
 */
import { configureContentTypeCache, kvCacheBackend } from 'djazzle/contenttypes';
import { configureDurableDelivery, queueTransport, runWithWaitUntil, type QueueBatchLike, type Transport } from 'djazzle/signals';
import { drainSignalEvents } from '../functions/drain.js';
import type { WaitUntilContext, WorkerEnv } from '../functions/env.js';
import { httpHandler } from '../functions/http.js';
import { consumeSignalEvents } from '../functions/signal-events.js';

/** Without a queue, events wait in the table for the scheduled drain. */
const drainOnly: Transport = { name: 'drain-only', dispatch: () => undefined };

let configuredFor: WorkerEnv | undefined;

/** Points djazzle at this isolate's bindings (once per `env`). */
function configure(env: WorkerEnv): void {
  if (configuredFor === env) return;
  configuredFor = env;
  configureDurableDelivery({ transport: env.SIGNAL_EVENTS ? queueTransport(env.SIGNAL_EVENTS) : drainOnly });
  configureContentTypeCache(env.CONTENT_TYPES ? { backend: kvCacheBackend(env.CONTENT_TYPES), ttl: 86_400 } : null);
}

const serve = httpHandler();

export default {
  fetch(request: Request, env: WorkerEnv, ctx: WaitUntilContext): Promise<Response> {
    configure(env);
    return runWithWaitUntil((promise) => ctx.waitUntil(promise), () => serve(request, env, ctx));
  },

  async queue(batch: QueueBatchLike, env: WorkerEnv): Promise<void> {
    configure(env);
    await consumeSignalEvents(batch, env);
  },

  async scheduled(_controller: { readonly cron: string; readonly scheduledTime: number }, env: WorkerEnv, ctx: WaitUntilContext): Promise<void> {
    configure(env);
    ctx.waitUntil(drainSignalEvents(env).then((report) => console.log('djazzle: drained durable signal events', report)));
  },
};
