/** Model instances: construction, save() and its options, delete(), refreshFromDb, relations, JSON, errors. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bigint, integer, numeric, pgTable, serial, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { randomUUID } from 'node:crypto';
import {
  CASCADE, DatabaseError, defineApp, ForeignKey, IntegrityError, Model, ObjectDoesNotExist, OneToOne, RelatedObjectNotLoaded, type Connection, type Manager,
} from 'djazzle';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';
import { Article, Publication, Reporter } from './fixtures/news.js';

const places = pgTable('inst_place', { id: serial('id').primaryKey(), name: varchar('name', { length: 50 }).notNull().unique() });
const restaurants = pgTable('inst_restaurant', { id: serial('id').primaryKey(), placeId: integer('place_id').notNull().unique(), rating: integer('rating').notNull().default(3) });
const docs = pgTable('inst_doc', {
  uid: uuid('uid').primaryKey().$defaultFn(() => randomUUID()),
  title: text('title').notNull(),
  size: bigint('size', { mode: 'bigint' }),
  price: numeric('price', { precision: 6, scale: 2 }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
class Place extends Model(places, { app: 'inst' }) {
  declare static objects: Manager<Place>;
  declare restaurant: Restaurant;
}
class Restaurant extends Model(restaurants, { app: 'inst', fields: { place: OneToOne(() => Place, { onDelete: CASCADE }) } }) {}
class Doc extends Model(docs, { app: 'inst', fields: { createdAt: { autoNowAdd: true }, updatedAt: { autoNow: true } } }) {}
defineApp('inst', { models: [Place, Restaurant, Doc] });

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Reporter, Article, Publication, Place, Restaurant, Doc] });
});
afterAll(() => db.close());
beforeEach(() => db.truncate());

describe('construction and pk', () => {
  it('builds unsaved instances with defaults and related objects', () => {
    const r = new Reporter({ firstName: 'A', lastName: 'B' });
    expect(r.pk).toBeUndefined();
    expect(r.email).toBeNull();
    expect(r._state.adding).toBe(true);
    const a = new Article({ headline: 'x', reporter: r });
    expect(a.published).toBe(true);
    expect(a.reporter).toBe(r);
    expect(() => new Reporter({ nickname: 'x' } as never)).toThrow("Reporter() got unexpected keyword arguments: 'nickname'");
    expect(() => new Article({ reporter: new Publication({ title: 'x' }) as never })).toThrow('Cannot assign "Publication": "Article.reporter" must be a "Reporter" instance.');
    expect(() => new Article({ publications: [] as never })).toThrow(/Direct assignment to the forward side of a many-to-many set is prohibited. Use publications.set\(\) instead./);
  });
});

describe('save()', () => {
  it('inserts, then updates only by pk', async () => {
    const r = new Reporter({ firstName: 'John', lastName: 'Smith' });
    const { queries } = await captureQueries(() => r.save());
    expect(queries).toHaveLength(1);
    expect(queries[0]!.sql).toMatch(/^insert into "news_reporter"/);
    expect(r.id).toBeGreaterThan(0);
    expect(r._state.adding).toBe(false);
    r.lastName = 'Smyth';
    const update = await captureQueries(() => r.save());
    expect(update.queries[0]!.sql).toMatch(/^update "news_reporter" set/);
    expect((await Reporter.objects.get({ pk: r.pk })).lastName).toBe('Smyth');
  });

  it('inserts when an UPDATE by an unknown pk matches nothing', async () => {
    const r = new Reporter({ id: 4242, firstName: 'Set', lastName: 'Pk' });
    const { queries } = await captureQueries(() => r.save());
    expect(queries.map((q) => q.sql.split(' ')[0])).toEqual(['update', 'insert']);
    expect(await Reporter.objects.filter({ pk: 4242 }).exists()).toBe(true);
  });

  it('forceInsert, forceUpdate and their errors', async () => {
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    await expect(r.save({ forceInsert: true })).rejects.toBeInstanceOf(IntegrityError);
    await expect(new Reporter({ id: 999, firstName: 'x', lastName: 'y' }).save({ forceUpdate: true })).rejects.toThrow('Forced update did not affect any rows.');
    await expect(new Reporter({ firstName: 'x', lastName: 'y' }).save({ forceUpdate: true })).rejects.toThrow('Cannot force an update in save() with no primary key.');
    await expect(r.save({ forceInsert: true, forceUpdate: true })).rejects.toThrow('Cannot force both insert and updating in model saving.');
    await expect(new Reporter({ id: 998, firstName: 'x', lastName: 'y' }).save({ updateFields: ['firstName'] })).rejects.toThrow('Save with update_fields did not affect any rows.');
  });

  it('updateFields writes only those columns; an empty list writes nothing', async () => {
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    r.firstName = 'Changed';
    r.lastName = 'NotSaved';
    const { queries } = await captureQueries(() => r.save({ updateFields: ['firstName'] }));
    expect(queries[0]!.sql).toBe('update "news_reporter" set "first_name" = $1 where "news_reporter"."id" = $2 returning "id"');
    const fresh = await Reporter.objects.get({ pk: r.pk });
    expect([fresh.firstName, fresh.lastName]).toEqual(['Changed', 'B']);
    await expectNumQueries(0, () => r.save({ updateFields: [] }));
    await expect(r.save({ updateFields: ['nope', 'articles'] })).rejects.toThrow('The following fields do not exist in this model, are m2m fields, or are non-concrete fields: nope, articles');
  });

  it('fills autoNowAdd once and autoNow on every save; $defaultFn primary keys insert directly', async () => {
    const doc = new Doc({ title: 'a', size: 12n, price: '9.99' });
    expect(doc.uid).toMatch(/^[0-9a-f-]{36}$/);
    const { queries } = await captureQueries(() => doc.save());
    expect(queries).toHaveLength(1);
    const created = doc.createdAt;
    expect(created).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 5));
    await doc.save();
    expect(doc.createdAt).toBe(created);
    expect(doc.updatedAt.getTime()).toBeGreaterThan(created.getTime());
  });

  it('refuses an unsaved related object', async () => {
    const a = new Article({ headline: 'x', pubDate: new Date(), reporter: new Reporter({ firstName: 'u', lastName: 'v' }) });
    await expect(a.save()).rejects.toThrow("save() prohibited to prevent data loss due to unsaved related object 'reporter'.");
  });

  it('a related object saved after assignment gives its pk on save', async () => {
    const r = new Reporter({ firstName: 'late', lastName: 'save' });
    const a = new Article({ headline: 'x', pubDate: new Date(), reporter: r });
    await r.save();
    await a.save();
    expect(a.reporterId).toBe(r.id);
  });

  it('wrong types are refused before any SQL', async () => {
    const r = new Reporter({ firstName: 'x', lastName: 'y' });
    r.id = 'abc' as never;
    await expectNumQueries(0, () => expect(r.save()).rejects.toThrow("Field 'id' expected a number but got 'abc'."));
  });
});

describe('database errors', () => {
  it('surface as IntegrityError / DatabaseError with the SQL, parameters and cause', async () => {
    await Place.objects.create({ name: 'Dup' });
    const error = await Place.objects.create({ name: 'Dup' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error).toBeInstanceOf(DatabaseError);
    const e = error as IntegrityError;
    expect(e.sql).toMatch(/^insert into "inst_place"/);
    expect(e.params).toEqual(['Dup']);
    expect(e.code).toBe('23505');
    expect(e.cause).toBeDefined();
    expect(e.message).toMatch(/duplicate key value violates unique constraint/);
    const syntax = await db.execute('SELEC 1').catch((x: unknown) => x);
    expect(syntax).toBeInstanceOf(DatabaseError);
    expect(syntax).not.toBeInstanceOf(IntegrityError);
  });
});

describe('delete()', () => {
  it('deletes one row and answers Django’s counts', async () => {
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    await Article.objects.create({ headline: 'h', pubDate: new Date(), reporter: r });
    const result = await r.delete();
    expect(result).toEqual([2, { 'news.Article': 1, 'news.Reporter': 1 }]);
    expect(r.pk).toBeNull();
    await expect(new Reporter({ firstName: 'x', lastName: 'y' }).delete()).rejects.toThrow("Reporter object can't be deleted because its id attribute is set to null.");
  });
});

describe('refreshFromDb', () => {
  it('reloads all fields or only some, and raises DoesNotExist when the row is gone', async () => {
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    await Reporter.objects.filter({ pk: r.pk }).update({ firstName: 'X', lastName: 'Y' });
    await r.refreshFromDb({ fields: ['firstName'] });
    expect([r.firstName, r.lastName]).toEqual(['X', 'B']);
    await r.refreshFromDb();
    expect(r.lastName).toBe('Y');
    await Reporter.objects.filter({ pk: r.pk }).delete();
    await expect(r.refreshFromDb()).rejects.toBeInstanceOf(Reporter.DoesNotExist);
  });
});

describe('forward relations', () => {
  it('throws RelatedObjectNotLoaded naming selectRelated and fetch; fetch() loads and caches', async () => {
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    await Article.objects.create({ headline: 'h', pubDate: new Date(), reporter: r });
    const a = await Article.objects.get({ headline: 'h' });
    expect(() => a.reporter).toThrow(RelatedObjectNotLoaded);
    expect(() => a.reporter).toThrow("Article.reporter is not loaded. Load it with .selectRelated('reporter') or .prefetchRelated('reporter') on the query, or with `await article.fetch('reporter')`.");
    const loaded = await expectNumQueries(1, () => a.fetch('reporter'));
    expect((loaded as Reporter).firstName).toBe('A');
    await expectNumQueries(0, () => a.fetch('reporter'));
    expect(a.reporter?.pk).toBe(r.pk);
    await expectNumQueries(1, () => a.fetch('reporter', { refresh: true }));
    const other = await Reporter.objects.create({ firstName: 'C', lastName: 'D' });
    a.reporterId = other.id;
    expect(() => a.reporter).toThrow(RelatedObjectNotLoaded);
    a.reporter = other;
    expect(a.reporterId).toBe(other.id);
  });

  it('one-to-one in both directions, absence cached', async () => {
    const place = await Place.objects.create({ name: 'Diner' });
    const empty = await Place.objects.create({ name: 'Lot' });
    await Restaurant.objects.create({ place, rating: 5 });
    const loaded = await Place.objects.get({ name: 'Diner' });
    expect(() => loaded.restaurant).toThrow(RelatedObjectNotLoaded);
    expect(((await loaded.fetch('restaurant')) as Restaurant).rating).toBe(5);
    expect(await expectNumQueries(1, () => empty.fetch('restaurant'))).toBeNull();
    expect(() => empty.restaurant).toThrow(Restaurant.DoesNotExist);
    expect(() => empty.restaurant).toThrow('Place has no restaurant.');
    expect(() => empty.restaurant).toThrow(ObjectDoesNotExist);
    const r = await Restaurant.objects.selectRelated('place').get();
    expect(r.place?.name).toBe('Diner');
    const p = await Place.objects.selectRelated('restaurant').get({ name: 'Diner' });
    expect(p.restaurant.rating).toBe(5);
  });
});

describe('equals, toJSON, serializableValue', () => {
  it('compares by concrete model and pk; unsaved instances equal only themselves', async () => {
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    const again = await Reporter.objects.get({ pk: r.pk });
    expect(r.equals(again)).toBe(true);
    expect(r === again).toBe(false);
    const u1 = new Reporter({ firstName: 'x', lastName: 'y' });
    expect(u1.equals(u1)).toBe(true);
    expect(u1.equals(new Reporter({ firstName: 'x', lastName: 'y' }))).toBe(false);
    const p = await Publication.objects.create({ title: 'A' });
    expect(p.equals(r)).toBe(r.pk !== p.pk ? false : false);
  });

  it('toJSON uses attribute names, ISO dates, bigints and decimals as strings', async () => {
    const doc = await Doc.objects.create({ title: 't', size: 9007199254740993n, price: '12.50' });
    const json = doc.toJSON();
    expect(json).toEqual({ uid: doc.uid, title: 't', size: '9007199254740993', price: '12.50', createdAt: doc.createdAt.toISOString(), updatedAt: doc.updatedAt.toISOString() });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(json);
    const r = await Reporter.objects.create({ firstName: 'A', lastName: 'B' });
    const a = await Article.objects.create({ headline: 'h', pubDate: new Date(0), reporter: r });
    expect(a.toJSON()).toMatchObject({ reporterId: r.id, pubDate: '1970-01-01T00:00:00.000Z' });
    expect(a.serializableValue('reporter')).toBe(r.id);
  });
});
