/**
 * The library example (examples/library): every route through `app.request()` against an
 * in-memory database, and `server.ts --check` (what `npm start` runs) as a subprocess.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from 'djazzle';
import { settleDeliveries } from 'djazzle/signals';
import { expectNumQueries, testDatabase } from 'djazzle/testing';
import { app } from '../examples/library/app.js';
import { Activity, Author, Book, libraryModels, Review, Tag } from '../examples/library/models.js';
import { seed } from '../examples/library/seed.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let db: Connection;

beforeAll(async () => {
  db = await testDatabase({ models: [...libraryModels] });
});
afterAll(() => db?.close());
beforeEach(async () => {
  await settleDeliveries(); // the durable subscriber's in-process deliveries of the previous test
  await db.truncate(); // ids restart at 1: Le Guin is author 1, 'A Wizard of Earthsea' book 1
  await seed(db, { log: () => {} });
  await settleDeliveries();
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Json | null }> {
  const init: RequestInit = { method };
  if (body !== undefined) Object.assign(init, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const response = await app.request(url, init);
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : null };
}

describe('library example: routes', () => {
  it('GET /authors lists authors by name with their number of books', async () => {
    const { status, json } = await expectNumQueries(1, () => call('GET', '/authors'));
    expect(status).toBe(200);
    expect(json!['count']).toBe(4);
    expect(json!['results'].map((a: Json) => [a['name'], a['bookCount']])).toEqual([
      ['Octavia E. Butler', 1],
      ['Ted Chiang', 0],
      ['Terry Pratchett', 2],
      ['Ursula K. Le Guin', 3],
    ]);
    expect(json!['results'][0]).toEqual({ id: 3, name: 'Octavia E. Butler', born: 1947, bookCount: 1 });
  });

  it('GET /authors/:id answers the author with their books (two queries)', async () => {
    const { status, json } = await expectNumQueries(2, () => call('GET', '/authors/1'));
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: 1, name: 'Ursula K. Le Guin', born: 1929 });
    expect(json!['books'].map((b: Json) => b['title'])).toEqual(['A Wizard of Earthsea', 'The Dispossessed', 'The Left Hand of Darkness']);
    expect(json!['books'][0]).toMatchObject({ id: 1, authorId: 1, published: 1968 });
    expect(typeof json!['books'][0]['createdAt']).toBe('string');
    expect(new Date(json!['books'][0]['createdAt']).toISOString()).toBe(json!['books'][0]['createdAt']);
  });

  it('GET /authors/:id is 404 for a missing or malformed id', async () => {
    for (const id of ['9999', 'abc', '0', '-1', '99999999999']) {
      expect(await call('GET', `/authors/${id}`), id).toEqual({ status: 404, json: { detail: 'Not found.' } });
    }
  });

  it('GET /books lists books with author and tags (two queries)', async () => {
    const { status, json } = await expectNumQueries(2, () => call('GET', '/books'));
    expect(status).toBe(200);
    expect(json!['count']).toBe(6);
    const kindred = json!['results'].find((b: Json) => b['title'] === 'Kindred');
    expect(kindred).toMatchObject({
      published: 1979,
      author: { name: 'Octavia E. Butler', born: 1947 },
      tags: ['classic', 'science fiction'],
    });
    expect(kindred['authorId']).toBe(kindred['author']['id']);
  });

  it('GET /books?search= filters on the title, case-insensitively', async () => {
    const the = await call('GET', '/books?search=the');
    expect(the.json!['results'].map((b: Json) => b['title'])).toEqual(['The Dispossessed', 'The Left Hand of Darkness']);
    const upper = await call('GET', `/books?search=${encodeURIComponent('EARTHSEA')}`);
    expect(upper.json!['results'].map((b: Json) => b['title'])).toEqual(['A Wizard of Earthsea']);
    const percent = await call('GET', `/books?search=${encodeURIComponent('%')}`);
    expect(percent.json).toEqual({ count: 0, results: [] }); // % is matched literally, not as a wildcard
    const blank = await call('GET', '/books?search=');
    expect(blank.json!['count']).toBe(6);
  });

  it('POST /books creates a book with its tags and answers 201', async () => {
    const { status, json } = await call('POST', '/books', { title: '  Exhalation ', authorId: 4, published: 2019, tags: ['science fiction', 'short stories', 'short stories'] });
    expect(status).toBe(201);
    expect(json).toMatchObject({ title: 'Exhalation', authorId: 4, published: 2019, author: { name: 'Ted Chiang' }, tags: ['science fiction', 'short stories'] });
    expect(await Book.objects.filter({ author__name: 'Ted Chiang' }).count()).toBe(1);
    expect(await Tag.objects.count()).toBe(5);
    const byTag = await call('GET', '/tags/short stories/books');
    expect(byTag.json!['results'].map((b: Json) => b['id'])).toEqual([json!['id']]);
    const author = await call('GET', '/authors/4');
    expect(author.json!['books'].map((b: Json) => b['title'])).toEqual(['Exhalation']);
  });

  it('POST /books without tags or published', async () => {
    const { status, json } = await call('POST', '/books', { title: 'Stories of Your Life', authorId: 4 });
    expect(status).toBe(201);
    expect(json).toMatchObject({ published: null, tags: [] });
  });

  it('POST /books answers 400 on a bad body and writes nothing', async () => {
    const before = await Book.objects.count();
    const cases: Array<[unknown, Json]> = [
      [{}, { errors: { title: ['This field is required.'], authorId: ['This field is required.'] } }],
      [{ title: '', authorId: 1 }, { errors: { title: ['This field cannot be blank.'] } }],
      [{ title: '   ', authorId: 1 }, { errors: { title: ['This field cannot be blank.'] } }],
      [{ title: 'x'.repeat(201), authorId: 1 }, { errors: { title: ['Ensure this value has at most 200 characters (it has 201).'] } }],
      [{ title: 7, authorId: '1' }, { errors: { title: ['Not a valid string.'], authorId: ['“1” value must be an integer.'] } }],
      [{ title: 'Ghost', authorId: 9999 }, { errors: { authorId: ['author instance with id 9999 does not exist.'] } }],
      [{ title: 'Ghost', authorId: 1, published: 'soon' }, { errors: { published: ['“soon” value must be an integer.'] } }],
      [{ title: 'Ghost', authorId: 1, published: 3000 }, { errors: { published: ['3000 is in the future.'] } }], // a field validator
      [{ title: 'Ghost', authorId: 1, published: 1900 }, { errors: { published: ['1900 is before the author was born (1929).'] } }], // Book.clean()
      [{ title: 'Ghost', authorId: 1, tags: 'fantasy' }, { errors: { tags: ['Expected a list of items but got type "string".'] } }],
      [{ title: 'Ghost', authorId: 1, tags: [''] }, { errors: { tags: ['Each tag must be a non-empty string of at most 50 characters.'] } }],
      [{ title: 'Ghost', authorId: 1, isbn: '123' }, { errors: { isbn: ['Unknown field.'] } }],
      [[{ title: 'Ghost', authorId: 1 }], { detail: 'Invalid data. Expected an object, but got list.' }],
      ['{"title": ', { detail: 'Malformed JSON.' }],
    ];
    for (const [body, expected] of cases) {
      expect(await call('POST', '/books', body), JSON.stringify(body)).toEqual({ status: 400, json: expected });
    }
    expect(await Book.objects.count()).toBe(before);
    expect(await Tag.objects.count()).toBe(4);
  });

  it('GET /tags/:name/books lists the books carrying a tag', async () => {
    const { status, json } = await call('GET', '/tags/fantasy/books');
    expect(status).toBe(200);
    expect(json!['tag']).toEqual({ id: expect.any(Number), name: 'fantasy' });
    expect(json!['results'].map((b: Json) => [b['title'], b['author']['name']])).toEqual([
      ['A Wizard of Earthsea', 'Ursula K. Le Guin'],
      ['Guards! Guards!', 'Terry Pratchett'],
      ['Small Gods', 'Terry Pratchett'],
    ]);
    expect(await call('GET', '/tags/science%20fiction/books')).toMatchObject({ status: 200, json: { count: 3 } });
  });

  it('GET /tags/:name/books is 404 for an unknown tag', async () => {
    expect(await call('GET', '/tags/poetry/books')).toEqual({ status: 404, json: { detail: 'Not found.' } });
  });

  it('DELETE /books/:id deletes the book, its reviews and tag links; 404 afterwards', async () => {
    const guards = await Book.objects.get({ title: 'Guards! Guards!' });
    expect(await Review.objects.filter({ book: guards }).count()).toBe(3);
    const reviewsBefore = await Review.objects.count();
    expect(await call('DELETE', `/books/${guards.id}`)).toEqual({ status: 204, json: null });
    expect(await Book.objects.filter({ pk: guards.id }).exists()).toBe(false);
    expect(await Review.objects.count()).toBe(reviewsBefore - 3);
    expect(await Tag.objects.filter({ name: 'humour' }).count()).toBe(1); // tags stay
    expect((await call('GET', '/tags/humour/books')).json!['count']).toBe(1);
    expect(await call('DELETE', `/books/${guards.id}`)).toEqual({ status: 404, json: { detail: 'Not found.' } });
    expect(await call('DELETE', '/books/abc')).toEqual({ status: 404, json: { detail: 'Not found.' } });
  });

  it('seeds only once', async () => {
    const messages: string[] = [];
    expect(await seed(db, { log: (m) => messages.push(m) })).toEqual({ created: false });
    expect(messages.at(-1)).toBe('seed: data already present (4 authors, 6 books); nothing to do');
    expect(await Book.objects.count()).toBe(6);
  });

  it('answers 404 for an unknown route', async () => {
    expect(await call('GET', '/publishers')).toEqual({ status: 404, json: { detail: 'Not found.' } });
  });

  it('answers 500 without SQL or stack when the database fails', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await db.execute('DROP TABLE library_book_tags');
      const response = await app.request('/books');
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('{"detail":"Internal server error."}');
      expect(logged).toHaveBeenCalled(); // the error is logged on the server side
    } finally {
      logged.mockRestore();
      await db.createTables(...libraryModels); // for the tests that follow
    }
  });
});

describe('library example: REST routes (djazzle/hono modelRoutes)', () => {
  it('GET /api/books filters, orders, searches across the author and pages with links', async () => {
    const page1 = await call('GET', '/api/books?ordering=-published&pageSize=2');
    expect(page1.status).toBe(200);
    expect(page1.json).toMatchObject({ count: 6, previous: null });
    expect(page1.json!['results'].map((b: Json) => b['title'])).toEqual(['Small Gods', 'Guards! Guards!']);
    expect(page1.json!['next']).toBe('http://localhost/api/books?ordering=-published&pageSize=2&page=2');
    const page3 = await call('GET', '/api/books?ordering=-published&pageSize=2&page=3');
    expect(page3.json!['results'].map((b: Json) => b['title'])).toEqual(['The Left Hand of Darkness', 'A Wizard of Earthsea']);
    expect(page3.json).toMatchObject({ next: null, previous: 'http://localhost/api/books?ordering=-published&pageSize=2&page=2' });
    const leGuin = await call('GET', '/api/books?author__name__icontains=le%20guin&published__gte=1969&ordering=title');
    expect(leGuin.json!['results'].map((b: Json) => b['title'])).toEqual(['The Dispossessed', 'The Left Hand of Darkness']);
    const search = await call('GET', '/api/books?search=pratchett%20gods');
    expect(search.json!['results'].map((b: Json) => b['title'])).toEqual(['Small Gods']);
    const byTag = await call('GET', '/api/books?tags__name=classic&ordering=title');
    expect(byTag.json!['results'].map((b: Json) => b['title'])).toEqual(['A Wizard of Earthsea', 'Kindred', 'The Left Hand of Darkness']);
    expect(byTag.json!['results'][0]).toEqual({ id: 1, title: 'A Wizard of Earthsea', published: 1968, authorId: 1, createdAt: expect.any(String) });
  });

  it('GET /api/books answers 400 naming what is allowed, and 404 past the last page', async () => {
    expect(await call('GET', '/api/books?isbn=1')).toEqual({
      status: 400,
      json: { detail: "Unknown filter 'isbn'. Allowed filters: author, author__exact, author__in, author__name__icontains, published, published__exact, published__gte, published__isnull, published__lte, tags__name, tags__name__exact, title, title__exact, title__icontains." },
    });
    expect(await call('GET', '/api/books?ordering=id;DROP%20TABLE%20library_book')).toEqual({
      status: 400,
      json: { detail: "Unknown ordering field 'id;DROP TABLE library_book'. Allowed: author__name, createdAt, published, title." },
    });
    expect(await call('GET', '/api/books?published__gte=1969%27%20OR%201=1')).toEqual({ status: 400, json: { errors: { published__gte: ["“1969' OR 1=1” value must be an integer."] } } });
    expect(await call('GET', '/api/books?page=9')).toEqual({ status: 404, json: { detail: 'Invalid page.' } });
    expect(await Book.objects.count()).toBe(6);
  });

  it('POST /api/reviews validates, creates, and the durable subscriber records it in the feed', async () => {
    const before = await Activity.objects.count();
    expect(before).toBe(8); // one per seeded review
    expect(await call('POST', '/api/reviews', { bookId: 1, rating: 6 })).toEqual({ status: 400, json: { errors: { rating: ['Value 6 is not a valid choice.'] } } });
    expect(await call('POST', '/api/reviews', { bookId: 99, rating: 5 })).toEqual({ status: 400, json: { errors: { bookId: ['book instance with id 99 does not exist.'] } } });
    const created = await call('POST', '/api/reviews', { bookId: 6, rating: 3, body: 'Fine.' });
    expect(created).toEqual({ status: 201, json: { id: 9, bookId: 6, rating: 3, body: 'Fine.' } });
    await settleDeliveries();
    expect(await Activity.objects.count()).toBe(before + 1);
    const feed = await call('GET', '/activity');
    expect(feed.json!['results'][0]).toMatchObject({ verb: 'reviewed', summary: '★★★ for book 6', objectId: 9, target: { id: 9, bookId: 6, rating: 3, body: 'Fine.' } });
  });

  it('POST /api/authors answers a unique clash as 400 before writing; PATCH and DELETE', async () => {
    expect(await call('POST', '/api/authors', { name: 'Ted Chiang' })).toEqual({ status: 400, json: { errors: { name: ['Author with this Name already exists.'] } } });
    expect(await call('POST', '/api/authors', { name: 'N. K. Jemisin', born: 2999 })).toEqual({ status: 400, json: { errors: { born: ['2999 is in the future.'] } } });
    expect(await Author.objects.count()).toBe(4);
    const jemisin = await call('POST', '/api/authors', { name: 'N. K. Jemisin', born: 1972, id: 77 }); // id is read-only: ignored
    expect(jemisin).toEqual({ status: 201, json: { id: 5, name: 'N. K. Jemisin', born: 1972 } });
    expect(await call('PATCH', '/api/authors/5', { born: 1973 })).toEqual({ status: 200, json: { id: 5, name: 'N. K. Jemisin', born: 1973 } });
    expect(await call('PUT', '/api/authors/5', { born: 1972 })).toEqual({ status: 400, json: { errors: { name: ['This field is required.'] } } });
    expect(await call('DELETE', '/api/authors/2')).toEqual({ status: 204, json: null }); // Pratchett: his books cascade
    expect(await Book.objects.count()).toBe(4);
    expect(await call('GET', '/api/authors/2')).toEqual({ status: 404, json: { detail: 'Not found.' } });
  });
});

describe('library example: server.ts --check', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'djazzle-example-'));
  });
  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  // `npx tsx examples/library/server.ts --check`, run with node + tsx's CLI directly: in a temporary
  // working directory (so that the embedded database lands in <tmp>/.djazzle/db) npx would not
  // find the project's tsx and would try the registry instead.
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  const server = fileURLToPath(new URL('../examples/library/server.ts', import.meta.url));
  const run = () =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env['DATABASE_URL'];
      delete env['PORT'];
      execFile(process.execPath, [tsxCli, server, '--check'], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  it('seeds the embedded database in ./.djazzle/db, answers the check requests and exits 0', async () => {
    const { code, stdout, stderr } = await run();
    expect(code, stderr + stdout).toBe(0);
    expect(stdout).toContain('connected to the embedded database in ./.djazzle/db');
    expect(stdout).toContain('seed: created 4 authors, 6 books, 4 tags, 8 reviews');
    expect(stdout).toContain('ok   GET /authors -> 200');
    expect(stdout).toContain('check: all requests answered as expected');
    expect(stdout).not.toContain('Listening');
    expect(existsSync(path.join(cwd, '.djazzle', 'db', 'PG_VERSION'))).toBe(true);
  }, 150_000);
});
