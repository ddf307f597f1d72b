/** The QuerySet API: laziness, immutability, caching, chaining, terminal methods and Django's errors. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  atomic, Avg, Case, Cast, Coalesce, Concat, Count, Exists, F, FieldError, Length, Lower, Max, Min, NotSupportedError, Now,
  ObjectDoesNotExist, OuterRef, Q, StdDev, Subquery, Sum, TransactionManagementError, Upper, Value, Variance, When, type Connection,
} from 'djazzle';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';
import { Article, Publication, Reporter } from './fixtures/news.js';

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Reporter, Article, Publication] });
});
afterAll(() => db.close());

let john: Reporter;
let paul: Reporter;
beforeEach(async () => {
  await db.truncate();
  john = await Reporter.objects.create({ firstName: 'John', lastName: 'Smith', email: 'john@example.com' });
  paul = await Reporter.objects.create({ firstName: 'Paul', lastName: 'Jones' });
  const day = (d: number) => new Date(Date.UTC(2005, 6, d));
  await Article.objects.bulkCreate([
    new Article({ headline: 'Article 1', pubDate: day(26), reporter: john }),
    new Article({ headline: 'Article 2', pubDate: day(27), reporter: john }),
    new Article({ headline: 'Article 3', pubDate: day(27), reporter: paul }),
    new Article({ headline: 'Article 4', pubDate: day(28), reporter: paul, published: false }),
  ]);
});

const headlines = (rows: Article[]) => rows.map((a) => a.headline);

describe('laziness, immutability, caching', () => {
  it('builds without querying and every chained call returns a new QuerySet', async () => {
    const { queries } = await captureQueries(() => {
      const qs = Article.objects.all();
      const filtered = qs.filter({ headline__startswith: 'Article' });
      expect(filtered).not.toBe(qs);
      expect(filtered.orderBy('-pubDate')).not.toBe(filtered);
      return undefined;
    });
    expect(queries).toHaveLength(0);
  });

  it('is thenable and async-iterable; an evaluated QuerySet answers count/exists/first/contains from its cache', async () => {
    const qs = Article.objects.filter({ reporter: john });
    const rows = await qs;
    expect(headlines(rows)).toEqual(['Article 1', 'Article 2']);
    await expectNumQueries(0, async () => {
      expect(await qs.count()).toBe(2);
      expect(await qs.exists()).toBe(true);
      expect((await qs.first())?.headline).toBe('Article 1');
      expect(await qs.contains(rows[1]!)).toBe(true);
      const seen: string[] = [];
      for await (const article of qs) seen.push(article.headline);
      expect(seen).toEqual(['Article 1', 'Article 2']);
      expect(await qs).toBe(await qs);
    });
  });

  it('count, exists, first and last query when not evaluated', async () => {
    await expectNumQueries(1, async () => expect(await Article.objects.count()).toBe(4));
    await expectNumQueries(1, async () => expect(await Article.objects.filter({ headline: 'nope' }).exists()).toBe(false));
    expect((await Article.objects.orderBy('pubDate').first())?.headline).toBe('Article 1');
    expect((await Article.objects.orderBy('pubDate', 'headline').last())?.headline).toBe('Article 4');
    expect(await Article.objects.filter({ headline: 'nope' }).first()).toBeNull();
  });

  it('first() and last() order by pk when unordered', () => {
    const unordered = Article.objects.orderBy();
    expect(unordered.ordered).toBe(false);
    expect(unordered.slice(0, 1).toSQL().sql).not.toContain('order by');
  });
});

describe('ordering', () => {
  it('uses Meta.ordering, orderBy, reverse, random and related ordering', async () => {
    expect(headlines(await Article.objects.all())).toEqual(['Article 1', 'Article 2', 'Article 3', 'Article 4']);
    expect(headlines(await Article.objects.orderBy('-headline'))).toEqual(['Article 4', 'Article 3', 'Article 2', 'Article 1']);
    expect(headlines(await Article.objects.reverse())).toEqual(['Article 4', 'Article 3', 'Article 2', 'Article 1']);
    expect(headlines(await Article.objects.orderBy('-reporter__firstName', 'headline'))).toEqual(['Article 3', 'Article 4', 'Article 1', 'Article 2']);
    expect(headlines(await Article.objects.orderBy(F('pubDate').desc(), 'headline'))).toEqual(['Article 4', 'Article 2', 'Article 3', 'Article 1']);
    expect(await Article.objects.orderBy('?').count()).toBe(4);
    // ordering by a relation uses the related model's Meta.ordering (Reporter: firstName)
    expect(Article.objects.orderBy('reporter').toSQL().sql).toMatch(/"first_name" asc/i);
  });

  it('rejects unknown fields', async () => {
    await expect(Article.objects.orderBy('nope')).rejects.toThrow(/Cannot resolve keyword 'nope' into field/);
  });
});

describe('slicing', () => {
  it('composes slices into LIMIT/OFFSET', async () => {
    expect(headlines(await Article.objects.slice(1, 3))).toEqual(['Article 2', 'Article 3']);
    expect(headlines(await Article.objects.slice(1, 3).slice(1))).toEqual(['Article 3']);
    expect(headlines(await Article.objects.slice(2))).toEqual(['Article 3', 'Article 4']);
    const { sql } = Article.objects.slice(1, 3).toSQL();
    expect(sql).toMatch(/limit \$\d+ offset \$\d+/i);
  });

  it("refuses negative indexes and changes after a slice, with Django's messages", () => {
    expect(() => Article.objects.slice(-1)).toThrow('Negative indexing is not supported.');
    expect(() => Article.objects.slice(0, 2).filter({ headline: 'x' })).toThrow('Cannot filter a query once a slice has been taken.');
    expect(() => Article.objects.slice(0, 2).orderBy('headline')).toThrow('Cannot reorder a query once a slice has been taken.');
    return Promise.all([
      expect(Article.objects.slice(0, 2).update({ headline: 'x' })).rejects.toThrow('Cannot update a query once a slice has been taken.'),
      expect(Article.objects.slice(0, 2).delete()).rejects.toThrow("Cannot use 'limit' or 'offset' with delete()."),
    ]);
  });
});

describe('get', () => {
  it('returns one object or raises the model’s DoesNotExist / MultipleObjectsReturned', async () => {
    expect((await Article.objects.get({ headline: 'Article 3' })).reporterId).toBe(paul.id);
    await expect(Article.objects.get({ headline: 'nope' })).rejects.toThrow('Article matching query does not exist.');
    await expect(Article.objects.get({ headline: 'nope' })).rejects.toBeInstanceOf(Article.DoesNotExist);
    await expect(Article.objects.get({ headline: 'nope' })).rejects.toBeInstanceOf(ObjectDoesNotExist);
    await expect(Article.objects.get({ reporter: john })).rejects.toThrow('get() returned more than one Article -- it returned 2!');
    await expect(Article.objects.get()).rejects.toBeInstanceOf(Article.MultipleObjectsReturned);
  });

  it('sends LIMIT 21 and says "more than 20"', async () => {
    await Article.objects.bulkCreate(Array.from({ length: 30 }, (_, i) => new Article({ headline: `Bulk ${i}`, pubDate: new Date(), reporter: john })));
    const { queries } = await captureQueries(() => Article.objects.get({ headline__startswith: 'Bulk' }).catch((e: Error) => e.message));
    expect(queries[0]!.sql).toMatch(/limit \$\d+/i);
    expect(queries[0]!.params).toContain(21);
    await expect(Article.objects.get({ headline__startswith: 'Bulk' })).rejects.toThrow('get() returned more than one Article -- it returned more than 20!');
  });
});

describe('latest, earliest, inBulk', () => {
  it('uses Meta.getLatestBy', async () => {
    expect((await Article.objects.latest()).headline).toBe('Article 4');
    expect((await Article.objects.earliest()).headline).toBe('Article 1');
    expect((await Article.objects.latest('headline')).headline).toBe('Article 4');
    await expect(Reporter.objects.latest()).rejects.toThrow("earliest() and latest() require either fields as positional arguments or 'get_latest_by' in the model's Meta.");
  });

  it('inBulk returns a Map keyed by pk or a unique field', async () => {
    const all = await Article.objects.all();
    const map = await Article.objects.inBulk([all[0]!.id, all[2]!.id]);
    expect([...map.keys()].sort()).toEqual([all[0]!.id, all[2]!.id].sort());
    expect(map.get(all[0]!.id)?.headline).toBe('Article 1');
    expect((await expectNumQueries(0, () => Article.objects.inBulk([]))).size).toBe(0);
    expect((await Article.objects.inBulk()).size).toBe(4);
    await expect(Article.objects.inBulk([1], { fieldName: 'headline' })).rejects.toThrow("in_bulk()'s field_name must be a unique field but 'headline' isn't.");
  });
});

describe('values and valuesList', () => {
  it('returns objects, tuples, flat values and named rows, spanning relations', async () => {
    const rows = await Article.objects.filter({ reporter: john }).values('headline', 'reporter__firstName');
    expect(rows).toEqual([
      { headline: 'Article 1', reporter__firstName: 'John' },
      { headline: 'Article 2', reporter__firstName: 'John' },
    ]);
    expect(await Article.objects.filter({ reporter: paul }).valuesList('headline', 'published')).toEqual([
      ['Article 3', true],
      ['Article 4', false],
    ]);
    expect(await Article.objects.valuesList('headline', { flat: true })).toEqual(['Article 1', 'Article 2', 'Article 3', 'Article 4']);
    const named = await Reporter.objects.valuesList('firstName', { named: true });
    expect(named[0]).toEqual({ firstName: 'John' });
    expect(() => Article.objects.valuesList('id', 'headline', { flat: true })).toThrow("'flat' is not valid when values_list is called with more than one field.");
    const all = await Reporter.objects.filter({ firstName: 'Paul' }).values();
    expect(all).toEqual([{ id: paul.id, firstName: 'Paul', lastName: 'Jones', email: null }]);
  });
});

describe('annotate and aggregate', () => {
  it('groups by the model for aggregates and filters on them with HAVING', async () => {
    const reporters = await Reporter.objects.annotate({ n: Count('articles') }).orderBy('firstName');
    expect(reporters.map((r) => [r.firstName, r.n])).toEqual([
      ['John', 2],
      ['Paul', 2],
    ]);
    const busy = await Reporter.objects.annotate({ n: Count('articles', { filter: Q({ articles__published: true }) }) }).filter({ n__gte: 2 });
    expect(busy.map((r) => r.firstName)).toEqual(['John']);
    const sql = Reporter.objects.annotate({ n: Count('articles') }).filter({ n__gt: 1 }).toSQL().sql;
    expect(sql).toMatch(/group by "news_reporter"."id" having/i);
  });

  it('annotate after values() groups by the values', async () => {
    const rows = await Article.objects.values('published').annotate({ n: Count('id') }).orderBy('published');
    expect(rows).toEqual([
      { published: false, n: 1 },
      { published: true, n: 3 },
    ]);
  });

  it('aggregate names results like Django', async () => {
    expect(await Article.objects.aggregate(Count('id'))).toEqual({ id__count: 4 });
    expect(await Reporter.objects.aggregate(Count('articles', { distinct: true }))).toEqual({ articles__count: 4 });
    const stats = await Article.objects.aggregate({ first: Min('pubDate'), last: Max('pubDate'), n: Count('id') });
    expect(stats['first']).toEqual(new Date(Date.UTC(2005, 6, 26)));
    expect(stats['last']).toEqual(new Date(Date.UTC(2005, 6, 28)));
    expect(await Article.objects.filter({ headline: 'nope' }).aggregate(Count('id'))).toEqual({ id__count: 0 });
    const numbers = await Reporter.objects.aggregate({ s: Sum('id'), a: Avg('id'), sd: StdDev('id'), v: Variance('id') });
    expect(Number(numbers['s'])).toBe(john.id + paul.id);
    expect(Number(numbers['a'])).toBe((john.id + paul.id) / 2);
    expect(numbers['v']).toBe(0.25);
    await expect(Article.objects.aggregate({ x: F('id') })).rejects.toThrow('x is not an aggregate expression');
  });

  it('alias() can be filtered and ordered on but is not selected', async () => {
    const rows = await Reporter.objects.alias({ n: Count('articles') }).filter({ n__gte: 2 }).orderBy('-n', 'firstName');
    expect(rows.map((r) => r.firstName)).toEqual(['John', 'Paul']);
    expect('n' in rows[0]!).toBe(false);
  });

  it('using() an alias that does not exist names it', async () => {
    await expect(Reporter.objects.using('replica').count()).rejects.toThrow("The connection 'replica' doesn't exist.");
  });

  it('refuses an annotation that clashes with a field', () => {
    expect(() => Article.objects.annotate({ headline: Value('x') })).toThrow("The annotation 'headline' conflicts with a field on the model.");
  });
});

describe('expressions', () => {
  it('F with arithmetic and precedence', async () => {
    const [row] = await Reporter.objects.filter({ pk: john.id }).annotate({ a: F('id').add(2).mul(3), b: F('id').add(F('id').mul(3)) }).values('a', 'b');
    expect(row).toEqual({ a: (john.id + 2) * 3, b: john.id + john.id * 3 });
  });

  it('Case/When, Coalesce, Concat, Lower, Upper, Length, Cast, Now', async () => {
    const rows = await Reporter.objects
      .annotate({
        kind: Case(When({ firstName: 'John' }, { then: Value('J') }), When(Q({ lastName__startswith: 'J' }), { then: Value('PJ') }), { default: Value('?') }),
        contact: Coalesce('email', Value('none')),
        full: Concat('firstName', Value(' '), 'lastName'),
        lower: Lower('firstName'),
        upper: Upper('lastName'),
        size: Length('firstName'),
        idText: Cast('id', 'text'),
        now: Now(),
      })
      .orderBy('firstName');
    expect(rows.map((r) => [r.kind, r.contact, r.full, r.lower, r.upper, r.size, r.idText])).toEqual([
      ['J', 'john@example.com', 'John Smith', 'john', 'SMITH', 4, String(john.id)],
      ['PJ', 'none', 'Paul Jones', 'paul', 'JONES', 4, String(paul.id)],
    ]);
    expect(rows[0]!.now).toBeInstanceOf(Date);
  });

  it('Subquery, OuterRef and Exists (and its negation)', async () => {
    const newest = Article.objects.filter({ reporter: OuterRef('pk') }).orderBy('-pubDate').values('headline').slice(0, 1);
    const rows = await Reporter.objects.annotate({ newest: Subquery(newest) }).orderBy('firstName');
    expect(rows.map((r) => r.newest)).toEqual(['Article 2', 'Article 4']);
    const unpublished = Article.objects.filter({ reporter: OuterRef('pk'), published: false });
    expect((await Reporter.objects.filter(Exists(unpublished))).map((r) => r.firstName)).toEqual(['Paul']);
    expect((await Reporter.objects.filter(Exists(unpublished).not())).map((r) => r.firstName)).toEqual(['John']);
  });

  it('Q objects combine with and / or / not', async () => {
    expect(headlines(await Article.objects.filter(Q({ headline: 'Article 1' }).or({ headline: 'Article 4' })))).toEqual(['Article 1', 'Article 4']);
    expect(headlines(await Article.objects.filter(Q({ reporter: john }).and(Q({ headline: 'Article 1' }).not())))).toEqual(['Article 2']);
    expect(headlines(await Article.objects.filter(Q({ reporter: paul }), { published: true }))).toEqual(['Article 3']);
    expect(await Article.objects.exclude(Q({ reporter: john }).or({ published: false })).count()).toBe(1);
  });
});

describe('set operations', () => {
  it('union, intersection, difference, with Django’s restrictions after them', async () => {
    const johns = Article.objects.filter({ reporter: john });
    const published = Article.objects.filter({ published: true });
    expect(headlines(await johns.union(Article.objects.filter({ headline: 'Article 4' })).orderBy('headline'))).toEqual(['Article 1', 'Article 2', 'Article 4']);
    expect(await johns.union(johns, { all: true }).count()).toBe(4);
    expect(headlines(await published.intersection(Article.objects.filter({ reporter: paul })))).toEqual(['Article 3']);
    expect(headlines(await published.difference(johns))).toEqual(['Article 3']);
    expect(() => johns.union(published).filter({ headline: 'x' })).toThrow('Calling QuerySet.filter() after union() is not supported.');
    await expect(johns.union(published).delete()).rejects.toThrow(NotSupportedError);
    expect(await johns.union(published).valuesList('headline', { flat: true }).orderBy('-headline').slice(0, 2)).toEqual(['Article 3', 'Article 2']);
  });
});

describe('distinct, only, defer, none, contains', () => {
  it('distinct and distinct on fields', async () => {
    expect(await Article.objects.values('reporter').distinct().count()).toBe(2);
    const firsts = await Article.objects.orderBy('reporterId', 'pubDate').distinct('reporterId');
    expect(headlines(firsts)).toEqual(['Article 1', 'Article 3']);
  });

  it('only and defer leave the other columns out', async () => {
    const { queries, result } = await captureQueries(() => Article.objects.only('headline').slice(0, 1));
    expect(queries[0]!.sql).not.toContain('pub_date');
    expect(result[0]!.headline).toBe('Article 1');
    expect(Object.keys(result[0]!.toJSON())).toEqual(['id', 'headline']);
    const deferred = Article.objects.defer('pubDate').toSQL().sql;
    expect(deferred).not.toContain('pub_date');
    await expect(Article.objects.only('nope')).rejects.toThrow("Article has no field named 'nope'");
  });

  it('none() sends no query', async () => {
    expect(await expectNumQueries(0, () => Article.objects.none().filter({ headline: 'x' }))).toEqual([]);
    expect(await expectNumQueries(0, () => Article.objects.none().count())).toBe(0);
  });

  it('contains checks the model and the pk', async () => {
    const article = await Article.objects.get({ headline: 'Article 1' });
    expect(await Article.objects.filter({ reporter: john }).contains(article)).toBe(true);
    expect(await Article.objects.filter({ reporter: paul }).contains(article)).toBe(false);
    await expect(Article.objects.contains(john)).rejects.toThrow("'obj' must be a Article instance.");
    await expect(Article.objects.contains(new Article({ headline: 'x' }))).rejects.toThrow('QuerySet.contains() cannot be used on unsaved objects.');
  });
});

describe('iterator', () => {
  it('yields every row in chunks without caching', async () => {
    await Article.objects.bulkCreate(Array.from({ length: 25 }, (_, i) => new Article({ headline: `It ${String(i).padStart(2, '0')}`, pubDate: new Date(), reporter: john })));
    const seen: string[] = [];
    const { queries } = await captureQueries(async () => {
      for await (const article of Article.objects.filter({ headline__startswith: 'It' }).iterator({ chunkSize: 10 })) seen.push(article.headline);
    });
    expect(seen).toHaveLength(25);
    expect(seen[0]).toBe('It 00');
    // DECLARE, three FETCHes, CLOSE on PGlite's server-side cursor
    expect(queries.filter((q) => q.sql.startsWith('FETCH'))).toHaveLength(3);
    expect(() => Article.objects.iterator({ chunkSize: 0 })).toThrow('Chunk size must be strictly positive.');
  });
});

describe('selectForUpdate, explain, toSQL', () => {
  it('selectForUpdate needs a transaction', async () => {
    await expect(Article.objects.selectForUpdate()).rejects.toThrow(TransactionManagementError);
    await expect(Article.objects.selectForUpdate()).rejects.toThrow('select_for_update cannot be used outside of a transaction.');
    const locked = await atomic(() => Article.objects.selectForUpdate({ nowait: true }).filter({ reporter: john }));
    expect(locked).toHaveLength(2);
    expect(Article.objects.selectForUpdate({ skipLocked: true }).toSQL().sql).toMatch(/for update skip locked/i);
  });

  it('explain returns the plan and toSQL the statement with parameters', async () => {
    expect(await Article.objects.filter({ headline: 'x' }).explain()).toMatch(/Scan/);
    const { sql, params } = Article.objects.filter({ headline__icontains: 'x', reporter__firstName: 'John' }).toSQL();
    expect(sql).toContain('inner join "news_reporter"');
    expect(params).toEqual(['%x%', 'John']);
  });

  it('refuses an unknown field in filters with FieldError', async () => {
    // @ts-expect-error deliberately unknown, to test the run-time error
    await expect(Article.objects.filter({ title: 'x' })).rejects.toBeInstanceOf(FieldError);
  });
});
