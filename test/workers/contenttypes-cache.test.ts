/**
 * The content-type cache's edge backends inside workerd, with real bindings: Cloudflare KV (the
 * `CONTENT_TYPES` namespace of wrangler.toml) and the Cache API (`caches.default` and a named
 * cache), each through the shared backend contract; then the tiers end to end on the `neon-http`
 * harness: a cold isolate with a warm edge answers without a query, in one cache read.
 */
import { env } from 'cloudflare:workers';
import { integer, pgTable, serial, text, varchar } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, inject, it, test } from 'vitest';
import { CASCADE, connect, defineApp, ForeignKey, Model, type Connection, type Manager } from 'djazzle';
import {
  cacheApiBackend, type CacheBackend, type CacheLike, configureContentTypeCache, ContentType, GenericForeignKey, GenericRelation, kvCacheBackend, KV_MIN_TTL,
} from 'djazzle/contenttypes';
import { captureQueries, expectNumQueries } from 'djazzle/testing';
import { isSkipped } from '../harness/descriptor.js';
import { cacheBackendSuite } from '../shared/cache-backend-suite.js';

cacheBackendSuite('cloudflare-kv', () => kvCacheBackend(env.CONTENT_TYPES));
cacheBackendSuite('cache-api (caches.default)', () => cacheApiBackend());
cacheBackendSuite('cache-api (a named cache)', () => cacheApiBackend({ cacheName: 'djazzle-content-types' }));

describe('backend specifics in workerd', () => {
  it('KV: a TTL under its minimum is raised to 60 seconds', async () => {
    const key = `ttl-${Date.now()}`;
    const before = Math.floor(Date.now() / 1000);
    await kvCacheBackend(env.CONTENT_TYPES).set(key, 'v', { ttl: 5 });
    const { keys } = await env.CONTENT_TYPES.list({ prefix: key });
    expect(keys).toHaveLength(1);
    expect(keys[0]!.expiration).toBeGreaterThanOrEqual(before + KV_MIN_TTL);
    expect(keys[0]!.expiration).toBeLessThanOrEqual(before + KV_MIN_TTL + 5);
  });

  it('KV: refuses something that is not a namespace binding', () => {
    expect(() => kvCacheBackend({} as never)).toThrow('kvCacheBackend() needs a KV namespace binding (env.<BINDING> with get, put and delete)');
  });

  it('Cache API: entries are responses under the base URL with max-age = TTL', async () => {
    const key = `max-age-${Date.now()}`;
    await cacheApiBackend({ baseUrl: 'https://cache.djazzle.test/ct/' }).set(key, '{"id":1}', { ttl: 300 });
    const stored = await (globalThis as unknown as { caches: { default: CacheLike } }).caches.default.match(new Request(`https://cache.djazzle.test/ct/${encodeURIComponent(key)}`));
    expect(stored?.headers.get('cache-control')).toBe('max-age=300');
    expect(await stored?.text()).toBe('{"id":1}');
    expect(() => cacheApiBackend({ baseUrl: 'cache' })).toThrow("cacheApiBackend(): baseUrl must be an http(s) URL ending with '/', not 'cache'.");
  });
});

class Page extends Model(pgTable('wct_page', { id: serial('id').primaryKey(), title: text('title').notNull() }), {
  app: 'wct',
  fields: { tags: GenericRelation(() => Label) },
}) {
  declare static objects: Manager<Page>;
}
class Label extends Model(
  pgTable('wct_label', { id: serial('id').primaryKey(), name: varchar('name', { length: 50 }).notNull(), contentTypeId: integer('content_type_id').notNull(), objectId: integer('object_id').notNull() }),
  { app: 'wct', fields: { contentType: ForeignKey(() => ContentType, { onDelete: CASCADE }), contentObject: GenericForeignKey() } },
) {
  declare static objects: Manager<Label>;
}
defineApp('wct', { models: [Page, Label] });

function counting(inner: CacheBackend) {
  const calls = { get: 0, set: 0 };
  const backend: CacheBackend = {
    name: inner.name,
    get: (key) => (calls.get++, inner.get(key)),
    set: (key, value, options) => (calls.set++, inner.set(key, value, options)),
    delete: (key) => inner.delete(key),
  };
  return { backend, calls, reset: () => Object.assign(calls, { get: 0, set: 0 }) };
}

const slot = inject('djazzleHarness')['neon-http'];

if (isSkipped(slot)) {
  const reason = slot?.skip ?? 'the global setup provided no harness';
  describe.skip(`content types end to end in workerd (skipped: ${reason})`, () => {
    test('needs the neon-http harness', () => undefined);
  });
} else {
  describe('content types end to end in workerd, on neon-http', () => {
    const alias = 'ct-edge';
    let db: Connection;
    beforeAll(async () => {
      db = await connect(slot.url, { driver: slot.driver, alias });
      await db.dropTables(Label, Page, ContentType);
      await db.createTables(ContentType, Page, Label); // creates their content types too
    });
    afterAll(async () => {
      configureContentTypeCache(null);
      await db.dropTables(Label, Page, ContentType);
      await db.close();
    });

    for (const [name, make] of [
      ['cloudflare-kv', () => kvCacheBackend(env.CONTENT_TYPES)],
      ['cache-api', () => cacheApiBackend()],
    ] as const) {
      it(`${name}: a cold isolate with a warm edge answers with no query and one cache read`, async () => {
        const edge = counting(make());
        configureContentTypeCache({ backend: edge.backend, ttl: 300, prefix: `workerd-${name}-${Date.now()}` });
        const manager = ContentType.objects.dbManager(alias);
        manager.clearCache();
        const ct = await expectNumQueries(1, () => manager.getForModel(Page)); // cold isolate, cold edge
        expect(edge.calls).toEqual({ get: 1, set: 2 });
        await expectNumQueries(0, () => manager.getForModel(Page)); // warm isolate
        expect(edge.calls.get).toBe(1);
        manager.clearCache(); // a new isolate
        edge.reset();
        const again = await expectNumQueries(0, () => manager.getForModel(Page));
        expect([again.id, again.appLabel, again.model, edge.calls.get]).toEqual([ct.id, 'wct', 'page', 1]);
        manager.clearCache();
        edge.reset();
        await expectNumQueries(0, () => manager.getForId(ct.id));
        expect(edge.calls.get).toBe(1);
        // a generic foreign key assigned in a cold isolate: the INSERT is the only query
        const page = await Page.objects.using(alias).create({ title: `a ${name} page` });
        manager.clearCache();
        edge.reset();
        const { result: label, queries } = await captureQueries(() => Label.objects.using(alias).create({ name: 'edge', contentObject: page }));
        expect(queries.map((q) => q.sql.split(' ')[0])).toEqual(['insert']);
        expect([label.contentTypeId, edge.calls.get]).toEqual([ct.id, 1]);
        expect((await Page.objects.using(alias).filter({ tags__name: 'edge', pk: page.pk })).map((p) => p.title)).toEqual([`a ${name} page`]);
      });
    }
  });
}
