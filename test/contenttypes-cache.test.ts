/**
 * The content-type cache in three tiers, with query counts and cache-read counts: the isolate's
 * memory, an edge cache backend (here the memory backend; KV and the Cache API run in workerd),
 * the database. A "cold isolate" is `ContentType.objects.clearCache()` (or another manager).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { integer, pgTable, serial, text, varchar } from 'drizzle-orm/pg-core';
import { atomic, CASCADE, defineApp, ForeignKey, IntegrityError, Model, type Connection, type Manager } from 'djazzle';
import {
  type CacheBackend, configureContentTypeCache, ContentType, ContentTypeManager, contentTypeCacheConfig, createContentTypes, GenericForeignKey,
  GenericRelation, memoryCacheBackend, type MemoryCacheBackend,
} from 'djazzle/contenttypes';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';
import { cacheBackendSuite } from './shared/cache-backend-suite.js';

class TaggedItem extends Model(
  pgTable('ctc_taggeditem', { id: serial('id').primaryKey(), tag: varchar('tag', { length: 50 }).notNull(), contentTypeId: integer('content_type_id').notNull(), objectId: integer('object_id').notNull() }),
  { app: 'ctc', fields: { contentType: ForeignKey(() => ContentType, { onDelete: CASCADE }), contentObject: GenericForeignKey() }, meta: { ordering: ['tag'] } },
) {
  declare static objects: Manager<TaggedItem>;
}
class Bookmark extends Model(pgTable('ctc_bookmark', { id: serial('id').primaryKey(), url: text('url').notNull() }), {
  app: 'ctc',
  fields: { tags: GenericRelation(() => TaggedItem, { relatedQueryName: 'bookmark' }) },
}) {
  declare static objects: Manager<Bookmark>;
}
class Note extends Model(pgTable('ctc_note', { id: serial('id').primaryKey(), text: text('text').notNull() }), { app: 'ctc', fields: { tags: GenericRelation(() => TaggedItem) } }) {
  declare static objects: Manager<Note>;
}
class Draft extends Model(pgTable('ctc_draft', { id: serial('id').primaryKey() }), { app: 'ctc' }) {}
defineApp('ctc', { models: [TaggedItem, Bookmark, Note, Draft] });
const MODELS = [ContentType, TaggedItem, Bookmark, Note, Draft];

/** A backend that counts what the content-type layer asks of it. */
function counting(inner: CacheBackend) {
  const calls = { get: 0, set: 0, delete: 0 };
  const backend: CacheBackend = {
    name: `counting ${inner.name}`,
    get: (key) => (calls.get++, inner.get(key)),
    set: (key, value, options) => (calls.set++, inner.set(key, value, options)),
    delete: (key) => (calls.delete++, inner.delete(key)),
    clear: () => (inner as MemoryCacheBackend).clear?.(),
  };
  const reset = () => Object.assign(calls, { get: 0, set: 0, delete: 0 });
  return { backend, calls, reset };
}

cacheBackendSuite('memory', () => memoryCacheBackend());

describe('memory backend', () => {
  it('expires entries after their TTL and counts what it holds', async () => {
    let now = 1_000_000;
    const memory = memoryCacheBackend({ now: () => now });
    await memory.set('k', 'v', { ttl: 60 });
    expect(memory.size).toBe(1);
    now += 59_999;
    expect(await memory.get('k')).toBe('v');
    now += 1;
    expect(await memory.get('k')).toBeNull();
    expect(memory.size).toBe(0);
    await memory.set('k', 'v', { ttl: 60 });
    memory.clear();
    expect(memory.size).toBe(0);
  });
});

describe('configureContentTypeCache()', () => {
  afterEach(() => configureContentTypeCache(null));

  it('sets the backend, the TTL (default one day) and the key prefix', () => {
    expect(contentTypeCacheConfig()).toBeNull();
    const backend = memoryCacheBackend();
    configureContentTypeCache({ backend });
    expect(contentTypeCacheConfig()).toMatchObject({ backend, ttl: 86_400, prefix: 'djazzle:ct' });
    configureContentTypeCache({ backend, ttl: 60, prefix: 'site-a:ct' });
    expect(contentTypeCacheConfig()).toMatchObject({ ttl: 60, prefix: 'site-a:ct' });
    configureContentTypeCache({ backend: null });
    expect(contentTypeCacheConfig()).toBeNull();
  });

  it('refuses a bad backend or option with a message saying what is wrong', () => {
    expect(() => configureContentTypeCache({ backend: {} as never })).toThrow('configureContentTypeCache(): the backend lacks name, get, set, delete (a cache backend has a name and get, set, delete methods).');
    expect(() => configureContentTypeCache({ backend: { name: 'x', get: async () => null } as never })).toThrow('the backend lacks set, delete');
    expect(() => configureContentTypeCache({ backend: memoryCacheBackend(), ttl: 0 })).toThrow(new RangeError('configureContentTypeCache(): ttl must be a positive number of seconds, not 0.'));
    expect(() => configureContentTypeCache({ backend: memoryCacheBackend(), ttl: '60' as never })).toThrow(RangeError);
    expect(() => configureContentTypeCache({ backend: memoryCacheBackend(), tll: 60 } as never)).toThrow('configureContentTypeCache() got unknown option(s): tll. Valid options: backend, ttl, prefix, onError.');
    expect(() => configureContentTypeCache({ backend: memoryCacheBackend(), prefix: '' })).toThrow('prefix must be a non-empty string');
  });
});

