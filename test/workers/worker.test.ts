/**
 * The Worker (`src/worker.ts`) inside workerd: its `fetch` (the library app on `djazzle/hono`:
 * session middleware, `modelRoutes`, validation), `queue` (the consumer of durable signal events)
 * and `scheduled` (the drain) handlers, on `neon-ws` and `neon-http`, against databases the
 * Node-side setup seeded (`worker-setup.ts`). Bindings are stand-ins a test can read: a queue that
 * records what it was sent, a KV namespace in memory.
 */
import { describe, expect, inject, it } from 'vitest';
import { Hono } from 'hono';
import { connect, type Connection, getConnection, runWithConnection } from 'djazzle';
import { errorHandler, session } from 'djazzle/hono';
import { signalEvents } from 'djazzle/signals';
import worker from '../../src/worker.js';
import type { WorkerEnv } from '../../functions/env.js';
import { Activity, Book, Review, Tag } from '../../examples/library/models.js';
import { REVIEW_ACTIVITY } from '../../examples/library/subscribers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Driver = 'neon-ws' | 'neon-http';

const databases = inject('djazzleWorker');

/** A queue binding that records the messages sent to it. */
function recordingQueue() {
  const sent: Array<{ body: unknown }> = [];
  return { sent, sendBatch: async (messages: Iterable<{ body: unknown }>) => void sent.push(...messages) };
}

/** A KV namespace in memory. */
function memoryKv() {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (key: string) => entries.get(key) ?? null,
    put: async (key: string, value: string) => void entries.set(key, value),
    delete: async (key: string) => void entries.delete(key),
  };
}

/** An execution context whose `waitUntil` promises the test awaits. */
function executionContext() {
  const pending: Promise<unknown>[] = [];
  return { ctx: { waitUntil: (promise: Promise<unknown>) => void pending.push(promise), passThroughOnException() {} }, settle: () => Promise.all(pending), pending };
}

function queueBatch(bodies: unknown[]) {
  const acked: number[] = [];
  const retried: number[] = [];
  const messages = bodies.map((body, i) => ({ id: String(i), timestamp: new Date(), attempts: 1, body, ack: () => void acked.push(i), retry: () => void retried.push(i) }));
  return { batch: { queue: 'djazzle-signal-events', messages, ackAll() {}, retryAll() {} }, acked, retried };
}

async function call(env: WorkerEnv, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json | null; text: string; waitedFor: number }> {
  const init: RequestInit = { method };
  if (body !== undefined) Object.assign(init, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const { ctx, settle, pending } = executionContext();
  const response = await worker.fetch(new Request(`http://worker.test${path}`, init), env, ctx);
  const text = await response.text();
  await settle(); // the queue send after commit, the connection's close
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : null, text, waitedFor: pending.length };
}

/** Runs `fn` with a connection of the test's own as `'default'`. */
async function withDb<T>(driver: Driver, fn: (db: Connection) => Promise<T>): Promise<T> {
  const db = await connect(databases[driver], { driver, register: false });
  try {
    return await runWithConnection(db, () => fn(db));
  } finally {
    await db.close();
  }
}

/** A pending durable event for `review`, as a committed write would have stored it. */
async function storePendingEvent(review: Review): Promise<string> {
  const id = crypto.randomUUID();
  const now = new Date();
  await getConnection().drizzle.insert(signalEvents).values({
    id, subscriber: REVIEW_ACTIVITY, signal: 'postSave', model: 'library.Review', pk: String(review.id), created: true,
    updateFields: null, snapshot: review.toJSON(), availableAt: now, createdAt: now,
  });
  return id;
}

