/**
 * How events reach their handlers after commit. In-process (after the response, with the
 * Worker's `waitUntil` when there is one), a Cloudflare Queue whose consumer delivers them, or an
 * HTTP webhook. Whatever the transport, undelivered events stay in the table for `drain()`.
 *
 * ```ts
 * configureDurableDelivery({ transport: queueTransport(env.SIGNAL_EVENTS) });
 * export default { queue: (batch) => consumeQueueBatch(batch) };
 * ```
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { deliver, type DeliveryOptions } from './delivery.js';
import { setDispatch } from './subscribers.js';

export interface Transport {
  readonly name: string;
  dispatch(ids: readonly string[], using: string): void | Promise<void>;
}

type WaitUntil = (promise: Promise<unknown>) => void;
const waitUntilStore = new AsyncLocalStorage<WaitUntil>();
const inFlight = new Set<Promise<unknown>>();

/** Runs `fn` with `waitUntil` (Workers' `ctx.waitUntil`) receiving the deliveries it triggers. */
export function runWithWaitUntil<T>(waitUntil: WaitUntil, fn: () => T): T {
  return waitUntilStore.run(waitUntil, fn);
}

function track(promise: Promise<unknown>): void {
  const settled = promise.catch((error: unknown) => console.error('djazzle: durable delivery failed; the events stay pending for drain()', error));
  const waitUntil = waitUntilStore.getStore();
  if (waitUntil) waitUntil(settled);
  inFlight.add(settled);
  void settled.finally(() => inFlight.delete(settled));
}

/** Resolves when the deliveries started so far have finished (tests, graceful shutdown). */
export async function settleDeliveries(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/** Delivers in this process after commit (not awaited by the request). */
export function inProcessTransport(options: Omit<DeliveryOptions, 'using'> = {}): Transport {
  return {
    name: 'in-process',
    dispatch: (ids, using) => track(deliver(ids, { ...options, using })),
  };
}

/** A Cloudflare Queue binding (or anything with `sendBatch`). */
export interface QueueLike {
  sendBatch(messages: Iterable<{ body: unknown }>): Promise<unknown>;
}

/** Sends event ids to a queue; `consumeQueueBatch` delivers them in the consumer. */
export function queueTransport(queue: QueueLike): Transport {
  return {
    name: 'queue',
    dispatch: (ids, using) => track(queue.sendBatch(ids.map((id) => ({ body: { id, using } })))),
  };
}

/** The message batch a Worker's `queue()` handler receives. */
export interface QueueBatchLike {
  readonly messages: ReadonlyArray<{ readonly body: unknown; ack(): void; retry(options?: { delaySeconds?: number }): void }>;
}

/**
 * A queue consumer: delivers the events of the batch; acks what is done, retries the rest.
 * `using` names the connection to deliver on, whatever alias the producer wrote in the message
 * (a Worker's consumer opens its own connection; the producer's was per request).
 */
export async function consumeQueueBatch(batch: QueueBatchLike, options: DeliveryOptions = {}): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body as { id?: string; using?: string };
    if (!body?.id) {
      message.ack(); // not ours
      continue;
    }
    try {
      const report = await deliver([body.id], { ...options, using: options.using ?? body.using });
      if (report.retried > 0) message.retry();
      else message.ack();
    } catch {
      message.retry();
    }
  }
}

async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body));
  return [...new Uint8Array(signature)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** POSTs `{ ids, using }` to `url`, signed with HMAC-SHA256 in `x-djazzle-signature`. */
export function webhookTransport(url: string, options: { secret: string; fetch?: typeof fetch }): Transport {
  const send = options.fetch ?? fetch;
  return {
    name: 'webhook',
    dispatch: (ids, using) =>
      track(
        (async () => {
          const body = JSON.stringify({ ids, using });
          const response = await send(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-djazzle-signature': await sign(options.secret, body) } });
          if (!response.ok) throw new Error(`webhook answered ${response.status}`);
        })(),
      ),
  };
}

/** The webhook's receiving end: verifies the signature and delivers; answers 202 with the report. */
export async function handleWebhook(request: Request, options: { secret: string } & Omit<DeliveryOptions, 'using'>): Promise<Response> {
  const body = await request.text();
  const expected = await sign(options.secret, body);
  if (request.headers.get('x-djazzle-signature') !== expected) return Response.json({ detail: 'Bad signature.' }, { status: 401 });
  let parsed: { ids?: unknown; using?: unknown };
  try {
    parsed = JSON.parse(body) as { ids?: unknown; using?: unknown };
  } catch {
    return Response.json({ detail: 'Malformed JSON.' }, { status: 400 });
  }
  if (!Array.isArray(parsed.ids) || !parsed.ids.every((id) => typeof id === 'string')) return Response.json({ detail: "'ids' must be a list of strings." }, { status: 400 });
  const report = await deliver(parsed.ids as string[], { ...options, using: typeof parsed.using === 'string' ? parsed.using : undefined });
  return Response.json(report, { status: 202 });
}

/** Chooses the transport (default: in-process). */
export function configureDurableDelivery(options: { transport: Transport }): void {
  setDispatch((ids, using) => {
    void Promise.resolve(options.transport.dispatch(ids, using)).catch((error: unknown) => console.error('djazzle: could not dispatch durable events', error));
  });
}

configureDurableDelivery({ transport: inProcessTransport() });
