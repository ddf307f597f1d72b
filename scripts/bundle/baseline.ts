/**
 * The bundle check's baseline (`scripts/bundle-check.mjs`): a Worker of Hono + Drizzle + the Neon
 * driver (HTTP and WebSocket) that does by hand what `djazzle.ts` does with djazzle: list with a
 * filter, ordering and pages, retrieve, create in a transaction, update, delete.
 */
import { Pool, neon } from '@neondatabase/serverless';
import { count, desc, eq, ilike } from 'drizzle-orm';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs } from 'drizzle-orm/neon-serverless';
import { integer, pgTable, serial, timestamp, varchar } from 'drizzle-orm/pg-core';
import { Hono } from 'hono';

const authors = pgTable('bundle_author', { id: serial('id').primaryKey(), name: varchar('name', { length: 100 }).notNull().unique() });
const books = pgTable('bundle_book', {
  id: serial('id').primaryKey(),
  title: varchar('title', { length: 200 }).notNull(),
  authorId: integer('author_id').notNull().references(() => authors.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

type Env = { Bindings: { DATABASE_URL: string } };
const app = new Hono<Env>();
const http = (url: string) => drizzleHttp(neon(url));

app.get('/books', async (c) => {
  const db = http(c.env.DATABASE_URL);
  const search = c.req.query('search');
  const page = Math.max(1, Number(c.req.query('page') ?? 1) || 1);
  const where = search ? ilike(books.title, `%${search}%`) : undefined;
  const [total] = await db.select({ n: count() }).from(books).where(where);
  const results = await db.select().from(books).where(where).orderBy(desc(books.createdAt)).limit(20).offset((page - 1) * 20);
  return c.json({ count: total?.n ?? 0, results });
});
app.get('/books/:id', async (c) => {
  const [book] = await http(c.env.DATABASE_URL).select().from(books).where(eq(books.id, Number(c.req.param('id'))));
  return book ? c.json(book) : c.json({ detail: 'Not found.' }, 404);
});
app.post('/books', async (c) => {
  const body = await c.req.json<{ title: string; author: string }>();
  const pool = new Pool({ connectionString: c.env.DATABASE_URL });
  try {
    const book = await drizzleWs(pool).transaction(async (tx) => {
      const [author] = await tx.insert(authors).values({ name: body.author }).onConflictDoNothing().returning();
      const id = author?.id ?? (await tx.select().from(authors).where(eq(authors.name, body.author)))[0]!.id;
      return (await tx.insert(books).values({ title: body.title, authorId: id }).returning())[0];
    });
    return c.json(book, 201);
  } finally {
    c.executionCtx.waitUntil(pool.end());
  }
});
app.patch('/books/:id', async (c) => {
  const body = await c.req.json<{ title: string }>();
  const [book] = await http(c.env.DATABASE_URL).update(books).set({ title: body.title }).where(eq(books.id, Number(c.req.param('id')))).returning();
  return book ? c.json(book) : c.json({ detail: 'Not found.' }, 404);
});
app.delete('/books/:id', async (c) => {
  await http(c.env.DATABASE_URL).delete(books).where(eq(books.id, Number(c.req.param('id'))));
  return c.body(null, 204);
});

export default app;
