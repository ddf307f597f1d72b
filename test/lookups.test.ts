/** Lookups compiled as Django compiles them for PostgreSQL, checked on SQL and on real rows. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { F, FieldError, Q, type Connection } from 'djazzle';
import { expectNumQueries, testDatabase } from 'djazzle/testing';
import { Item, Owner, Part } from './fixtures/catalog.js';

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Owner, Item, Part] });
});
afterAll(() => db.close());

beforeEach(async () => {
  await db.truncate();
  const acme = await Owner.objects.create({ name: 'Acme', gt: 5 });
  const bolt = await Owner.objects.create({ name: 'Bolt' });
  await Item.objects.bulkCreate([
    new Item({ name: '50% off', nickname: 'half', price: '10.50', quantity: 3, happenedAt: new Date('2005-01-01T00:00:00Z'), day: new Date('2005-03-06'), owner: acme }),
    new Item({ name: 'under_score', nickname: null, price: '1.00', quantity: null, happenedAt: new Date('2005-12-31T23:59:59.999Z'), owner: acme }),
    new Item({ name: 'back\\slash', nickname: 'Back', price: '2.00', quantity: 7, happenedAt: new Date('2006-01-01T00:00:00Z'), owner: bolt }),
    new Item({ name: 'Plain', nickname: 'plain', price: '3.00', quantity: 1, happenedAt: null, owner: null }),
  ]);
});

const names = async (qs: PromiseLike<Item[]>) => (await qs).map((i) => i.name).sort();

describe('text lookups', () => {
  it('iexact and icontains compare UPPER(col::text)', async () => {
    const { sql } = Item.objects.filter({ name__iexact: 'plain' }).toSQL();
    expect(sql).toContain('UPPER("catalog_item"."name"::text) = UPPER($1)');
    expect(await names(Item.objects.filter({ name__iexact: 'PLAIN' }))).toEqual(['Plain']);
    expect(Item.objects.filter({ name__icontains: 'x' }).toSQL().sql).toContain('UPPER("catalog_item"."name"::text) LIKE UPPER($1)');
    expect(await names(Item.objects.filter({ nickname__icontains: 'BAC' }))).toEqual(['back\\slash']);
  });

  it('escapes %, _ and \\ in contains / startswith / endswith', async () => {
    expect(Item.objects.filter({ name__contains: '50%' }).toSQL().params).toEqual(['%50\\%%']);
    expect(await names(Item.objects.filter({ name__contains: '%' }))).toEqual(['50% off']);
    expect(await names(Item.objects.filter({ name__contains: '_' }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ name__contains: '\\' }))).toEqual(['back\\slash']);
    expect(await names(Item.objects.filter({ name__startswith: '50%' }))).toEqual(['50% off']);
    expect(await names(Item.objects.filter({ name__endswith: '_score' }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ name__istartswith: 'PL' }))).toEqual(['Plain']);
    expect(await names(Item.objects.filter({ name__iendswith: 'SLASH' }))).toEqual(['back\\slash']);
  });

  it('escapes the right-hand side when it is an F() expression', async () => {
    await Item.objects.create({ name: 'a%b contains a%b', nickname: 'a%b' });
    await Item.objects.create({ name: 'axb', nickname: 'a%b' });
    expect(await names(Item.objects.filter({ name__contains: F('nickname') }))).toEqual(['a%b contains a%b']);
    // case-insensitive: 'Plain' contains 'plain', 'back\\slash' contains 'Back'; 'axb' does not contain 'a%b'
    expect(await names(Item.objects.filter({ name__icontains: F('nickname') }))).toEqual(['Plain', 'a%b contains a%b', 'back\\slash']);
  });

  it('regex and iregex', async () => {
    expect(await names(Item.objects.filter({ name__regex: '^[a-z]+_' }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ name__iregex: '^pl' }))).toEqual(['Plain']);
  });
});

describe('null handling', () => {
  it('exact null is IS NULL; gt null is an error', async () => {
    expect(Item.objects.filter({ nickname: null }).toSQL().sql).toContain('"catalog_item"."nickname" IS NULL');
    expect(await names(Item.objects.filter({ nickname: null }))).toEqual(['under_score']);
    expect(() => Item.objects.filter({ quantity__gt: null }).toSQL()).toThrow(/Cannot use null as a query value/);
    await expect(Item.objects.filter({ quantity__gt: null })).rejects.toThrow(TypeError);
  });

  it('isnull takes booleans only', async () => {
    expect(await names(Item.objects.filter({ quantity__isnull: true }))).toEqual(['under_score']);
    expect(await Item.objects.filter({ quantity__isnull: false }).count()).toBe(3);
    await expect(Item.objects.filter({ quantity__isnull: 'yes' })).rejects.toThrow('The QuerySet value for an isnull lookup must be True or False.');
  });

  it('exclude() keeps rows whose column is NULL', async () => {
    expect(await names(Item.objects.exclude({ nickname: 'half' }))).toEqual(['Plain', 'back\\slash', 'under_score']);
    expect(await names(Item.objects.exclude({ quantity__gt: 2 }))).toEqual(['Plain', 'under_score']);
    expect(await names(Item.objects.exclude({ owner__name: 'Acme' }))).toEqual(['Plain', 'back\\slash']);
  });
});

describe('in', () => {
  it('ignores null in the list', async () => {
    expect(await names(Item.objects.filter({ quantity__in: [3, null] }))).toEqual(['50% off']);
  });

  it('an empty list matches nothing without a query; exclude with it matches everything', async () => {
    const rows = await expectNumQueries(0, () => Item.objects.filter({ name__in: [] }));
    expect(rows).toEqual([]);
    expect(await expectNumQueries(0, () => Item.objects.filter({ name__in: [] }).count())).toBe(0);
    expect(await Item.objects.exclude({ name__in: [] }).count()).toBe(4);
    expect(await Item.objects.filter(Q({ name__in: [] }).or({ name: 'Plain' })).count()).toBe(1);
  });

  it('takes a QuerySet as a subquery', async () => {
    const acme = Owner.objects.filter({ name: 'Acme' });
    expect(await names(Item.objects.filter({ owner__in: acme }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ owner__in: Owner.objects.filter({ name: 'Bolt' }).values('id') }))).toEqual(['back\\slash']);
  });

  it('refuses a string', async () => {
    await expect(Item.objects.filter({ name__in: 'abc' })).rejects.toThrow(/must be an array/);
  });
});

describe('comparisons and range', () => {
  it('gt, gte, lt, lte, range on numbers and decimals', async () => {
    expect(await names(Item.objects.filter({ quantity__gt: 1 }))).toEqual(['50% off', 'back\\slash']);
    expect(await names(Item.objects.filter({ quantity__gte: 7 }))).toEqual(['back\\slash']);
    expect(await names(Item.objects.filter({ price__lt: '2.00' }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ price__lte: 2 }))).toEqual(['back\\slash', 'under_score']);
    expect(await names(Item.objects.filter({ quantity__range: [2, 7] }))).toEqual(['50% off', 'back\\slash']);
  });

  it('compares a column with an F() expression', async () => {
    expect(await names(Item.objects.filter({ quantity__gt: F('price') }))).toEqual(['back\\slash']);
  });
});

describe('date and time transforms', () => {
  it('__year is a range on the raw column', async () => {
    const { sql, params } = Item.objects.filter({ happenedAt__year: 2005 }).toSQL();
    expect(sql).toContain('"catalog_item"."happened_at" BETWEEN $1 AND $2');
    expect(params).toEqual(['2005-01-01 00:00:00+00:00', '2005-12-31 23:59:59.999999+00:00']);
    expect(await names(Item.objects.filter({ happenedAt__year: 2005 }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ happenedAt__year__gt: 2005 }))).toEqual(['back\\slash']);
    expect(await names(Item.objects.filter({ happenedAt__year__lte: 2005 }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ happenedAt__year__lt: 2006 }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ happenedAt__year__gte: 2006 }))).toEqual(['back\\slash']);
  });

  it('month, day, quarter, week, iso_year, hour, minute, second, date, time', async () => {
    expect(await names(Item.objects.filter({ happenedAt__month: 12 }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ happenedAt__day: 1 }))).toEqual(['50% off', 'back\\slash']);
    expect(await names(Item.objects.filter({ happenedAt__quarter: 4 }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ happenedAt__hour: 23, happenedAt__minute: 59, happenedAt__second: 59 }))).toEqual(['under_score']);
    expect(await names(Item.objects.filter({ happenedAt__date: '2006-01-01' }))).toEqual(['back\\slash']);
    expect(await names(Item.objects.filter({ happenedAt__date__lt: '2005-06-01' }))).toEqual(['50% off']);
    expect(await names(Item.objects.filter({ happenedAt__time: '00:00:00' }))).toEqual(['50% off', 'back\\slash']);
    // 2005-01-01 belongs to ISO year 2004, week 53
    expect(await names(Item.objects.filter({ happenedAt__iso_year: 2004 }))).toEqual(['50% off']);
    expect(await names(Item.objects.filter({ happenedAt__week: 53 }))).toEqual(['50% off']);
    expect(await names(Item.objects.filter({ day__year: 2005 }))).toEqual(['50% off']);
  });

  it('week_day counts Sunday as 1, iso_week_day Monday as 1', async () => {
    // 2005-03-06 and 2006-01-01 are Sundays; 2005-01-01 is a Saturday
    expect(await names(Item.objects.filter({ day__week_day: 1 }))).toEqual(['50% off']);
    expect(await names(Item.objects.filter({ happenedAt__week_day: 1 }))).toEqual(['back\\slash']);
    expect(await names(Item.objects.filter({ happenedAt__week_day: 7 }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ happenedAt__iso_week_day: 7 }))).toEqual(['back\\slash']);
  });

  it('transforms on non-date fields are an error', async () => {
    await expect(Item.objects.filter({ name__year: 2005 })).rejects.toThrow("Unsupported lookup 'year' for CharField or join on the field not permitted.");
  });
});

describe('names and errors', () => {
  it('an unknown field lists the choices', async () => {
    // @ts-expect-error deliberately unknown, to test the run-time error
    await expect(Item.objects.filter({ colour: 'red' })).rejects.toThrow(
      "Cannot resolve keyword 'colour' into field. Choices are: active, big, day, happenedAt, id, name, nickname, owner, ownerId, part, price, quantity, uid",
    );
    // @ts-expect-error deliberately unknown, to test the run-time error
    await expect(Item.objects.filter({ colour: 'red' })).rejects.toBeInstanceOf(FieldError);
  });

  it('an unknown lookup names the field type and suggests one', async () => {
    // @ts-expect-error deliberately unknown, to test the run-time error
    await expect(Item.objects.filter({ name__icontain: 'x' })).rejects.toThrow("Unsupported lookup 'icontain' for CharField or join on the field not permitted, perhaps you meant icontains?");
    await expect(Item.objects.filter({ owner__nope: 1 })).rejects.toThrow('Related Field got invalid lookup: nope');
  });

  it('a field named like a lookup wins over the lookup', async () => {
    // Owner has a field `gt`: owner__gt is the field, not "owner_id > …"
    expect(await names(Item.objects.filter({ owner__gt: 5 }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ owner__gt__gte: 5 }))).toEqual(['50% off', 'under_score']);
  });

  it('pk and instances are accepted everywhere', async () => {
    const acme = await Owner.objects.get({ name: 'Acme' });
    expect(await names(Item.objects.filter({ owner: acme }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ owner__pk: acme.pk }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ ownerId: acme.id }))).toEqual(['50% off', 'under_score']);
    expect(await names(Item.objects.filter({ owner__in: [acme] }))).toEqual(['50% off', 'under_score']);
  });

  it('values of the wrong type fail before any SQL is sent', async () => {
    await expectNumQueries(0, async () => {
      await expect(Item.objects.filter({ quantity: 'lots' })).rejects.toThrow("Field 'quantity' expected a number but got 'lots'.");
      await expect(Item.objects.filter({ happenedAt__gt: 'yesterday' })).rejects.toThrow("Field 'happenedAt' expected a date or datetime but got 'yesterday'.");
      await expect(Item.objects.filter({ uid: 'not-a-uuid' })).rejects.toThrow("Field 'uid' expected a UUID but got 'not-a-uuid'.");
      await expect(Item.objects.filter({ price: 'cheap' })).rejects.toThrow("Field 'price' expected a decimal number but got 'cheap'.");
    });
    expect(await names(Item.objects.filter({ quantity: '3' }))).toEqual(['50% off']);
  });
});

describe('spanning relations', () => {
  it('forward, reverse, and separate filter() calls on many-valued relations', async () => {
    const acme = await Owner.objects.get({ name: 'Acme' });
    const [first, second] = await Item.objects.filter({ owner: acme }).orderBy('id');
    await Part.objects.create({ label: 'bolt', item: first });
    await Part.objects.create({ label: 'nut', item: first });
    await Part.objects.create({ label: 'bolt', item: second });
    await Part.objects.create({ label: 'washer', item: second });
    // one filter() call: the same part must match both conditions
    expect(await names(Item.objects.filter({ part__label: 'bolt', part__label__startswith: 'n' }))).toEqual([]);
    // two filter() calls: each may match a different part
    expect(await names(Item.objects.filter({ part__label: 'bolt' }).filter({ part__label__startswith: 'n' }))).toEqual(['50% off']);
    // reverse spanning from the owner
    const owners = await Owner.objects.filter({ item__part__label: 'washer' });
    expect(owners.map((o) => o.name)).toEqual(['Acme']);
    // exclude across a many-valued relation: no related row matches
    expect(await names(Item.objects.exclude({ part__label: 'nut' }))).toEqual(['Plain', 'back\\slash', 'under_score']);
    expect((await Owner.objects.exclude({ item__part__label: 'washer' })).map((o) => o.name)).toEqual(['Bolt']);
  });

  it('reuses one join per path within a filter() call', () => {
    const { sql } = Item.objects.filter({ part__label: 'a', part__id__gt: 1 }).toSQL();
    expect(sql.match(/join "catalog_part"/gi)?.length).toBe(1);
    const two = Item.objects.filter({ part__label: 'a' }).filter({ part__id__gt: 1 }).toSQL().sql;
    expect(two.match(/join "catalog_part"/gi)?.length).toBe(2);
  });
});

describe('join promotion and trimming', () => {
  it('ANDed filter joins are INNER; under OR they are LEFT, so rows without a match still qualify', async () => {
    await Owner.objects.create({ name: 'Empty' });
    expect(Item.objects.filter({ owner__name: 'Acme' }).toSQL().sql).toMatch(/inner join "catalog_owner"/);
    const either = await Owner.objects.filter(Q({ item__name: '50% off' }).or({ name: 'Empty' })).orderBy('name');
    expect(either.map((o) => o.name)).toEqual(['Acme', 'Empty']);
    expect(Owner.objects.filter(Q({ item__name: 'x' }).or({ name: 'y' })).toSQL().sql).toMatch(/left join "catalog_item"/);
  });

  it('isnull on a reverse relation finds rows without related rows', async () => {
    await Owner.objects.create({ name: 'Empty' });
    expect((await Owner.objects.filter({ item__isnull: true })).map((o) => o.name)).toEqual(['Empty']);
    expect((await Item.objects.filter({ owner__isnull: true })).map((i) => i.name)).toEqual(['Plain']);
  });

  it('a path ending at the key the relation points at needs no join to the far table', () => {
    expect(Item.objects.filter({ owner__id: 1 }).toSQL().sql).not.toMatch(/join/);
    expect(Item.objects.filter({ owner__pk__in: [1, 2] }).values('owner__id').toSQL().sql).not.toMatch(/join/);
  });
});
