/** `djazzle/hono` on Node through `app.request()`: the session middleware, errorHandler and modelRoutes. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type Connection, ImproperlyConfigured, IntegrityError, ProtectedError, RestrictedError, Session, ValidationError } from 'djazzle';
import { errorHandler, modelRoutes, REQUEST_SENDER, session } from 'djazzle/hono';
import { requestFinished, requestStarted } from 'djazzle/signals';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';
import { Publisher, ShelfBook, ShelfReview, shelfModels } from './fixtures/shelf.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [...shelfModels] });
});
afterAll(() => db.close());
beforeEach(() => db.truncate());

async function call(app: Hono, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json | null }> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) Object.assign(init, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const response = await app.request(url, init);
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : null };
}

const quietly = async <T>(fn: () => Promise<T>): Promise<T> => {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
};

describe('session() middleware', () => {
  function appWith(options: Parameters<typeof session>[0]) {
    const app = new Hono();
    app.use(session(options));
    app.onError(errorHandler);
    app.post('/publishers/:name', async (c) => {
      const publisher = new Publisher({ name: c.req.param('name') });
      c.var.session.add(publisher); // unit of work: written when the session commits
      if (c.req.query('then') === 'throw') throw new Error('boom');
      if (c.req.query('then') === '500') return c.json({ detail: 'Broken.' }, 500);
      if (c.req.query('then') === '404') return c.json({ detail: 'Nope.' }, 404);
      return c.json({ ok: true }, 201);
    });
    app.post('/saved/:name', async (c) => {
      await Publisher.objects.create({ name: c.req.param('name') }); // Django-style: written at once
      if (c.req.query('then') === 'throw') throw new ValidationError({ name: ['Changed my mind.'] });
      return c.json({ ok: true }, 201);
    });
    app.get('/identity', async (c) => {
      const a = await Publisher.objects.get({ name: 'A' });
      const b = await Publisher.objects.filter({ name: 'A' }).first();
      return c.json({ same: a === b, session: c.var.session instanceof Session, queries: c.var.session.queries.length });
    });
    return app;
  }
  const names = async () => (await Publisher.objects.orderBy('name')).map((p) => p.name);

  it('puts one session per request on c.var.session (an identity map: one instance per row)', async () => {
    await Publisher.objects.create({ name: 'A' });
    expect(await call(appWith({}), 'GET', '/identity')).toEqual({ status: 200, json: { same: true, session: true, queries: 2 } });
  });

  it('commits on success, rolls back on a thrown error or a status of 500 or more', async () => {
    const app = appWith({});
    expect((await call(app, 'POST', '/publishers/kept')).status).toBe(201);
    expect((await call(app, 'POST', '/publishers/also-kept?then=404')).status).toBe(404); // an answered 4xx commits
    expect((await quietly(() => call(app, 'POST', '/publishers/thrown?then=throw'))).status).toBe(500);
    expect((await call(app, 'POST', '/publishers/answered-500?then=500')).status).toBe(500);
    expect(await names()).toEqual(['also-kept', 'kept']);
  });

  it('atomic: the whole request is one transaction; a thrown error rolls back whatever status it maps to', async () => {
    const atomicApp = appWith({ atomic: true });
    expect(await call(atomicApp, 'POST', '/saved/undone?then=throw')).toEqual({ status: 400, json: { errors: { name: ['Changed my mind.'] } } });
    expect(await call(atomicApp, 'POST', '/saved/done')).toEqual({ status: 201, json: { ok: true } });
    const plain = appWith({});
    await call(plain, 'POST', '/saved/autocommitted?then=throw'); // without atomic, Django-style writes autocommit
    expect(await names()).toEqual(['autocommitted', 'done']);
  });

  it('a commit that fails after the answer replaces it with the error\'s answer', async () => {
    await Publisher.objects.create({ name: 'Taken' });
    expect(await call(appWith({}), 'POST', '/publishers/Taken')).toEqual({ status: 409, json: { detail: 'The request conflicts with existing data.' } });
  });

  it('sends requestStarted and requestFinished', async () => {
    const seen: string[] = [];
    const started = requestStarted.connect(({ request }) => void seen.push(`started ${(request as Request).method}`), { sender: REQUEST_SENDER });
    const finished = requestFinished.connect(() => void seen.push('finished'), { sender: REQUEST_SENDER });
    try {
      await call(appWith({}), 'POST', '/publishers/x');
      await quietly(() => call(appWith({}), 'POST', '/publishers/y?then=throw'));
    } finally {
      started();
      finished();
    }
    expect(seen).toEqual(['started POST', 'finished', 'started POST', 'finished']);
  });

  it('takes the connection as an alias or a function of the context', async () => {
    const second = await testDatabase({ models: [...shelfModels], alias: 'second' });
    try {
      await call(appWith({ db: 'second' }), 'POST', '/publishers/elsewhere');
      await call(appWith({ db: () => second }), 'POST', '/publishers/also-elsewhere');
      expect(await Publisher.objects.using('second').count()).toBe(2);
      expect(await Publisher.objects.count()).toBe(0);
    } finally {
      await second.close();
    }
  });
});

describe('errorHandler', () => {
  const app = new Hono();
  app.onError(errorHandler);
  app.get('/missing', async () => void (await Publisher.objects.get({ name: 'nobody' })));
  app.get('/invalid', () => {
    throw new ValidationError({ name: ['Bad.'], __all__: ['Worse.'] });
  });
  app.get('/protected', () => {
    throw new ProtectedError("Cannot delete some instances of model 'Publisher' because they are referenced through protected foreign keys: 'Book.publisher'.", []);
  });
  app.get('/restricted', () => {
    throw new RestrictedError('Restricted.', []);
  });
  app.get('/integrity', () => {
    throw new IntegrityError('duplicate key value violates unique constraint "shelf_publisher_name_key"', { sql: 'insert into "shelf_publisher" …', params: ['x'] });
  });
  app.get('/crash', async () => {
    await db.execute('SELECT * FROM no_such_table');
  });
  app.get('/teapot', () => {
    throw new HTTPException(418, { message: 'I am a teapot' });
  });

  it('maps djazzle errors to answers, and anything else to a 500 without SQL or stack', async () => {
    expect(await call(app, 'GET', '/missing')).toEqual({ status: 404, json: { detail: 'Not found.' } });
    expect(await call(app, 'GET', '/invalid')).toEqual({ status: 400, json: { errors: { name: ['Bad.'], __all__: ['Worse.'] } } });
    expect(await call(app, 'GET', '/protected')).toEqual({ status: 409, json: { detail: "Cannot delete some instances of model 'Publisher' because they are referenced through protected foreign keys: 'Book.publisher'." } });
    expect(await call(app, 'GET', '/restricted')).toEqual({ status: 409, json: { detail: 'Restricted.' } });
    expect(await call(app, 'GET', '/integrity')).toEqual({ status: 409, json: { detail: 'The request conflicts with existing data.' } });
    const crash = await quietly(async () => app.request('/crash'));
    expect(crash.status).toBe(500);
    expect(await crash.text()).toBe('{"detail":"Internal server error."}');
    const teapot = await app.request('/teapot');
    expect([teapot.status, await teapot.text()]).toEqual([418, 'I am a teapot']);
  });
});

describe('modelRoutes', () => {
  const app = new Hono();
  app.use(session({ atomic: true }));
  app.route('/books', modelRoutes(ShelfBook, {
    readOnlyFields: ['edition'],
    filterFields: {
      title: ['exact', 'icontains'], pages: ['gte', 'lte', 'isnull', 'range'], id: ['in'], genre: ['exact'],
      published: ['year', 'date', 'gte'], publisher__name: ['iexact', 'icontains'], reviews__stars: ['gte'], inPrint: ['exact'],
    },
    orderingFields: ['title', 'pages', 'published', 'publisher__name'],
    searchFields: ['title', 'publisher__name', '^subtitle', 'reviews__body'],
    pageSize: 2,
    maxPageSize: 3,
    selectRelated: ['publisher'],
  }));
  app.route('/publishers', modelRoutes(Publisher, { fields: ['name'], prefetchRelated: ['books'], serialize: (p: Publisher) => ({ id: p.id, name: p.name, books: p.books.all().resultCache?.length ?? null }) }));
  app.route('/gollancz-books', modelRoutes(ShelfBook, { fields: ['title', 'pages'], queryset: () => ShelfBook.objects.filter({ publisher__name: 'Gollancz' }) }));
  app.route('/reviews', modelRoutes(ShelfReview, {}));

  let gollancz: Publisher;
  let tor: Publisher;
  beforeEach(async () => {
    gollancz = await Publisher.objects.create({ name: 'Gollancz' });
    tor = await Publisher.objects.create({ name: 'Tor', country: 'US' });
    const rows: Array<Partial<ShelfBook>> = [
      { title: 'Dune', pages: 412, publisherId: gollancz.id, published: new Date('1965-08-01T00:00:00Z'), price: '9.99', copiesSold: 20_000_000_000n },
      { title: 'Hyperion', pages: 482, publisherId: gollancz.id, published: new Date('1989-05-26T00:00:00Z') },
      { title: 'Mistborn', pages: 541, publisherId: tor.id, published: new Date('2006-07-17T00:00:00Z'), subtitle: 'The Final Empire' },
      { title: 'Old Man\'s War', pages: null, publisherId: tor.id, inPrint: false },
      { title: '100% Sci-Fi', pages: 10, publisherId: tor.id },
    ];
    for (const row of rows) await ShelfBook.objects.create({ subtitle: '', ...row });
    const dune = await ShelfBook.objects.get({ title: 'Dune' });
    await ShelfReview.objects.create({ bookId: dune.id, stars: 5, body: 'Spice!' });
    await ShelfReview.objects.create({ bookId: dune.id, stars: 4, body: 'Sand.' });
  });

  const titles = (json: Json | null) => (json!['results'] as Json[]).map((b) => b['title']);

  it('GET / lists with count, next and previous; pages are capped and checked', async () => {
    const first = await call(app, 'GET', '/books?ordering=title');
    expect(first.json).toMatchObject({ count: 5, previous: null, next: 'http://localhost/books?ordering=title&page=2' });
    expect(titles(first.json)).toEqual(['100% Sci-Fi', 'Dune']);
    const last = await call(app, 'GET', '/books?ordering=title&page=3');
    expect(last.json).toMatchObject({ next: null, previous: 'http://localhost/books?ordering=title&page=2' });
    expect(titles(last.json)).toEqual(['Old Man\'s War']);
    expect((await call(app, 'GET', '/books?pageSize=50')).json!['results']).toHaveLength(3); // capped at maxPageSize
    expect(await call(app, 'GET', '/books?page=4')).toEqual({ status: 404, json: { detail: 'Invalid page.' } });
    expect(await call(app, 'GET', '/books?page=two')).toEqual({ status: 400, json: { detail: "Invalid page 'two': a positive integer is required." } });
    expect(await call(app, 'GET', '/books?pageSize=0')).toEqual({ status: 400, json: { detail: "Invalid page size '0': a positive integer is required." } });
  });

  it('objects are toJSON(): foreign keys by attribute, datetimes ISO 8601, decimals and bigints as strings', async () => {
    const dune = (await call(app, 'GET', '/books?title=Dune')).json!['results'][0];
    expect(dune).toEqual({
      id: expect.any(Number), title: 'Dune', subtitle: '', isbn: null, pages: 412, genre: 'novel', price: '9.99', copiesSold: '20000000000',
      published: '1965-08-01T00:00:00.000Z', inPrint: true, edition: 1, publisherId: gollancz.id, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it('filters: a bare name is exact; lookups, __in, __range, __isnull, transforms and spans', async () => {
    const t = async (query: string) => titles((await call(app, 'GET', `/books?ordering=title&pageSize=3&${query}`)).json);
    expect(await t('title__icontains=DUN')).toEqual(['Dune']);
    expect(await t('pages__gte=450&pages__lte=500')).toEqual(['Hyperion']);
    expect(await t('pages__range=400,500')).toEqual(['Dune', 'Hyperion']);
    expect(await t('pages__isnull=true')).toEqual(['Old Man\'s War']);
    expect(await t('published__year=1989')).toEqual(['Hyperion']);
    expect(await t('published__date=2006-07-17')).toEqual(['Mistborn']);
    expect(await t('publisher__name__iexact=tor&pages__isnull=false')).toEqual(['100% Sci-Fi', 'Mistborn']);
    expect(await t('inPrint=false')).toEqual(['Old Man\'s War']);
    expect(await t('reviews__stars__gte=4')).toEqual(['Dune']); // across a to-many relation: one row per book
    const ids = (await ShelfBook.objects.filter({ title__in: ['Dune', 'Mistborn'] })).map((b) => b.id).join(',');
    expect(await t(`id__in=${ids}`)).toEqual(['Dune', 'Mistborn']);
    expect(await t('title__icontains=%25')).toEqual(['100% Sci-Fi']); // % is a character, not a wildcard
  });

  it('answers 400 naming what is allowed for an unknown filter, lookup or ordering field; bad values are 400 too', async () => {
    const allowed = 'genre, genre__exact, id__in, inPrint, inPrint__exact, pages__gte, pages__isnull, pages__lte, pages__range, published__date, published__gte, published__year, publisher__name__icontains, publisher__name__iexact, reviews__stars__gte, title, title__exact, title__icontains';
    expect(await call(app, 'GET', '/books?isbn=1')).toEqual({ status: 400, json: { detail: `Unknown filter 'isbn'. Allowed filters: ${allowed}.` } });
    expect(await call(app, 'GET', '/books?pages__gt=1')).toEqual({ status: 400, json: { detail: `Unknown filter 'pages__gt'. Allowed filters: ${allowed}.` } });
    expect(await call(app, 'GET', '/books?ordering=-price')).toEqual({ status: 400, json: { detail: "Unknown ordering field 'price'. Allowed: pages, published, publisher__name, title." } });
    expect(await call(app, 'GET', '/books?pages__gte=many')).toEqual({ status: 400, json: { errors: { pages__gte: ['“many” value must be an integer.'] } } });
    expect(await call(app, 'GET', '/books?pages__isnull=maybe')).toEqual({ status: 400, json: { errors: { pages__isnull: ["Enter 'true' or 'false'."] } } });
    expect(await call(app, 'GET', '/books?pages__range=1')).toEqual({ status: 400, json: { errors: { pages__range: ['Enter two values separated by a comma.'] } } });
    expect(await call(app, 'GET', '/books?published__gte=soon')).toMatchObject({ status: 400, json: { errors: { published__gte: [expect.stringContaining('invalid format')] } } });
    expect(await call(app, 'GET', '/publishers?search=x')).toEqual({ status: 400, json: { detail: "Unknown filter 'search'. Allowed filters: none." } });
  });

  it('ordering from the allow-list (spans too); search splits on whitespace, every term must match a search field', async () => {
    expect(titles((await call(app, 'GET', '/books?ordering=-pages,title&pageSize=3')).json)).toEqual(['Old Man\'s War', 'Mistborn', 'Hyperion']); // NULLs first when descending, as PostgreSQL orders
    expect(titles((await call(app, 'GET', '/books?ordering=publisher__name,-title&pageSize=3')).json)).toEqual(['Hyperion', 'Dune', 'Old Man\'s War']);
    const search = async (terms: string) => titles((await call(app, 'GET', `/books?ordering=title&pageSize=3&search=${encodeURIComponent(terms)}`)).json);
    expect(await search('tor  war')).toEqual(['Old Man\'s War']);
    expect(await search('gollancz')).toEqual(['Dune', 'Hyperion']);
    expect(await search('final')).toEqual([]); // ^subtitle: starts with
    expect(await search('the')).toEqual(['Mistborn']);
    expect(await search('spice')).toEqual(['Dune']); // across reviews, distinct
    expect(await search("'; DROP TABLE shelf_book; --")).toEqual([]);
    expect(await ShelfBook.objects.count()).toBe(5);
  });

  it('selectRelated and prefetchRelated options apply to the queries; serialize shapes the objects', async () => {
    await expectNumQueries(2, () => call(app, 'GET', '/books')); // count + one joined select
    const { result, queries } = await captureQueries(() => call(app, 'GET', '/publishers'));
    expect(queries).toHaveLength(3); // count, publishers, their books in one query
    expect(result.json!['results']).toEqual([{ id: gollancz.id, name: 'Gollancz', books: 2 }, { id: tor.id, name: 'Tor', books: 3 }]);
  });

  it('the queryset option bounds list, retrieve, update and delete', async () => {
    const mistborn = await ShelfBook.objects.get({ title: 'Mistborn' });
    expect(titles((await call(app, 'GET', '/gollancz-books?pageSize=9')).json)).toEqual(['Dune', 'Hyperion']);
    expect((await call(app, 'GET', `/gollancz-books/${mistborn.id}`)).status).toBe(404);
    expect((await call(app, 'PATCH', `/gollancz-books/${mistborn.id}`, { pages: 1 })).status).toBe(404);
    expect((await call(app, 'DELETE', `/gollancz-books/${mistborn.id}`)).status).toBe(404);
    const dune = await ShelfBook.objects.get({ title: 'Dune' });
    expect(await call(app, 'GET', `/gollancz-books/${dune.id}`)).toEqual({ status: 200, json: { id: dune.id, title: 'Dune', pages: 412 } });
  });

  it('GET /:pk is 404 for a missing row and for a value the pk column cannot hold', async () => {
    for (const pk of ['999999', 'abc', '1.5', '-0', '99999999999999999999', "1'%20OR%20'1'='1"]) {
      expect(await call(app, 'GET', `/books/${pk}`), pk).toEqual({ status: 404, json: { detail: 'Not found.' } });
    }
  });

  it('POST creates (201); PUT replaces, PATCH changes part; DELETE answers 204; read-only keys are ignored', async () => {
    const created = await call(app, 'POST', '/books', { title: 'Leviathan Wakes', publisherId: tor.id, published: '2011-06-15T00:00:00Z', price: 12, copiesSold: '1000000', edition: 9, id: 777, createdAt: '2000-01-01T00:00:00Z' });
    expect(created).toMatchObject({ status: 201, json: { title: 'Leviathan Wakes', subtitle: '', published: '2011-06-15T00:00:00.000Z', price: '12.00', copiesSold: '1000000', edition: 1, genre: 'novel' } });
    const id = created.json!['id'] as number;
    expect(id).not.toBe(777);
    expect(created.json!['createdAt']).not.toBe('2000-01-01T00:00:00.000Z');
    expect(await call(app, 'PATCH', `/books/${id}`, { pages: 592, edition: 2 })).toMatchObject({ status: 200, json: { pages: 592, edition: 1, title: 'Leviathan Wakes' } });
    expect(await call(app, 'PUT', `/books/${id}`, { title: 'Caliban\'s War', publisherId: tor.id })).toMatchObject({ status: 200, json: { title: 'Caliban\'s War', pages: 592 } });
    expect((await ShelfBook.objects.get({ pk: id })).title).toBe('Caliban\'s War');
    expect(await call(app, 'DELETE', `/books/${id}`)).toEqual({ status: 204, json: null });
    expect(await ShelfBook.objects.filter({ pk: id }).exists()).toBe(false);
  });

  it('strict bodies: unknown keys, types, required fields on POST and PUT; unique clashes and missing foreign rows before writing', async () => {
    const dune = await ShelfBook.objects.get({ title: 'Dune' });
    const cases: Array<[string, string, unknown, Json]> = [
      ['POST', '/books', { title: 'X', publisherId: tor.id, isbn13: '1' }, { isbn13: ['Unknown field.'] }],
      ['POST', '/books', { title: 'X' }, { publisherId: ['This field is required.'] }],
      ['POST', '/books', { title: 'X', publisherId: '1' }, { publisherId: ['“1” value must be an integer.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, pages: 12.5 }, { pages: ['“12.5” value must be an integer.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, pages: 2 ** 31 }, { pages: ['Ensure this value is less than or equal to 2147483647.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, published: 1700000000 }, { published: ['“1700000000” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, price: '99999.5' }, { price: ['Ensure that there are no more than 4 digits before the decimal point.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, copiesSold: 1.5 }, { copiesSold: ['“1.5” value must be an integer.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, inPrint: 'false' }, { inPrint: ['“false” value must be either True or False.'] }],
      ['POST', '/books', { title: 'X', publisherId: 424242 }, { publisherId: ['publisher instance with id 424242 does not exist.'] }],
      ['POST', '/books', { title: 'Dune', publisherId: gollancz.id }, { __all__: ['Book with this Title and Publisher already exists.'] }],
      ['POST', '/books', { title: "Robert'); DROP TABLE shelf_book; SELECT 1;--", publisherId: tor.id }, { title: ['Ensure this value has at most 40 characters (it has 44).'] }],
      ['POST', '/books', { title: 'Nul\u0000', publisherId: tor.id }, { title: ['Null characters are not allowed.'] }],
      ['POST', '/books', { title: 'X', publisherId: tor.id, published: '0000-01-01T00:00:00Z' }, { published: ['“0000-01-01T00:00:00Z” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time.'] }],
      ['PUT', `/books/${dune.id}`, { title: 'Dune' }, { publisherId: ['This field is required.'] }],
      ['PATCH', `/books/${dune.id}`, { title: 'Hyperion' }, { __all__: ['Book with this Title and Publisher already exists.'] }],
      ['PATCH', `/books/${dune.id}`, { publisherId: null }, { publisherId: ['This field cannot be null.'] }],
      ['POST', '/publishers', { name: 'Tor' }, { name: ['Publisher with this Name already exists.'] }],
      ['POST', '/reviews', { bookId: dune.id, stars: 6 }, { stars: ['Ensure this value is less than or equal to 5.'] }],
    ];
    const { queries } = await captureQueries(async () => {
      for (const [method, url, body, errors] of cases) {
        expect(await call(app, method, url, body), `${method} ${url} ${JSON.stringify(body)}`).toEqual({ status: 400, json: { errors } });
      }
    });
    expect(queries.filter((q) => !/^select/i.test(q.sql))).toEqual([]); // nothing was written
    expect((await ShelfBook.objects.get({ pk: dune.id })).title).toBe('Dune');
  });

  it('malformed JSON, a body that is not an object, and bodies over 1 MB', async () => {
    expect(await call(app, 'POST', '/books', '{"title": "Dune"')).toEqual({ status: 400, json: { detail: 'Malformed JSON.' } });
    expect(await call(app, 'POST', '/books', '')).toEqual({ status: 400, json: { detail: 'Malformed JSON.' } });
    expect(await call(app, 'POST', '/books', '"Dune"')).toEqual({ status: 400, json: { detail: 'Invalid data. Expected an object, but got string.' } });
    expect(await call(app, 'POST', '/books', 'null')).toEqual({ status: 400, json: { detail: 'Invalid data. Expected an object, but got null.' } });
    expect(await call(app, 'PATCH', '/books/1', '[1, 2]')).toMatchObject({ status: 400 });
    const huge = JSON.stringify({ title: 'x', subtitle: 'y'.repeat(1024 * 1024) });
    expect(await call(app, 'POST', '/books', huge)).toEqual({ status: 413, json: { detail: 'Request body too large (the limit is 1048576 bytes).' } });
    // without a content-length: the stream is cut at the limit
    const chunks = new ReadableStream({ start(controller) { for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(100_000))); controller.close(); } });
    const streamed = await app.request('/books', { method: 'POST', body: chunks, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await ShelfBook.objects.count()).toBe(5);
  });

  it('DELETE of a protected row is 409 and deletes nothing', async () => {
    expect(await call(app, 'DELETE', `/publishers/${tor.id}`)).toEqual({
      status: 409,
      json: { detail: "Cannot delete some instances of model 'Publisher' because they are referenced through protected foreign keys: 'Book.publisher'." },
    });
    expect(await Publisher.objects.count()).toBe(2);
  });

  it('never answers 500 to bad input', async () => {
    const before = await ShelfBook.objects.count();
    const nasty = ["'", '"', ';', '--', '%', '_', '\\', '\u0000', "' OR 1=1 --", 'NaN', 'Infinity', '1e999', '-1', '[]', '{}', 'null', 'true', '2024-02-30', '\u{1F600}', 'x'.repeat(5000)];
    const paths = ['/books?title=', '/books?title__icontains=', '/books?pages__gte=', '/books?pages__range=', '/books?id__in=', '/books?published__year=', '/books?published__date=', '/books?search=', '/books?ordering=', '/books?page=', '/books?pageSize=', '/books/'];
    for (const path of paths) {
      for (const value of nasty) {
        const response = await app.request(path + encodeURIComponent(value));
        expect(response.status, path + value).toBeLessThan(500);
      }
    }
    for (const value of nasty) {
      for (const key of ['title', 'pages', 'price', 'published', 'publisherId', 'copiesSold', 'inPrint', value]) {
        const response = await app.request('/books', { method: 'POST', body: JSON.stringify({ title: 'T', publisherId: tor.id, [key]: value }), headers: { 'content-type': 'application/json' } });
        expect(response.status, `${key}=${value}`).toBeLessThan(500);
      }
    }
    expect(await ShelfBook.objects.count()).toBeGreaterThanOrEqual(before); // only valid bodies created rows
    expect(await ShelfBook.objects.filter({ title: 'T' }).count()).toBeLessThanOrEqual(1 + 20);
  });

  it('checks its options when it is defined', () => {
    expect(() => modelRoutes(ShelfBook, { filterFields: { nope: ['exact'] } })).toThrow(ImproperlyConfigured);
    expect(() => modelRoutes(ShelfBook, { filterFields: { title: ['exacto'] } })).toThrow("filterFields: 'title': 'exacto' is not a lookup (or transforms ending in a lookup).");
    expect(() => modelRoutes(ShelfBook, { orderingFields: ['publisher__nope'] })).toThrow(ImproperlyConfigured);
    expect(() => modelRoutes(ShelfBook, { fields: ['publisherz'] })).toThrow(ImproperlyConfigured);
    expect(() => modelRoutes(ShelfBook, { pageSize: 50, maxPageSize: 10 })).toThrow(ImproperlyConfigured);
  });
});
