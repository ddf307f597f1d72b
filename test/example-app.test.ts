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
import { expectNumQueries, testDatabase } from 'djazzle/testing';
import { app } from '../examples/library/app.js';
import { Book, libraryModels, Review, Tag } from '../examples/library/models.js';
import { seed } from '../examples/library/seed.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let db: Connection;

beforeAll(async () => {
  db = await testDatabase({ models: [...libraryModels] });
});
afterAll(() => db?.close());
beforeEach(async () => {
  await db.truncate(); // ids restart at 1: Le Guin is author 1, 'A Wizard of Earthsea' book 1
  await seed(db, { log: () => {} });
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
      [{ title: '', authorId: 1 }, { errors: { title: ['This field may not be blank.'] } }],
      [{ title: 'x'.repeat(201), authorId: 1 }, { errors: { title: ['Ensure this field has no more than 200 characters.'] } }],
      [{ title: 7, authorId: '1' }, { errors: { title: ['Not a valid string.'], authorId: ['Incorrect type. Expected pk value, received string.'] } }],
      [{ title: 'Ghost', authorId: 9999 }, { errors: { authorId: ['Invalid pk "9999" - object does not exist.'] } }],
      [{ title: 'Ghost', authorId: 1, published: 'soon' }, { errors: { published: ['A valid integer is required.'] } }],
      [{ title: 'Ghost', authorId: 1, tags: 'fantasy' }, { errors: { tags: ['Expected a list of items but got type "string".'] } }],
      [{ title: 'Ghost', authorId: 1, tags: [''] }, { errors: { tags: ['Each tag must be a non-empty string of at most 50 characters.'] } }],
      [{ title: 'Ghost', authorId: 1, isbn: '123' }, { errors: { isbn: ['Unknown field. Allowed fields: title, authorId, published, tags.'] } }],
      [[{ title: 'Ghost', authorId: 1 }], { errors: { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] } }],
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