for (const driver of ['neon-ws', 'neon-http'] as const) {
  describe(`the Worker on ${driver}`, () => {
    const queue = recordingQueue();
    const kv = memoryKv();
    const env: WorkerEnv = { DATABASE_URL: databases[driver], DATABASE_DRIVER: driver, SIGNAL_EVENTS: queue, CONTENT_TYPES: kv };

    it('fetch: REST routes with filters, ordering, search and pages; hand-written views', async () => {
      const page = await call(env, 'GET', '/api/books?ordering=-published&pageSize=2&page=2');
      expect(page.status).toBe(200);
      expect(page.json!['results'].map((b: Json) => b['title'])).toEqual(['Kindred', 'The Dispossessed']);
      expect(page.json!['next']).toBe('http://worker.test/api/books?ordering=-published&pageSize=2&page=3');
      expect(page.json!['previous']).toBe('http://worker.test/api/books?ordering=-published&pageSize=2');
      expect(page.waitedFor).toBe(1); // the request's connection, closed after the answer
      const search = await call(env, 'GET', '/api/books?search=earthsea');
      expect(search.json!['results']).toEqual([{ id: 1, title: 'A Wizard of Earthsea', published: 1968, authorId: 1, createdAt: expect.any(String) }]);
      const authors = await call(env, 'GET', '/authors');
      expect(authors.json!['results'].map((a: Json) => [a['name'], a['bookCount']])).toContainEqual(['Ursula K. Le Guin', 3]);
      expect(await call(env, 'GET', '/api/books/abc')).toMatchObject({ status: 404, json: { detail: 'Not found.' } });
      expect(await call(env, 'GET', '/api/books/424242')).toMatchObject({ status: 404, json: { detail: 'Not found.' } });
    });

    it('fetch: bad requests are 4xx, never 500, and write nothing', async () => {
      const counts = () => withDb(driver, async () => [await Book.objects.count(), await Review.objects.count()]);
      const before = await counts();
      const cases: Array<[string, string, unknown, number]> = [
        ['POST', '/api/books', '{"title": "Dune", ', 400],
        ['POST', '/api/books', '[]', 400],
        ['POST', '/api/books', { title: 'Dune', authorId: '1' }, 400],
        ['POST', '/api/books', { title: 'Dune', authorId: 1, published: 19.65 }, 400],
        ['POST', '/api/books', { title: 'Dune', authorId: 1, pages: 412 }, 400],
        ['POST', '/api/books', { title: "Dune'); DROP TABLE library_book; --", authorId: 999 }, 400],
        ['POST', '/api/books', { title: 'x'.repeat(1024 * 1024 + 10), authorId: 1 }, 413],
        ['PATCH', '/api/books/1', { published: 'next year' }, 400],
        ['PUT', '/api/books/1', { title: 'No author' }, 400],
        ['POST', '/api/reviews', { bookId: 1, rating: '5; DELETE FROM library_review' }, 400],
        ['GET', "/api/books?title=%27%20OR%20%271%27=%271", undefined, 200],
        ['GET', '/api/books?published__gte=1%3BSELECT%201', undefined, 400],
        ['GET', '/api/books?ordering=title%3BDROP%20TABLE%20library_book', undefined, 400],
        ['GET', '/api/books?author__in=1,x', undefined, 400],
        ['GET', '/api/books?pageSize=-1', undefined, 400],
        ['GET', '/api/books?unknown__icontains=x', undefined, 400],
      ];
      for (const [method, path, body, status] of cases) {
        const answer = await call(env, method, path, body);
        expect(answer.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}: ${answer.text.slice(0, 200)}`).toBe(status);
        if (status === 200) expect(answer.json!['count']).toBe(0); // the quote is a value, not SQL
      }
      expect(await counts()).toEqual(before);
    });

    it('fetch: creates, updates and deletes through modelRoutes and the hand-written POST /books', async () => {
      const created = await call(env, 'POST', '/api/authors', { name: `Ann Leckie (${driver})`, born: 1966 });
      expect(created).toMatchObject({ status: 201, json: { name: `Ann Leckie (${driver})`, born: 1966 } });
      const id = created.json!['id'] as number;
      expect(await call(env, 'POST', '/api/authors', { name: `Ann Leckie (${driver})` })).toMatchObject({ status: 400, json: { errors: { name: ['Author with this Name already exists.'] } } });
      expect(await call(env, 'PATCH', `/api/authors/${id}`, { born: 1967 })).toMatchObject({ status: 200, json: { born: 1967 } });
      const book = await call(env, 'POST', '/books', { title: 'Ancillary Justice', authorId: id, published: 2013, tags: ['science fiction', 'space opera'] });
      expect(book).toMatchObject({ status: 201, json: { title: 'Ancillary Justice', author: { id }, tags: ['science fiction', 'space opera'] } });
      expect(await call(env, 'DELETE', `/books/${book.json!['id']}`)).toMatchObject({ status: 204 });
      expect(await call(env, 'DELETE', `/api/authors/${id}`)).toMatchObject({ status: 204 });
      expect(await call(env, 'GET', `/api/authors/${id}`)).toMatchObject({ status: 404 });
    });

    if (driver === 'neon-ws') {
      it('fetch → queue: a new review is sent to the queue after commit; queue() delivers it to the activity feed', async () => {
        queue.sent.length = 0;
        const activityBefore = await withDb(driver, () => Activity.objects.count());
        const review = await call(env, 'POST', '/api/reviews', { bookId: 2, rating: 4, body: 'From the Worker.' });
        expect(review).toMatchObject({ status: 201, json: { bookId: 2, rating: 4 } });
        expect(review.waitedFor).toBe(2); // ctx.waitUntil: the queue send (after the request's transaction committed) and the connection's close
        expect(queue.sent).toHaveLength(1);
        expect(queue.sent[0]!.body).toEqual({ id: expect.any(String), using: 'default' });
        const { batch, acked, retried } = queueBatch(queue.sent.map((m) => m.body));
        await worker.queue(batch, env);
        expect({ acked, retried }).toEqual({ acked: [0], retried: [] });
        expect(await withDb(driver, () => Activity.objects.count())).toBe(activityBefore + 1);
        const feed = await call(env, 'GET', '/activity');
        expect(feed.json!['results'][0]).toMatchObject({ verb: 'reviewed', summary: '★★★★ for book 2', target: { id: review.json!['id'], body: 'From the Worker.' } });
        // the content type came through the KV tier of the content-type cache, under the stable alias
        expect([...kv.entries.keys()].some((key) => key.includes(':default:') && key.includes('library.review'))).toBe(true);
        // a redelivered message (at least once) adds nothing
        const again = queueBatch(queue.sent.map((m) => m.body));
        await worker.queue(again.batch, env);
        expect(again.acked).toEqual([0]);
        expect(await withDb(driver, () => Activity.objects.count())).toBe(activityBefore + 1);
      });

      it('session({ atomic: true }) in workerd: a thrown error or a 5xx answer rolls the request back', async () => {
        const app = new Hono();
        app.use(session({ atomic: true }));
        app.onError(errorHandler);
        app.post('/tags/:name', async (c) => {
          await Tag.objects.create({ name: c.req.param('name') });
          if (c.req.query('fail') === 'throw') throw new Error('after the write');
          if (c.req.query('fail') === '503') return c.json({ detail: 'Unavailable.' }, 503);
          return c.json({ queries: c.var.session.queries.length }, 201);
        });
        const request = (name: string, fail?: string) =>
          withDb(driver, async () => app.request(`/tags/${name}${fail ? `?fail=${fail}` : ''}`, { method: 'POST' }));
        const quiet = console.error;
        console.error = () => undefined;
        try {
          expect((await request('thrown', 'throw')).status).toBe(500);
        } finally {
          console.error = quiet;
        }
        expect((await request('unavailable', '503')).status).toBe(503);
        const kept = await request('kept');
        expect(kept.status).toBe(201);
        expect(await kept.json()).toEqual({ queries: 1 });
        const names = await withDb(driver, async () => (await Tag.objects.filter({ name__in: ['thrown', 'unavailable', 'kept'] })).map((t) => t.name));
        expect(names).toEqual(['kept']);
      });
    }

    it('scheduled: drains pending events (a lost queue message, no queue at all)', async () => {
      const activityBefore = await withDb(driver, () => Activity.objects.count());
      await withDb(driver, async () => storePendingEvent((await Review.objects.orderBy('id').first())!));
      const { ctx, settle } = executionContext();
      await worker.scheduled({ cron: '*/5 * * * *', scheduledTime: Date.now() }, env, ctx);
      await settle();
      expect(await withDb(driver, () => Activity.objects.count())).toBe(activityBefore + 1);
      expect(await withDb(driver, async (db) => (await db.drizzle.select().from(signalEvents)).filter((e) => e.status !== 'delivered'))).toEqual([]);
    });

    it('queue: a batch is delivered on the consumer\'s own connection; unknown messages are acked', async () => {
      const activityBefore = await withDb(driver, () => Activity.objects.count());
      const id = await withDb(driver, async () => storePendingEvent((await Review.objects.orderBy('-id').first())!));
      const { batch, acked, retried } = queueBatch([{ id, using: 'request-1234' }, { something: 'else' }]);
      await worker.queue(batch, env);
      expect({ acked: acked.sort(), retried }).toEqual({ acked: [0, 1], retried: [] });
      expect(await withDb(driver, () => Activity.objects.count())).toBe(activityBefore + 1);
    });
  });
}
