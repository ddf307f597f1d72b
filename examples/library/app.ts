/**
 * The library's JSON API: a Hono app whose handlers use djazzle's QuerySets the way Django views
 * use the ORM. It runs on the `'default'` connection (`await connect()` in `server.ts`,
 * `testDatabase()` in the tests).
 *
 *   GET    /authors             authors with their number of books   annotate(Count('books'))
 *   GET    /authors/:id         one author with their books          prefetchRelated('books')
 *   GET    /books?search=term   books, title contains term           selectRelated('author'), prefetchRelated('tags')
 *   POST   /books               create a book                        { title, authorId, published?, tags? }
 *   GET    /tags/:name/books    the books carrying a tag             tag.bookSet (a related manager)
 *   DELETE /books/:id           delete a book (its reviews cascade)  book.delete()
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { atomic, Count, ObjectDoesNotExist } from 'djazzle';
import { Author, Book, Tag } from './models.js';

type Json = Record<string, unknown>;

const NOT_FOUND = { detail: 'Not found.' } as const;
const MAX_INT = 2_147_483_647;
const BODY_KEYS = ['title', 'authorId', 'published', 'tags'] as const;

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

interface BookInput {
  title: string;
  authorId: number;
  published: number | null;
  tags: string[];
}

/** Checks a POST /books body; answers `{ errors: { field: [messages] } }` as Django REST framework does. */
async function validateBook(body: unknown): Promise<{ ok: true; data: BookInput } | { ok: false; errors: Record<string, string[]> }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: { non_field_errors: ['Invalid data. Expected a dictionary, but got ' + (Array.isArray(body) ? 'list' : typeof body) + '.'] } };
  }
  const input = body as Json;
  const errors: Record<string, string[]> = {};
  const fail = (field: string, message: string) => (errors[field] ??= []).push(message);

  for (const key of Object.keys(input)) {
    if (!(BODY_KEYS as readonly string[]).includes(key)) fail(key, `Unknown field. Allowed fields: ${BODY_KEYS.join(', ')}.`);
  }
  const { title, authorId, published, tags } = input;
  if (title === undefined || title === null) fail('title', 'This field is required.');
  else if (typeof title !== 'string') fail('title', 'Not a valid string.');
  else if (title.trim() === '') fail('title', 'This field may not be blank.');
  else if (title.length > 200) fail('title', 'Ensure this field has no more than 200 characters.');

  if (authorId === undefined || authorId === null) fail('authorId', 'This field is required.');
  else if (typeof authorId !== 'number' || !Number.isInteger(authorId)) fail('authorId', `Incorrect type. Expected pk value, received ${typeof authorId}.`);
  else if (authorId < 1 || authorId > MAX_INT || !(await Author.objects.filter({ pk: authorId }).exists())) {
    fail('authorId', `Invalid pk "${authorId}" - object does not exist.`);
  }

  if (published !== undefined && published !== null && (typeof published !== 'number' || !Number.isInteger(published) || Math.abs(published) > MAX_INT)) {
    fail('published', 'A valid integer is required.');
  }

  if (tags !== undefined && !Array.isArray(tags)) fail('tags', `Expected a list of items but got type "${typeof tags}".`);
  else if (Array.isArray(tags)) {
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 50) {
        fail('tags', 'Each tag must be a non-empty string of at most 50 characters.');
        break;
      }
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    data: {
      title: (title as string).trim(),
      authorId: authorId as number,
      published: (published as number | null | undefined) ?? null,
      tags: [...new Set(((tags as string[] | undefined) ?? []).map((t) => t.trim()))],
    },
  };
}

export function createApp(): Hono {
  const app = new Hono();

  app.get('/', (c) =>
    c.json({ authors: '/authors', author: '/authors/:id', books: '/books?search=term', tagBooks: '/tags/:name/books' }),
  );

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
      const result = await validateBook(body);
      if (!result.ok) return c.json({ errors: result.errors }, 400);
      const { tags, ...fields } = result.data;
      // One transaction: the book, its tags (Tag.objects.get_or_create) and the m2m rows.
      const id = await atomic(async () => {
        const book = await Book.objects.create(fields);
        const tagObjects = [];
        for (const name of tags) tagObjects.push((await Tag.objects.getOrCreate({ name }))[0]);
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

  app.notFound((c) => c.json(NOT_FOUND, 404));
  app.onError((error, c: Context) => {
    // Model.DoesNotExist extends ObjectDoesNotExist: Django's Http404 from get_object_or_404.
    if (error instanceof ObjectDoesNotExist) return c.json(NOT_FOUND, 404);
    console.error(`${c.req.method} ${c.req.path} failed:`, error);
    return c.json({ detail: 'Internal server error.' }, 500);
  });

  return app;
}

export const app = createApp();
