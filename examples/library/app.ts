/**
 * The library's JSON API: a Hono app on `djazzle/hono`. Every request runs in a djazzle session
 * (one transaction per request where the driver has them, Django's `ATOMIC_REQUESTS`), errors
 * answer as Django REST framework does, and two kinds of routes share it:
 *
 * REST resources (`modelRoutes`: list with filters, ordering, search and pages; retrieve; create;
 * update; delete; bodies validated by `djazzle/forms`):
 *
 *   /api/authors   ?name__icontains= ?born__gte= ?ordering=-born ?search=
 *   /api/books     ?title__icontains= ?author= ?author__name__icontains= ?tags__name= ?published__gte= ?ordering= ?search=
 *   /api/tags      /api/reviews
 *
 * Hand-written views, the way Django views use the ORM:
 *
 *   GET    /authors             authors with their number of books   annotate(Count('books'))
 *   GET    /authors/:id         one author with their books          prefetchRelated('books')
 *   GET    /books?search=term   books, title contains term           selectRelated('author'), prefetchRelated('tags')
 *   POST   /books               create a book with its tags          validate(Book, …), getOrCreate, book.tags.add
 *   GET    /tags/:name/books    the books carrying a tag             tag.bookSet (a related manager)
 *   DELETE /books/:id           delete a book (its reviews cascade)  book.delete()
 *   GET    /activity            the feed a durable subscriber writes (subscribers.ts)
 *
 * `createApp({ db })` takes the connection (default: `'default'`, as `npm start` opens it); the
 * Worker (`functions/http.ts`) hands it a connection opened for each request.
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { atomic, Count } from 'djazzle';
import { validate } from 'djazzle/forms';
import { type ConnectionSource, errorHandler, modelRoutes, session } from 'djazzle/hono';
import { Activity, Author, Book, Review, Tag } from './models.js';
import './subscribers.js';

type Json = Record<string, unknown>;

const NOT_FOUND = { detail: 'Not found.' } as const;
const MAX_INT = 2_147_483_647;

export interface LibraryAppOptions {
  /** The connection, or a function of the request context answering one. Default `'default'`. */
  db?: ConnectionSource;
  /** One transaction per request. Default `true` (turn it off for `neon-http`, which has none). */
  atomic?: boolean;
}

