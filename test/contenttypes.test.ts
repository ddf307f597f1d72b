/**
 * ContentType and its manager, after Django's contenttypes_tests (test_models, test_management):
 * the per-isolate cache with query counts, proxies, missing models, natural keys, creation after
 * migrate and in testDatabase(), removal of stale content types, bad input.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { boolean, pgTable, serial, text, varchar } from 'drizzle-orm/pg-core';
import { apps, connect, defineApp, LookupError, Manager, Model, ObjectDoesNotExist, type Connection } from 'djazzle';
import { postMigrate } from 'djazzle/signals';
import { ContentType, ContentTypeManager, contentTypeTable, createContentTypes, removeStaleContentTypes } from 'djazzle/contenttypes';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';

const authors = pgTable('ctt_author', { id: serial('id').primaryKey(), name: varchar('name', { length: 100 }).notNull() });
const concretes = pgTable('ctt_concretemodel', { id: serial('id').primaryKey(), name: varchar('name', { length: 10 }).notNull() });
const foos = pgTable('ctt_foowithurl', { id: serial('id').primaryKey(), name: varchar('name', { length: 30 }).notNull() });
const sites = pgTable('ctt_site', { id: serial('id').primaryKey(), domain: varchar('domain', { length: 100 }).notNull() });
const geckos = pgTable('ctt_gecko', { id: serial('id').primaryKey(), hasTail: boolean('has_tail').notNull().default(false) });
const others = pgTable('ctt_other_author', { id: serial('id').primaryKey(), name: text('name').notNull() });

class Author extends Model(authors, { app: 'ctt' }) {
  declare static objects: Manager<Author>;
}
class ConcreteModel extends Model(concretes, { app: 'ctt' }) {
  declare static objects: Manager<ConcreteModel>;
}
class ProxyModel extends Model.proxy(ConcreteModel, { name: 'ProxyModel' }) {}
class FooWithUrl extends Model(foos, { app: 'ctt', meta: { verboseName: 'foo with a URL' } }) {}
class Site extends Model(sites, { app: 'ctt' }) {}
class GeckoManager extends Manager<Gecko> {
  override getQueryset() {
    return super.getQueryset().filter({ hasTail: true });
  }
}
class Gecko extends Model(geckos, { app: 'ctt', manager: new GeckoManager() }) {
  declare static objects: GeckoManager;
}
// an author in another app: a stale ('ctt', 'author')-like row must not be mistaken for it
class OtherAuthor extends Model(others, { app: 'ctt_other', name: 'Author' }) {}

const ctt = defineApp('ctt', { models: [Author, ConcreteModel, ProxyModel, FooWithUrl, Site, Gecko], verboseName: 'Contenttypes_Tests' });
defineApp('ctt_other', { models: [OtherAuthor] });

const MODELS = [ContentType, Author, ConcreteModel, ProxyModel, FooWithUrl, Site, Gecko, OtherAuthor];

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: MODELS });
});
afterAll(() => db.close());

beforeEach(async () => {
  await db.truncate();
  await createContentTypes(MODELS);
  ContentType.objects.clearCache();
});

describe('ContentTypeManager: the per-isolate cache (Django: test_lookup_cache)', () => {
  it('hits the database on the first lookup only, by model, id or natural key', async () => {
    await expectNumQueries(1, () => ContentType.objects.getForModel(ContentType));
    const ct = await expectNumQueries(0, () => ContentType.objects.getForModel(ContentType));
    await expectNumQueries(0, () => ContentType.objects.getForId(ct.id));
    await expectNumQueries(0, () => ContentType.objects.getByNaturalKey('contenttypes', 'contenttype'));

    ContentType.objects.clearCache();
    await expectNumQueries(1, () => ContentType.objects.getForModel(ContentType));
    ContentType.objects.clearCache();
    await expectNumQueries(1, () => ContentType.objects.getByNaturalKey('contenttypes', 'contenttype'));
    await expectNumQueries(0, () => ContentType.objects.getByNaturalKey('contenttypes', 'contenttype'));
    ContentType.objects.clearCache();
    await expectNumQueries(1, () => ContentType.objects.getForId(ct.id));
    await expectNumQueries(0, () => ContentType.objects.getForModel(ContentType));
  });

  it('answers the same cached instance', async () => {
    const ct = await ContentType.objects.getForModel(Author);
    expect(await ContentType.objects.getForModel(Author)).toBe(ct);
    expect(await ContentType.objects.getForId(ct.id)).toBe(ct);
    expect(await ContentType.objects.getByNaturalKey('ctt', 'author')).toBe(ct);
  });

  it('is not shared between managers (Django: test_cache_not_shared_between_managers)', async () => {
    await expectNumQueries(1, () => ContentType.objects.getForModel(ContentType));
    await expectNumQueries(0, () => ContentType.objects.getForModel(ContentType));
    const other = new ContentTypeManager();
    other.contributeToClass(ContentType, 'other');
    await expectNumQueries(1, () => other.getForModel(ContentType));
    await expectNumQueries(0, () => other.getForModel(ContentType));
  });

  it('accepts instances and labels as well as classes', async () => {
    const author = await Author.objects.create({ name: 'Boris' });
    const ct = await ContentType.objects.getForModel(Author);
    expect(await ContentType.objects.getForModel(author)).toBe(ct);
    expect(await ContentType.objects.getForModel('ctt.Author')).toBe(ct);
  });

  it('keeps one cache per database alias', async () => {
    const other = await testDatabase({ models: [ContentType, Author], alias: 'other' });
    try {
      const here = await ContentType.objects.getForModel(Author);
      // the other database: its own rows, its own cache entry, its own query
      const { result: there, queries } = await captureQueries(() => ContentType.objects.dbManager('other').getForModel(Author));
      expect(queries).toHaveLength(1);
      expect(there._state.db).toBe('other');
      expect(here._state.db).toBe('default');
      await expectNumQueries(0, () => ContentType.objects.dbManager('other').getForModel(Author));
      expect(await ContentType.objects.getForModel(Author)).toBe(here);
    } finally {
      await other.close();
    }
  });
});

describe('getForModel / getForModels', () => {
  it('creates a missing content type: get() first, then getOrCreate() (Django: test_get_for_model_create_contenttype)', async () => {
    await ContentType.objects.filter({ appLabel: 'ctt', model: 'site' }).delete();
    const { result: ct, queries } = await captureQueries(() => ContentType.objects.getForModel(Site));
    expect(queries.map((q) => q.sql.split(' ')[0])).toEqual(['select', 'select', 'insert']);
    expect([ct.appLabel, ct.model, String(ct), ct.name]).toEqual(['ctt', 'site', 'Contenttypes_Tests | site', 'site']);
    expect(await ContentType.objects.filter({ appLabel: 'ctt', model: 'site' }).count()).toBe(1);
  });

  it('one SELECT for all, then one INSERT per missing type (Django: test_get_for_models_creation)', async () => {
    await ContentType.objects.all().delete();
    const cts = await expectNumQueries(4, () => ContentType.objects.getForModels(ContentType, FooWithUrl, ProxyModel, ConcreteModel));
    expect(cts).toEqual(
      new Map<unknown, ContentType>([
        [ContentType, await ContentType.objects.getForModel(ContentType)],
        [FooWithUrl, await ContentType.objects.getForModel(FooWithUrl)],
        [ProxyModel, await ContentType.objects.getForModel(ProxyModel)],
        [ConcreteModel, await ContentType.objects.getForModel(ConcreteModel)],
      ]),
    );
    expect(cts.get(ProxyModel)).toBe(cts.get(ConcreteModel));
  });

  it('empty, partial and full cache (Django: test_get_for_models_*_cache)', async () => {
    const empty = await expectNumQueries(1, () => ContentType.objects.getForModels(ContentType, FooWithUrl, ProxyModel, ConcreteModel));
    expect([...empty.keys()]).toEqual([ContentType, FooWithUrl, ProxyModel, ConcreteModel]);
    ContentType.objects.clearCache();
    await ContentType.objects.getForModel(ContentType);
    const partial = await expectNumQueries(1, () => ContentType.objects.getForModels(ContentType, FooWithUrl));
    expect(partial.get(FooWithUrl)).toBe(await ContentType.objects.getForModel(FooWithUrl));
    await expectNumQueries(0, () => ContentType.objects.getForModels(ContentType, FooWithUrl));
  });

  it('maps proxies to their concrete model unless told not to (Django: test_get_for_concrete_model(s))', async () => {
    const concrete = await ContentType.objects.getForModel(ConcreteModel);
    expect(await ContentType.objects.getForModel(ProxyModel)).toBe(concrete);
    expect(await ContentType.objects.getForModel(ConcreteModel, { forConcreteModel: false })).toBe(concrete);
    const proxy = await ContentType.objects.getForModel(ProxyModel, { forConcreteModel: false });
    expect(proxy.equals(concrete)).toBe(false);
    expect([proxy.appLabel, proxy.model]).toEqual(['ctt', 'proxymodel']);
    expect(await ContentType.objects.getForModels(ConcreteModel, ProxyModel)).toEqual(new Map<unknown, unknown>([[ConcreteModel, concrete], [ProxyModel, concrete]]));
    expect(await ContentType.objects.getForModels(ConcreteModel, ProxyModel, { forConcreteModels: false })).toEqual(new Map<unknown, unknown>([[ConcreteModel, concrete], [ProxyModel, proxy]]));
    // deferred instances (only('pk')) are of the same class
    await ConcreteModel.objects.create({ name: 'Concrete' });
    const deferred = await ConcreteModel.objects.only('pk').get();
    expect(await ContentType.objects.getForModel(deferred)).toBe(concrete);
  });

  it('ignores a stale row of the same name in another app (Django: test_missing_model_with_existing_model_name)', async () => {
    await ContentType.objects.create({ appLabel: 'contenttypes', model: 'author' });
    ContentType.objects.clearCache();
    const cts = await ContentType.objects.getForModels(ContentType, Author);
    expect(cts.get(Author)!.naturalKey()).toEqual(['ctt', 'author']);
    expect(cts.get(ContentType)!.naturalKey()).toEqual(['contenttypes', 'contenttype']);
  });
});

describe('getForId / getByNaturalKey', () => {
  it('an unknown id throws DoesNotExist, and the miss is not cached', async () => {
    await expect(ContentType.objects.getForId(9999)).rejects.toThrow(ContentType.DoesNotExist);
    await expect(ContentType.objects.getForId(9999)).rejects.toThrow('ContentType matching query does not exist.');
    // asked again: the database again (a miss is never cached)
    await expectNumQueries(1, () => ContentType.objects.getForId(9999).catch(() => null));
    const ct = await ContentType.objects.create({ appLabel: 'ctt', model: 'later' });
    expect((await ContentType.objects.getForId(ct.id)).model).toBe('later');
  });

  it('an unknown natural key throws DoesNotExist, and the miss is not cached', async () => {
    await expect(ContentType.objects.getByNaturalKey('ctt', 'nothing')).rejects.toBeInstanceOf(ObjectDoesNotExist);
    await expectNumQueries(1, () => ContentType.objects.getByNaturalKey('ctt', 'nothing').catch(() => null));
  });

  it('refuses arguments of the wrong type with clear messages', async () => {
    await expect(ContentType.objects.getForId('abc')).rejects.toThrow("Field 'id' expected a number but got 'abc'.");
    await expect(ContentType.objects.getForId({})).rejects.toThrow(TypeError);
    await expect(ContentType.objects.getByNaturalKey('ctt', 42 as never)).rejects.toThrow('getByNaturalKey() expects the model name as a string, not number (42).');
    await expect(ContentType.objects.getForModel(42)).rejects.toThrow("getForModel() takes a model class, a model instance or an 'app_label.ModelName' label, not number (42).");
    await expect(ContentType.objects.getForModel({ name: 'x' })).rejects.toThrow(TypeError);
    await expect(ContentType.objects.getForModel('ctt.Nope')).rejects.toThrow(new LookupError("App 'ctt' doesn't have a 'Nope' model."));
    await expect(ContentType.objects.getForModel('nope.Author')).rejects.toThrow("No installed app with label 'nope'.");
    await expect(ContentType.objects.getForModel('Author')).rejects.toThrow("Model label must be in the form 'app_label.ModelName', not 'Author'.");
    await expect(ContentType.objects.getForModel(Author, { forConcreteModels: false } as never)).rejects.toThrow('getForModel() got unexpected option(s): forConcreteModels. Valid options: forConcreteModel.');
    await expect(ContentType.objects.getForModels(Author, { forConcreteModel: false })).rejects.toThrow('getForModels() got unexpected option(s): forConcreteModel. Valid options: forConcreteModels.');
    await expect(ContentType.objects.getForModels(Author, 'x')).rejects.toThrow("Model label must be in the form 'app_label.ModelName', not 'x'.");
  });
});

describe('ContentType instances', () => {
  it('modelClass(), name, appLabeledName, toString() and naturalKey()', async () => {
    const site = await ContentType.objects.get({ appLabel: 'ctt', model: 'site' });
    expect(site.modelClass()).toBe(Site);
    expect(site.name).toBe('site');
    expect(site.appLabeledName).toBe('Contenttypes_Tests | site');
    expect(String(site)).toBe('Contenttypes_Tests | site');
    expect(site.naturalKey()).toEqual(['ctt', 'site']);
    const foo = await ContentType.objects.getForModel(FooWithUrl);
    expect(foo.name).toBe('foo with a URL');
    expect(String(await ContentType.objects.getForModel(ContentType))).toBe('Content Types | content type');
    expect(ContentType._meta.dbTable).toBe('django_content_type');
    expect(ContentType._meta.label).toBe('contenttypes.ContentType');
    expect(ContentType._meta.verboseName).toBe('content type');
    expect(ContentType._meta.constraints).toContainEqual(expect.objectContaining({ kind: 'unique', fields: ['appLabel', 'model'], name: 'django_content_type_app_label_model_76bd3d3b_uniq' }));
    expect(ContentType.table).toBe(contentTypeTable);
  });

  it('a type whose model is gone: modelClass() is null, the name is the stored one (Django: test_missing_model)', async () => {
    const ct = await ContentType.objects.create({ appLabel: 'contenttypes', model: 'OldModel' });
    expect(String(ct)).toBe('OldModel');
    expect(ct.name).toBe('OldModel');
    expect(ct.modelClass()).toBeNull();
    expect((await ContentType.objects.getForId(ct.pk)).modelClass()).toBeNull();
    expect(new ContentType({ appLabel: 'ctt', model: 'unknown' }).name).toBe('unknown');
    await expect(ct.getObjectForThisType({ pk: 1 })).rejects.toThrow("getObjectForThisType(): content type 'contenttypes.OldModel' has no model");
  });

  it('getObjectForThisType() and getAllObjectsForThisType() use the base manager', async () => {
    const tailless = await Gecko.objects.getQueryset().create({ hasTail: false });
    await Gecko.objects.getQueryset().create({ hasTail: true });
    expect(await Gecko.objects.count()).toBe(1); // the default manager filters
    const ct = await ContentType.objects.getForModel(Gecko);
    const found = (await ct.getObjectForThisType({ pk: tailless.pk })) as Gecko;
    expect(found.equals(tailless)).toBe(true);
    expect(await ct.getAllObjectsForThisType().count()).toBe(2);
    expect(await ct.getAllObjectsForThisType({ hasTail: false }).count()).toBe(1);
    await expect(ct.getObjectForThisType({ pk: 999 })).rejects.toThrow('Gecko matching query does not exist.');
  });
});

describe('creating and removing content types', () => {
  it('testDatabase() created the content types of its models, truncate() empties the table and the cache', async () => {
    const fresh = await testDatabase({ models: [ContentType, Author, ProxyModel, ConcreteModel], alias: 'fresh' });
    try {
      const rows = (await ContentType.objects.dbManager('fresh').getQueryset().orderBy('appLabel', 'model').valuesList('appLabel', 'model')) as string[][];
      expect(rows).toEqual([['contenttypes', 'contenttype'], ['ctt', 'author'], ['ctt', 'concretemodel'], ['ctt', 'proxymodel']]);
      await ContentType.objects.dbManager('fresh').getForModel(Author);
      await expectNumQueries(0, () => ContentType.objects.dbManager('fresh').getForModel(Author));
      await fresh.truncate();
      expect(await ContentType.objects.dbManager('fresh').getQueryset().count()).toBe(0);
      // the cache forgot it: the next lookup reads (and creates) again
      await expectNumQueries(3, () => ContentType.objects.dbManager('fresh').getForModel(Author));
    } finally {
      await fresh.close();
    }
  });

  it('a database without ContentType among its models gets no content types', async () => {
    const plain = await testDatabase({ models: [Author], alias: 'plain' });
    try {
      const rows = await plain.execute(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'django_content_type'`);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await plain.close();
    }
  });

  it('the postMigrate receiver creates the content types of the migrated app, once', async () => {
    await ContentType.objects.all().delete();
    await postMigrate.send(ctt, { appConfig: ctt, verbosity: 0, interactive: false, using: 'default', plan: [], apps });
    const names = (await ContentType.objects.filter({ appLabel: 'ctt' }).orderBy('model').valuesList('model', { flat: true })) as string[];
    expect(names).toEqual(['author', 'concretemodel', 'foowithurl', 'gecko', 'proxymodel', 'site']);
    // sent again: nothing new (one SELECT, no INSERT)
    await expectNumQueries(1, () => postMigrate.send(ctt, { appConfig: ctt, verbosity: 0, interactive: false, using: 'default', plan: [], apps }));
    expect(await ContentType.objects.filter({ appLabel: 'ctt' }).count()).toBe(6);
  });

  it('postMigrate without an app config covers every installed model', async () => {
    await ContentType.objects.all().delete();
    await postMigrate.send('migrate', { appConfig: undefined, verbosity: 0, interactive: false, using: 'default', plan: [], apps: undefined });
    expect(await ContentType.objects.filter({ appLabel: 'ctt_other' }).valuesList('model', { flat: true })).toEqual(['author']);
    expect(await ContentType.objects.filter({ appLabel: 'contenttypes' }).valuesList('model', { flat: true })).toEqual(['contenttype']);
  });

  it('postMigrate does nothing when the migration state has no ContentType yet', async () => {
    await ContentType.objects.all().delete();
    const state = { getModel: () => { throw new LookupError("No installed app with label 'contenttypes'."); } };
    await postMigrate.send(ctt, { appConfig: ctt, verbosity: 0, interactive: false, using: 'default', plan: [], apps: state });
    expect(await ContentType.objects.count()).toBe(0);
  });

  it('createContentTypes() refuses what is not a model', async () => {
    await expect(createContentTypes([Author, 'ctt.Site' as never])).rejects.toThrow('createContentTypes() takes model classes or an app config, not string.');
  });

  it('removeStaleContentTypes() deletes the types whose model is gone (installed apps, or all with includeStaleApps)', async () => {
    await ContentType.objects.create({ appLabel: 'ctt', model: 'removedmodel' });
    await ContentType.objects.create({ appLabel: 'gone_app', model: 'thing' });
    const dry = await expectNumQueries(1, () => removeStaleContentTypes({ dryRun: true }));
    expect(dry.contentTypes.map((ct) => ct.naturalKey())).toEqual([['ctt', 'removedmodel']]);
    expect(await ContentType.objects.count()).toBe(10);
    const { contentTypes, deleted } = await removeStaleContentTypes();
    expect(contentTypes.map((ct) => ct.model)).toEqual(['removedmodel']);
    expect(deleted).toEqual([1, { 'contenttypes.ContentType': 1 }]);
    const all = await removeStaleContentTypes({ includeStaleApps: true });
    expect(all.contentTypes.map((ct) => ct.naturalKey())).toEqual([['gone_app', 'thing']]);
    expect(await ContentType.objects.filter({ appLabel: 'gone_app' }).exists()).toBe(false);
    expect((await removeStaleContentTypes({ includeStaleApps: true })).contentTypes).toEqual([]);
  });

  it('the contenttypes app is installed, and djazzle/contenttypes can be imported after djazzle alone', async () => {
    expect(apps.isInstalled('contenttypes')).toBe(true);
    expect(apps.getModel('contenttypes', 'ContentType')).toBe(ContentType);
    expect(apps.getModel('contenttypes.contenttype')).toBe(ContentType);
    // the root entry does not load contenttypes (a Worker bundle carries it only when used)
    const { readFileSync } = await import('node:fs');
    for (const file of ['src/index.ts', 'src/index.worker.ts', 'src/exports.ts']) expect(readFileSync(file, 'utf8')).not.toMatch(/contenttypes/);
    void connect;
  });
});