describe('the three tiers', () => {
  let db: Connection;
  let memory: MemoryCacheBackend;
  let edge: ReturnType<typeof counting>;
  beforeAll(async () => {
    db = await testDatabase({ models: MODELS });
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    memory = memoryCacheBackend();
    edge = counting(memory);
    configureContentTypeCache({ backend: edge.backend, ttl: 3600 });
    await db.truncate();
    await createContentTypes(MODELS);
    ContentType.objects.clearCache();
    edge.reset();
  });
  afterEach(() => configureContentTypeCache(null));

  const nk = (app: string, model: string) => `djazzle:ct:v1:default:nk:${app}.${model}`;
  const byId = (id: number) => `djazzle:ct:v1:default:id:${id}`;

  it('a cold isolate with a cold edge: one query, one cache read, both keys written', async () => {
    const ct = await expectNumQueries(1, () => ContentType.objects.getForModel(Bookmark));
    expect(edge.calls).toEqual({ get: 1, set: 2, delete: 0 });
    const stored = JSON.stringify({ id: ct.id, appLabel: 'ctc', model: 'bookmark' });
    expect(await memory.get(nk('ctc', 'bookmark'))).toBe(stored);
    expect(await memory.get(byId(ct.id))).toBe(stored);
  });

  it('a warm isolate answers with no query and no cache read', async () => {
    const ct = await ContentType.objects.getForModel(Bookmark);
    edge.reset();
    await expectNumQueries(0, async () => {
      expect(await ContentType.objects.getForModel(Bookmark)).toBe(ct);
      expect(await ContentType.objects.getForId(ct.id)).toBe(ct);
      expect(await ContentType.objects.getByNaturalKey('ctc', 'bookmark')).toBe(ct);
      expect((await ContentType.objects.getForModels(Bookmark)).get(Bookmark)).toBe(ct);
    });
    expect(edge.calls.get).toBe(0);
  });

  it('a cold isolate with a warm edge answers with no query and one cache read', async () => {
    const warm = await ContentType.objects.getForModel(Bookmark);
    for (const lookup of [
      (m: ContentTypeManager) => m.getForModel(Bookmark),
      (m: ContentTypeManager) => m.getForId(warm.id),
      (m: ContentTypeManager) => m.getByNaturalKey('ctc', 'bookmark'),
    ]) {
      ContentType.objects.clearCache(); // a new isolate
      edge.reset();
      const ct = await expectNumQueries(0, () => lookup(ContentType.objects));
      expect(edge.calls).toEqual({ get: 1, set: 0, delete: 0 });
      expect([ct.id, ct.appLabel, ct.model, ct._state.db, ct._state.adding]).toEqual([warm.id, 'ctc', 'bookmark', 'default', false]);
      // and the isolate is warm now
      await expectNumQueries(0, () => ContentType.objects.getForModel(Bookmark));
      expect(edge.calls.get).toBe(1);
    }
    // another manager is another cache: the same holds
    const other = new ContentTypeManager();
    other.contributeToClass(ContentType, 'other');
    edge.reset();
    await expectNumQueries(0, () => other.getForModel(Bookmark));
    expect(edge.calls.get).toBe(1);
  });

  it('getForModels: one read per model missing from the isolate, no query when the edge has them', async () => {
    await ContentType.objects.getForModels(Bookmark, Note, TaggedItem);
    ContentType.objects.clearCache();
    await ContentType.objects.getForModel(TaggedItem);
    edge.reset();
    const cts = await expectNumQueries(0, () => ContentType.objects.getForModels(Bookmark, Note, TaggedItem));
    expect([...cts.values()].map((ct) => ct.model)).toEqual(['bookmark', 'note', 'taggeditem']);
    expect(edge.calls.get).toBe(2);
  });

  it('clearCache() forgets the isolate tier only', async () => {
    const ct = await ContentType.objects.getForModel(Bookmark);
    ContentType.objects.clearCache();
    expect(await memory.get(nk('ctc', 'bookmark'))).not.toBeNull();
    expect(await memory.get(byId(ct.id))).not.toBeNull();
    await expectNumQueries(0, () => ContentType.objects.getForModel(Bookmark));
  });

  it('a miss is never cached', async () => {
    const sizeBefore = memory.size;
    await expect(ContentType.objects.getForId(4242)).rejects.toThrow(ContentType.DoesNotExist);
    await expect(ContentType.objects.getByNaturalKey('ctc', 'nothing')).rejects.toThrow(ContentType.DoesNotExist);
    expect(edge.calls.set).toBe(0);
    expect(memory.size).toBe(sizeBefore);
    // asked again: the edge and the database again
    edge.reset();
    await expectNumQueries(2, async () => {
      await ContentType.objects.getForId(4242).catch(() => null);
      await ContentType.objects.getByNaturalKey('ctc', 'nothing').catch(() => null);
    });
    expect(edge.calls.get).toBe(2);
  });

  it('entries expire after the TTL: then the database answers again', async () => {
    let now = 5_000_000;
    const clocked = counting(memoryCacheBackend({ now: () => now }));
    configureContentTypeCache({ backend: clocked.backend, ttl: 120 });
    await ContentType.objects.getForModel(Bookmark);
    ContentType.objects.clearCache();
    now += 119_000;
    await expectNumQueries(0, () => ContentType.objects.getForModel(Bookmark));
    ContentType.objects.clearCache();
    now += 1_000;
    await expectNumQueries(1, () => ContentType.objects.getForModel(Bookmark));
  });

  it('keys carry the prefix and the database alias', async () => {
    configureContentTypeCache({ backend: edge.backend, prefix: 'site-b:ct' });
    const ct = await ContentType.objects.getForModel(Note);
    expect(await memory.get(`site-b:ct:v1:default:nk:ctc.note`)).toBe(JSON.stringify({ id: ct.id, appLabel: 'ctc', model: 'note' }));
    expect(await memory.get(nk('ctc', 'note'))).toBeNull();
  });

  it('an entry pointing at a deleted row is dropped when a write finds it stale', async () => {
    const bookmark = await Bookmark.objects.create({ url: 'https://example.com/' });
    const stale = await ContentType.objects.getForModel(Bookmark);
    await db.execute(`DELETE FROM django_content_type WHERE id = ${stale.id}`); // behind djazzle's back
    ContentType.objects.clearCache(); // a new isolate: the edge still says the row exists
    edge.reset();
    const error = await bookmark.tags.create({ tag: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(edge.calls.get).toBe(1);
    expect(await memory.get(nk('ctc', 'bookmark'))).toBeNull();
    expect(await memory.get(byId(stale.id))).toBeNull();
    // the next lookup goes to the database, creates the row again, and caches that
    const tag = await bookmark.tags.create({ tag: 'x' });
    const fresh = await ContentType.objects.getForModel(Bookmark);
    expect(fresh.id).not.toBe(stale.id);
    expect(tag.contentTypeId).toBe(fresh.id);
    expect(JSON.parse((await memory.get(nk('ctc', 'bookmark')))!)).toEqual({ id: fresh.id, appLabel: 'ctc', model: 'bookmark' });
  });

  it('the same holds for a save() through a generic foreign key, and for add()', async () => {
    const note = await Note.objects.create({ text: 'n' });
    const old = await TaggedItem.objects.create({ tag: 'old', contentObject: note });
    const stale = await ContentType.objects.getForModel(Note);
    await db.execute(`UPDATE ctc_taggeditem SET content_type_id = ${(await ContentType.objects.getForModel(Draft)).id}`);
    await db.execute(`DELETE FROM django_content_type WHERE id = ${stale.id}`);
    ContentType.objects.clearCache();
    await expect(TaggedItem.objects.create({ tag: 'y', contentObject: note })).rejects.toThrow(IntegrityError);
    expect(await memory.get(nk('ctc', 'note'))).toBeNull();
    expect((await TaggedItem.objects.create({ tag: 'y', contentObject: note })).contentTypeId).not.toBe(stale.id);

    const again = await ContentType.objects.getForModel(Note);
    await db.execute(`DELETE FROM ctc_taggeditem WHERE content_type_id = ${again.id}`);
    await db.execute(`DELETE FROM django_content_type WHERE id = ${again.id}`);
    ContentType.objects.clearCache();
    await expect(note.tags.add(old)).rejects.toThrow(IntegrityError);
    expect(await memory.get(nk('ctc', 'note'))).toBeNull();
    await note.tags.add(old);
    expect((await note.tags.all()).map((t) => t.tag)).toEqual(['old']);
  });

  it('an entry that does not match its key is dropped when read', async () => {
    const ct = await ContentType.objects.getForModel(Bookmark);
    await memory.set(nk('ctc', 'bookmark'), JSON.stringify({ id: 999, appLabel: 'ctc', model: 'note' }), { ttl: 60 });
    ContentType.objects.clearCache();
    edge.reset();
    const again = await expectNumQueries(1, () => ContentType.objects.getForModel(Bookmark));
    expect(again.id).toBe(ct.id);
    expect(edge.calls.delete).toBe(1);
    await memory.set(byId(ct.id), 'not json', { ttl: 60 });
    ContentType.objects.clearCache();
    await expectNumQueries(1, () => ContentType.objects.getForId(ct.id));
    // both were replaced by good entries
    ContentType.objects.clearCache();
    await expectNumQueries(0, () => ContentType.objects.getForId(ct.id));
  });

  it('deleting or changing a content type through djazzle drops it from both tiers', async () => {
    const ct = await ContentType.objects.getForModel(Draft);
    await ct.delete();
    expect(await memory.get(nk('ctc', 'draft'))).toBeNull();
    expect(await memory.get(byId(ct.id))).toBeNull();
    const recreated = await expectNumQueries(3, () => ContentType.objects.getForModel(Draft));
    recreated.model = 'olddraft';
    await recreated.save();
    expect(await memory.get(nk('ctc', 'draft'))).toBeNull();
    expect(await memory.get(byId(recreated.id))).toBeNull();
    await expectNumQueries(1, () => ContentType.objects.getForId(recreated.id));
  });

  it('rows read inside a transaction reach the edge only once it commits', async () => {
    await ContentType.objects.filter({ model: 'draft' }).delete();
    ContentType.objects.clearCache();
    await atomic(async () => {
      await ContentType.objects.getForModel(Draft);
      expect(await memory.get(nk('ctc', 'draft'))).toBeNull();
      throw new Error('rolled back');
    }).catch(() => null);
    expect(await memory.get(nk('ctc', 'draft'))).toBeNull(); // the rolled-back row was never published
    ContentType.objects.clearCache();
    await atomic(async () => {
      await ContentType.objects.getForModel(Draft);
    });
    expect(await memory.get(nk('ctc', 'draft'))).not.toBeNull();
  });

  it('a failing backend is reported and the lookup goes on without it', async () => {
    const onError = vi.fn();
    const broken: CacheBackend = {
      name: 'broken',
      get: async () => {
        throw new Error('unreachable');
      },
      set: async () => {
        throw new Error('unreachable');
      },
      delete: async () => undefined,
    };
    configureContentTypeCache({ backend: broken, onError });
    const ct = await expectNumQueries(1, () => ContentType.objects.getForModel(Bookmark));
    expect(ct.model).toBe('bookmark');
    expect(onError.mock.calls.map(([error, operation, key]) => [(error as Error).message, operation, key])).toEqual([
      ['unreachable', 'get', nk('ctc', 'bookmark')],
      ['unreachable', 'set', byId(ct.id)],
      ['unreachable', 'set', nk('ctc', 'bookmark')],
    ]);
  });

  it('generic relations use the tiers too: a cold isolate with a warm edge needs no content-type query', async () => {
    const bookmark = await Bookmark.objects.create({ url: 'https://example.com/' });
    await bookmark.tags.create({ tag: 'a' });
    ContentType.objects.clearCache();
    edge.reset();
    // assignment in a cold isolate: the content type comes from the edge before the INSERT
    const { queries } = await captureQueries(() => TaggedItem.objects.create({ tag: 'b', contentObject: bookmark }));
    expect(queries.map((q) => q.sql.split(' ')[0])).toEqual(['insert']);
    expect(edge.calls.get).toBe(1);
    ContentType.objects.clearCache();
    edge.reset();
    const tags = await expectNumQueries(2, () => TaggedItem.objects.prefetchRelated('contentObject'));
    expect(tags.map((t) => (t.contentObject as Bookmark).url)).toEqual(['https://example.com/', 'https://example.com/']);
    expect(edge.calls.get).toBe(1);
  });

  it('truncate() clears the isolate tier and a backend that can be cleared', async () => {
    await ContentType.objects.getForModel(Bookmark);
    expect(memory.size).toBeGreaterThan(0);
    await db.truncate();
    expect(memory.size).toBe(0);
    await expectNumQueries(3, () => ContentType.objects.getForModel(Bookmark));
  });
});