/** A path id as a primary key value, or `null` (answered with 404, as an unknown row is). */
function parseId(raw: string): number | null {
  if (!/^\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= MAX_INT ? id : null;
}

/** The JSON of a book with its author and tag names (both loaded by the QuerySet beforehand). */
async function bookJSON(book: Book): Promise<Json> {
  const tags = await book.tags.all(); // answered from the prefetch cache: no query
  return { ...book.toJSON(), author: book.author?.toJSON() ?? null, tags: tags.map((t) => t.name) };
}

/** The `tags` of a POST /books body: a list of non-empty strings of at most 50 characters. */
function checkTags(tags: unknown): { tags: string[] } | { error: string } {
  if (tags === undefined) return { tags: [] };
  if (!Array.isArray(tags)) return { error: `Expected a list of items but got type "${typeof tags}".` };
  if (!tags.every((tag) => typeof tag === 'string' && tag.trim() !== '' && tag.length <= 50)) {
    return { error: 'Each tag must be a non-empty string of at most 50 characters.' };
  }
  return { tags: [...new Set(tags.map((tag: string) => tag.trim()))] };
}

/** Runs `fn` in a transaction where the request's driver has them (`neon-http` has none). */
function inTransaction<T>(c: Context, fn: () => Promise<T>): Promise<T> {
  return c.var.session.connection.capabilities.interactiveTransactions ? atomic(fn) : fn();
}

export function createApp(options: LibraryAppOptions = {}): Hono {
  const app = new Hono();
  app.use(session({ db: options.db, atomic: options.atomic ?? true }));
  app.onError(errorHandler); // DoesNotExist → 404, ValidationError → 400, IntegrityError → 409, else 500
  app.notFound((c) => c.json(NOT_FOUND, 404));

  app.get('/', (c) =>
    c.json({
      api: { authors: '/api/authors', books: '/api/books', tags: '/api/tags', reviews: '/api/reviews' },
      views: { authors: '/authors', author: '/authors/:id', books: '/books?search=term', tagBooks: '/tags/:name/books', activity: '/activity' },
    }),
  );

  // ---- REST resources --------------------------------------------------------------------
  app.route('/api/authors', modelRoutes(Author, {
    filterFields: { name: ['exact', 'icontains'], born: ['exact', 'gte', 'lte', 'isnull'] },
    orderingFields: ['name', 'born'],
    searchFields: ['name'],
  }));
  app.route('/api/books', modelRoutes(Book, {
    filterFields: { title: ['exact', 'icontains'], published: ['exact', 'gte', 'lte', 'isnull'], author: ['exact', 'in'], author__name: ['icontains'], tags__name: ['exact'] },
    orderingFields: ['title', 'published', 'createdAt', 'author__name'],
    searchFields: ['title', 'author__name'],
    selectRelated: ['author'],
  }));
  app.route('/api/tags', modelRoutes(Tag, { orderingFields: ['name'], searchFields: ['^name'] }));
  app.route('/api/reviews', modelRoutes(Review, {
    filterFields: { book: ['exact'], rating: ['exact', 'gte', 'lte'] },
    orderingFields: ['rating', 'id'],
    pageSize: 10,
    maxPageSize: 50,
  }));

  // ---- hand-written views --------------------------------------------------------------------

  // Django: Author.objects.annotate(Count('books'))
  app.get('/authors', async (c) => {
    const authors = await Author.objects.annotate(Count('books'));
    return c.json({
      count: authors.length,
      results: authors.map((a) => ({ ...a.toJSON(), bookCount: Number(a.books__count) })),
    });
  });

  // Django: Author.objects.prefetch_related('books').get(pk=id): two queries, whatever the number of books.
  app.get('/authors/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (id === null) return c.json(NOT_FOUND, 404);
    const author = await Author.objects.prefetchRelated('books').get({ pk: id });
    const books = await author.books.all(); // from the prefetch cache
    return c.json({ ...author.toJSON(), books: books.map((b) => b.toJSON()) });
  });

  // Django: Book.objects.filter(title__icontains=search).select_related('author').prefetch_related('tags')
  app.get('/books', async (c) => {
    const search = c.req.query('search')?.trim();
    let books = Book.objects.selectRelated('author').prefetchRelated('tags');
    if (search) books = books.filter({ title__icontains: search });
    const results = await Promise.all((await books).map(bookJSON));
    return c.json({ count: results.length, results });
  });

  // A ModelForm plus a many-to-many field: validate(Book, …) checks types, lengths, validators,
  // clean() and the author's existence; the tags are checked here.
  app.post(
    '/books',
    bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ detail: 'Request body too large.' }, 413) }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ detail: 'Malformed JSON.' }, 400);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return c.json({ detail: `Invalid data. Expected an object, but got ${Array.isArray(body) ? 'list' : body === null ? 'null' : typeof body}.` }, 400);
      }
      const { tags: rawTags, ...fields } = body as Json;
      if (typeof fields['title'] === 'string') fields['title'] = fields['title'].trim();
      const result = await validate(Book, fields, { fields: ['title', 'authorId', 'published'] });
      const tags = checkTags(rawTags);
      const errors = { ...(result.success ? {} : result.errors), ...('error' in tags ? { tags: [tags.error] } : {}) };
      if (!result.success || 'error' in tags) return c.json({ errors }, 400);
      // One transaction: the book, its tags (Tag.objects.get_or_create) and the m2m rows.
      const id = await inTransaction(c, async () => {
        const book = await Book.objects.create(result.data);
        const tagObjects = [];
        for (const name of tags.tags) tagObjects.push((await Tag.objects.getOrCreate({ name }))[0]);
        if (tagObjects.length > 0) await book.tags.add(...tagObjects);
        return book.id;
      });
      const created = await Book.objects.selectRelated('author').prefetchRelated('tags').get({ pk: id });
      return c.json(await bookJSON(created), 201);
    },
  );

  // Django: tag = Tag.objects.get(name=name); tag.book_set.select_related('author')
  app.get('/tags/:name/books', async (c) => {
    const tag = await Tag.objects.get({ name: c.req.param('name') });
    const books = await tag.bookSet.selectRelated('author').prefetchRelated('tags');
    const results = await Promise.all(books.map(bookJSON));
    return c.json({ tag: tag.toJSON(), count: results.length, results });
  });

  // Django: Book.objects.get(pk=id).delete(): the collector deletes reviews and tag links first.
  app.delete('/books/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (id === null) return c.json(NOT_FOUND, 404);
    const book = await Book.objects.get({ pk: id });
    await book.delete();
    return c.body(null, 204);
  });

  // The feed the durable subscriber writes after each new review; `target` is a generic relation
  // (prefetchRelated: one query per content type).
  app.get('/activity', async (c) => {
    const entries = await Activity.objects.prefetchRelated('target').slice(0, 50);
    return c.json({
      count: entries.length,
      results: entries.map((a) => ({ ...a.toJSON(), target: (a as unknown as { target: Review | null }).target?.toJSON() ?? null })),
    });
  });

  return app;
}

export const app = createApp();
