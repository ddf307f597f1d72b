/**
 * The bundle check's Worker with djazzle (`scripts/bundle-check.mjs`): the same two tables as
 * `baseline.ts`, as models, served by `djazzle/hono` (session per request, `modelRoutes` with
 * validation, filters, ordering and pages), on a per-request Neon connection, plus a durable
 * signal subscriber with its queue consumer and scheduled drain.
 */
import { CASCADE, connect, defineApp, ForeignKey, type Manager, Model, runWithConnection } from 'djazzle';
import { errorHandler, modelRoutes, session } from 'djazzle/hono';
import { configureDurableDelivery, consumeQueueBatch, drain, durable, postSave, queueTransport, runWithWaitUntil, type QueueBatchLike, type QueueLike } from 'djazzle/signals';
import { integer, pgTable, serial, timestamp, varchar } from 'drizzle-orm/pg-core';
import { Hono } from 'hono';

const authors = pgTable('bundle_author', { id: serial('id').primaryKey(), name: varchar('name', { length: 100 }).notNull().unique() });
const books = pgTable('bundle_book', {
  id: serial('id').primaryKey(),
  title: varchar('title', { length: 200 }).notNull(),
  authorId: integer('author_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
class Author extends Model(authors, { app: 'bundle' }) {
  declare static objects: Manager<Author>;
}
class Book extends Model(books, { app: 'bundle', fields: { author: ForeignKey(() => Author, { onDelete: CASCADE }) }, meta: { ordering: ['-createdAt'] } }) {
  declare static objects: Manager<Book>;
}
defineApp('bundle', { models: [Author, Book] });
durable(postSave, { sender: Book, name: 'bundle.book-created' }, (event) => console.log('book', event.pk));

interface Env {
  DATABASE_URL: string;
  SIGNAL_EVENTS: QueueLike;
}
interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

const app = new Hono();
app.use(session({ atomic: true }));
app.onError(errorHandler);
app.route('/books', modelRoutes(Book, { filterFields: { title: ['icontains'], author: ['exact'] }, orderingFields: ['createdAt', 'title'], searchFields: ['title', 'author__name'] }));
app.route('/authors', modelRoutes(Author, {}));

async function withDb<T>(env: Env, fn: () => Promise<T>): Promise<T> {
  const db = await connect(env.DATABASE_URL, { driver: 'neon-ws', register: false });
  try {
    return await runWithConnection(db, fn);
  } finally {
    await db.close();
  }
}

export default {
  fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    configureDurableDelivery({ transport: queueTransport(env.SIGNAL_EVENTS) });
    return runWithWaitUntil((p) => ctx.waitUntil(p), () => withDb(env, async () => app.fetch(request, env, ctx as never)));
  },
  queue: (batch: QueueBatchLike, env: Env) => withDb(env, () => consumeQueueBatch(batch)),
  scheduled: (_: unknown, env: Env) => withDb(env, () => drain()),
};
