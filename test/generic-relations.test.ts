/**
 * Generic relations, after Django's generic_relations tests: GenericForeignKey (get, set, cache,
 * fetch, a deleted target), GenericRelation (related manager, the content-type restriction in
 * filter and exclude, relatedQueryName both ways, cascades only with a GenericRelation), and
 * prefetchRelated over both, with query counts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { integer, pgTable, serial, text, varchar } from 'drizzle-orm/pg-core';
import { CASCADE, FieldError, ForeignKey, ImproperlyConfigured, Model, Prefetch, Q, RelatedObjectNotLoaded, type Connection } from 'djazzle';
import { ContentType, createContentTypes, GenericForeignKey, GenericRelation } from 'djazzle/contenttypes';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';
import {
  AllowsNullGFK, Animal, Bookmark, Comparison, ConcreteRelatedModel, ForConcreteModelModel, ForProxyModelModel, Gecko, genericModels, ManualPK, Mineral, Note,
  ProxyRelatedModel, TaggedItem, UUIDModel, UUIDTaggedItem, Vegetable,
} from './fixtures/generic.js';

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: genericModels });
});
afterAll(() => db.close());

let lion: Animal;
let platypus: Animal;
let bacon: Vegetable;
let quartz: Mineral;

beforeEach(async () => {
  await db.truncate();
  await createContentTypes(genericModels); // what migrate's postMigrate receiver does
  ContentType.objects.clearCache();
  lion = await Animal.objects.create({ commonName: 'Lion', latinName: 'Panthera leo' });
  platypus = await Animal.objects.create({ commonName: 'Platypus', latinName: 'Ornithorhynchus anatinus' });
  await Vegetable.objects.create({ name: 'Eggplant', isYucky: true });
  bacon = await Vegetable.objects.create({ name: 'Bacon', isYucky: false });
  quartz = await Mineral.objects.create({ name: 'Quartz', hardness: 7 });
  await bacon.tags.create({ tag: 'fatty' });
  await bacon.tags.create({ tag: 'salty' });
  await lion.tags.create({ tag: 'yellow' });
  await lion.tags.create({ tag: 'hairy' });
});

/** Django's comp_func: (tag, model class, object id). */
async function tagTriples(): Promise<Array<[string, unknown, number]>> {
  const tags = await TaggedItem.objects.all();
  return Promise.all(tags.map(async (t) => [t.tag, (await ContentType.objects.getForId(t.contentTypeId)).modelClass(), t.objectId] as [string, unknown, number]));
}

const tagsOf = async (qs: PromiseLike<Array<{ tag: string }>>) => (await qs).map((t) => t.tag);

describe('GenericForeignKey', () => {
  it('is set by assignment (both columns) and read back once loaded (Django: test_access_content_object)', async () => {
    const salty = await TaggedItem.objects.get({ tag: 'salty' });
    expect(() => salty.contentObject).toThrow(RelatedObjectNotLoaded);
    expect(() => salty.contentObject).toThrow("TaggedItem.contentObject is not loaded. Load it with .prefetchRelated('contentObject') on the query, or with `await taggedItem.fetch('contentObject')`.");
    const target = await expectNumQueries(1, () => salty.fetch('contentObject'));
    expect(target).toBeInstanceOf(Vegetable);
    expect((target as Vegetable).equals(bacon)).toBe(true);
    // cached on the instance: the getter and a second fetch answer without a query
    await expectNumQueries(0, async () => {
      expect(salty.contentObject).toBe(target);
      expect(await salty.fetch('contentObject')).toBe(target);
    });
    await expectNumQueries(1, () => salty.fetch('contentObject', { refresh: true }));
  });

  it('assigning sets the content type and the object id, and caches the object', async () => {
    const ct = await ContentType.objects.getForModel(Mineral);
    const tag = new TaggedItem({ tag: 'shiny', contentObject: quartz });
    expect([tag.contentTypeId, tag.objectId]).toEqual([ct.id, quartz.id]);
    expect(tag.contentObject).toBe(quartz);
    await expectNumQueries(1, () => tag.save()); // the INSERT only: the content type was cached
    tag.contentObject = platypus; // Django: test_set_foreign_key
    await tag.save();
    expect(await tagsOf(platypus.tags.all())).toEqual(['shiny']);
    tag.contentObject = null;
    expect([tag.contentTypeId, tag.objectId, tag.contentObject]).toEqual([null, null, null]);
    expect(() => new AllowsNullGFK({ contentObject: null })).not.toThrow();
    expect(new TaggedItem({ contentObject: null }).contentObject).toBeNull(); // Django #26179
  });

  it('a changed object id or content type drops the cached object', async () => {
    const tag = new TaggedItem({ tag: 'x', contentObject: lion });
    tag.objectId = platypus.id;
    expect(() => tag.contentObject).toThrow(RelatedObjectNotLoaded);
    tag.contentObject = lion;
    tag.contentTypeId = (await ContentType.objects.getForModel(Vegetable)).id;
    expect(() => tag.contentObject).toThrow(RelatedObjectNotLoaded);
  });

  it('looks the content type up before the save when the isolate has not cached it', async () => {
    ContentType.objects.clearCache();
    const tag = new TaggedItem({ tag: 'shiny', contentObject: quartz });
    expect(tag.contentTypeId).toBeNull(); // pending: not known without a lookup
    expect(tag.contentObject).toBe(quartz);
    const { queries } = await captureQueries(() => tag.save());
    expect(queries.map((q) => q.sql.split(' ')[0])).toEqual(['select', 'insert']);
    expect(tag.contentTypeId).toBe((await ContentType.objects.getForModel(Mineral)).id);
    expect(tag.contentObject).toBe(quartz);
    expect(await TaggedItem.objects.filter({ contentType__model: 'mineral', objectId: quartz.id }).count()).toBe(1);
  });

  it('in a session: a pending content type is resolved at flush, and the identity map answers the getter', async () => {
    ContentType.objects.clearCache();
    await db.session(async (session) => {
      const tag = new TaggedItem({ tag: 'session', contentObject: quartz });
      expect(tag.contentTypeId).toBeNull();
      session.add(tag);
      await session.flush();
      expect(tag.contentTypeId).toBe((await ContentType.objects.getForModel(Mineral)).id);
      const mineral = await Mineral.objects.get({ pk: quartz.pk }); // now in the identity map
      const salty = await TaggedItem.objects.get({ tag: 'salty' });
      expect(() => salty.contentObject).toThrow(RelatedObjectNotLoaded); // bacon is not in the session
      const baconHere = await Vegetable.objects.get({ pk: bacon.pk });
      await ContentType.objects.getForModel(Vegetable); // the getter maps the type without a query only from the isolate cache
      expect(await expectNumQueries(0, () => salty.contentObject)).toBe(baconHere);
      expect(mineral.name).toBe('Quartz');
    });
    expect(await TaggedItem.objects.filter({ tag: 'session', contentType__model: 'mineral' }).count()).toBe(1);
  });

  it('a deleted target reads as null, and that answer is cached', async () => {
    const tag = await TaggedItem.objects.create({ tag: 'clearish', contentObject: quartz });
    const fresh = await TaggedItem.objects.get({ pk: tag.pk });
    await Mineral.objects.filter({ pk: quartz.pk }).delete(); // Mineral has no GenericRelation: the tag stays
    expect(await expectNumQueries(1, () => fresh.fetch('contentObject'))).toBeNull();
    await expectNumQueries(0, async () => {
      expect(fresh.contentObject).toBeNull();
      expect(await fresh.fetch('contentObject')).toBeNull();
    });
  });

  it('an empty content type reads as null without a query', async () => {
    const empty = await AllowsNullGFK.objects.create({});
    const fresh = await AllowsNullGFK.objects.get({ pk: empty.pk });
    await expectNumQueries(0, async () => {
      expect(fresh.contentObject).toBeNull();
      expect(await fresh.fetch('contentObject')).toBeNull();
    });
  });

  it('loads through the base manager (Django: test_gfk_manager)', async () => {
    const tailless = await Gecko.objects.getQueryset().create({ hasTail: false });
    const tag = await TaggedItem.objects.create({ contentObject: tailless, tag: 'lizard' });
    const fresh = await TaggedItem.objects.get({ pk: tag.pk });
    expect(((await fresh.fetch('contentObject')) as Gecko).equals(tailless)).toBe(true);
  });

  it('refuses unsaved objects at save and non-instances at assignment', async () => {
    const unsaved = new Mineral({ name: 'Quartz', hardness: 7 });
    await expect(TaggedItem.objects.create({ tag: 'shiny', contentObject: unsaved })).rejects.toThrow(
      "save() prohibited to prevent data loss due to unsaved related object 'contentObject'.",
    );
    expect(() => new TaggedItem({ contentObject: 42 as never })).toThrow('Cannot assign 42: "TaggedItem.contentObject" must be a model instance.');
    // saved in the meantime: the object id is taken from it
    const tag = new TaggedItem({ tag: 'later', contentObject: unsaved });
    await unsaved.save();
    await tag.save();
    expect(tag.objectId).toBe(unsaved.id);
  });

  it('cannot be used in queries (Django: test_query_content_type)', async () => {
    await expect(TaggedItem.objects.get({ contentObject: '' })).rejects.toThrow(
      new FieldError("Field 'contentObject' does not generate an automatic reverse relation and therefore cannot be used for reverse querying. If it is a GenericForeignKey, consider adding a GenericRelation."),
    );
    expect(() => TaggedItem.objects.selectRelated('contentObject').toSQL()).toThrow("Invalid field given in select_related: 'contentObject'. Choices are: contentType");
  });

  it('works in getOrCreate and updateOrCreate defaults (virtual fields)', async () => {
    const diamond = await Mineral.objects.create({ name: 'Diamond', hardness: 7 });
    const [tag, created] = await TaggedItem.objects.getOrCreate({ tag: 'shiny' }, { defaults: { contentObject: quartz } });
    expect([created, tag.tag, tag.objectId]).toEqual([true, 'shiny', quartz.id]);
    const [again, created2] = await TaggedItem.objects.updateOrCreate({ tag: 'shiny' }, { defaults: { contentObject: diamond } });
    expect([created2, again.objectId]).toEqual([false, diamond.id]);
    expect((await TaggedItem.objects.get({ tag: 'shiny' })).objectId).toBe(diamond.id);
  });

  it('several generic foreign keys on one model (Django: test_multiple_gfk)', async () => {
    const tiger = await Animal.objects.create({ commonName: 'tiger' });
    const cheetah = await Animal.objects.create({ commonName: 'cheetah' });
    const bear = await Animal.objects.create({ commonName: 'bear' });
    await Comparison.objects.create({ firstObj: cheetah, otherObj: tiger, comparative: 'faster' });
    await Comparison.objects.create({ firstObj: tiger, otherObj: cheetah, comparative: 'cooler' });
    await tiger.comparisons.create({ otherObj: bear, comparative: 'cooler' });
    await tiger.comparisons.create({ otherObj: cheetah, comparative: 'stronger' });
    const names = async (qs: PromiseLike<Comparison[]>) => (await qs).map(String).sort();
    expect(await names(cheetah.comparisons.prefetchRelated('firstObj', 'otherObj'))).toEqual(['cheetah is faster than tiger']);
    expect(await names(tiger.comparisons.filter({ comparative: 'cooler' }).prefetchRelated('firstObj', 'otherObj'))).toEqual(['tiger is cooler than bear', 'tiger is cooler than cheetah']);
    await tiger.comparisons.filter({ comparative__in: ['cooler'] }).delete();
    expect(await names(Comparison.objects.prefetchRelated('firstObj', 'otherObj'))).toEqual(['cheetah is faster than tiger', 'tiger is stronger than cheetah']);
    // Animal.comparisons goes through firstObj: comparisons with cheetah as otherObj stay
    await cheetah.delete();
    expect(await names(Comparison.objects.prefetchRelated('firstObj', 'otherObj'))).toEqual(['tiger is stronger than None']);
  });

  it('answers a proxy instance with forConcreteModel: false (Django: ProxyRelatedModelTest)', async () => {
    const rel = await ProxyRelatedModel.objects.create({});
    const base = await ForProxyModelModel.objects.create({ obj: rel });
    const proxied = await ForProxyModelModel.objects.get({ pk: base.pk });
    expect(await proxied.fetch('obj')).toBeInstanceOf(ProxyRelatedModel);
    expect((await ContentType.objects.getForId(proxied.contentTypeId)).model).toBe('proxyrelatedmodel');
    const concrete = await ForConcreteModelModel.objects.create({ obj: rel });
    const fetched = await (await ForConcreteModelModel.objects.get({ pk: concrete.pk })).fetch('obj');
    expect(fetched).toBeInstanceOf(ConcreteRelatedModel);
    expect(fetched).not.toBeInstanceOf(ProxyRelatedModel);
    expect((fetched as ConcreteRelatedModel).equals(rel)).toBe(true);
    // the GenericRelation with forConcreteModel: false restricts to the proxy's own type
    expect((await ProxyRelatedModel.objects.get({ bases__id: base.id })).equals(rel)).toBe(true);
    expect((await (await ProxyRelatedModel.objects.get({ pk: rel.pk })).bases.get()).equals(base)).toBe(true);
    const newrel = await ConcreteRelatedModel.objects.create({});
    await newrel.bases.set([base]);
    expect((await (await ConcreteRelatedModel.objects.get({ pk: newrel.pk })).bases.get()).equals(base)).toBe(true);
  });

  it('is a private field of _meta', () => {
    const field = TaggedItem._meta.getField('contentObject');
    expect(field).toMatchObject({ name: 'contentObject', internalType: 'GenericForeignKey', concrete: false, isRelation: true, manyToOne: true, oneToMany: false, relatedModel: null, editable: false, column: null });
    expect(TaggedItem._meta.privateFields.map((f) => f.name)).toEqual(['contentObject']);
    expect(TaggedItem._meta.getFields().map((f) => f.name)).toContain('contentObject');
    expect(TaggedItem._meta.fields.map((f) => f.name)).not.toContain('contentObject');
    expect(TaggedItem._meta.concreteFields.map((f) => f.name)).toEqual(['id', 'tag', 'contentType', 'objectId']);
    const tags = Animal._meta.getField('tags');
    expect(tags).toMatchObject({ internalType: 'GenericRelation', oneToMany: true, concrete: false, relatedModel: TaggedItem });
    expect(TaggedItem._meta.getField('animal')).toMatchObject({ internalType: 'GenericRel', isReverse: true, relatedModel: Animal, remoteField: tags });
    expect(new TaggedItem({ tag: 'x' }).toJSON()).toEqual({ id: undefined, tag: 'x', contentTypeId: null, objectId: null });
  });
});

describe('GenericRelation', () => {
  it('is a related manager mimicking many-to-many (Django: test_generic_relations_m2m_mimic)', async () => {
    expect(await tagsOf(lion.tags.all())).toEqual(['hairy', 'yellow']);
    expect(await tagsOf(bacon.tags.all())).toEqual(['fatty', 'salty']);
    expect(await lion.tags.count()).toBe(2);
    expect(await tagsOf(lion.tags.exclude({ tag: 'hairy' }))).toEqual(['yellow']);
    expect(await lion.tags.filter({ tag__startswith: 'h' }).exists()).toBe(true);
    const platypusTags = await platypus.tags.all();
    expect(platypusTags).toEqual([]);
  });

  it('create, getOrCreate and updateOrCreate set the content type and object id (Django #23611)', async () => {
    const count = await bacon.tags.count();
    const [stinky, created] = await bacon.tags.getOrCreate({ tag: 'stinky' });
    expect(created).toBe(true);
    expect(await bacon.tags.count()).toBe(count + 1);
    expect(stinky.contentObject).toBe(bacon);
    const [same, created2] = await bacon.tags.getOrCreate({ id: stinky.id }, { defaults: { tag: 'juicy' } });
    expect([created2, same.tag]).toEqual([false, 'stinky']);
    const [juicy, created3] = await bacon.tags.updateOrCreate({ id: stinky.id }, { defaults: { tag: 'juicy' } });
    expect([created3, juicy.tag, await bacon.tags.count()]).toEqual([false, 'juicy', count + 1]);
    const [, created4] = await bacon.tags.updateOrCreate({ tag: 'crispy' });
    expect([created4, await bacon.tags.count()]).toEqual([true, count + 2]);
    const made = await lion.tags.create({ tag: 'fierce' });
    expect(made.contentObject).toBe(lion);
    expect((await TaggedItem.objects.get({ tag: 'fierce' })).contentTypeId).toBe((await ContentType.objects.getForModel(Animal)).id);
  });

  it('queries carry the content-type restriction in filter and exclude (Django: test_queries_content_type_restriction)', async () => {
    const mpk = await ManualPK.objects.create({ id: lion.id });
    await mpk.tags.create({ tag: 'fatty' });
    await platypus.tags.create({ tag: 'fatty' });
    expect((await Animal.objects.filter({ tags__tag: 'fatty' })).map(String)).toEqual(['Platypus']);
    expect((await Animal.objects.exclude({ tags__tag: 'fatty' })).map(String)).toEqual(['Lion']);
    expect((await Vegetable.objects.filter({ tags__tag: 'fatty' })).map(String)).toEqual(['Bacon']);
    const { sql, params } = Animal.objects.filter({ tags__tag: 'fatty' }).toSQL();
    expect(sql).toContain('"gr_taggeditem"."content_type_id" = (SELECT "djazzle_ct"."id" FROM "django_content_type" "djazzle_ct" WHERE "djazzle_ct"."app_label" = $1 AND "djazzle_ct"."model" = $2)');
    expect(params.slice(0, 2)).toEqual(['gr', 'animal']);
    expect(Animal.objects.exclude({ tags__tag: 'fatty' }).toSQL().sql).toMatch(/not EXISTS \(SELECT 1 FROM "gr_taggeditem" "U0" WHERE "U0"."object_id" = "gr_animal"."id" AND "U0"."content_type_id" = \(SELECT/);
    // and the related manager's own queries
    expect(lion.tags.all().toSQL().sql).toContain('"content_type_id" = (SELECT "djazzle_ct"."id" FROM "django_content_type" "djazzle_ct"');
    expect(await mpk.tags.count()).toBe(1);
    expect(await lion.tags.count()).toBe(2);
  });

  it('spans through the content type (Django: test_access_via_content_type)', async () => {
    await lion.delete();
    await platypus.tags.create({ tag: 'fatty' });
    const ctype = await ContentType.objects.getForModel(platypus);
    expect((await Animal.objects.filter({ tags__contentType: ctype })).map(String)).toEqual(['Platypus']);
  });

  it('relatedQueryName spans from the tagged model; without it the reverse side is not queryable', async () => {
    const qs = TaggedItem.objects.filter({ animal__isnull: false }).orderBy('animal__commonName', 'tag');
    expect(await tagsOf(qs)).toEqual(['hairy', 'yellow']); // Django: test_query_content_object
    const mpk = await ManualPK.objects.create({ id: 1 });
    await mpk.tags.create({ tag: 'mpk' });
    expect(await tagsOf(TaggedItem.objects.filter(Q({ animal__isnull: false }).or(Q({ manualpk__id: 1 }))).orderBy('tag'))).toEqual(['hairy', 'mpk', 'yellow']);
    expect(await tagsOf(TaggedItem.objects.filter({ animal__commonName: 'Lion', tag__startswith: 'y' }))).toEqual(['yellow']);
    expect(await tagsOf(TaggedItem.objects.exclude({ animal__commonName: 'Lion' }))).toEqual(['fatty', 'mpk', 'salty']);
    // Django: test_generic_relation_related_name_default
    await expect(TaggedItem.objects.filter({ vegetable__isnull: true })).rejects.toThrow(FieldError);
    await expect(TaggedItem.objects.filter({ vegetable__isnull: true })).rejects.toThrow(/^Cannot resolve keyword 'vegetable' into field. Choices are: .*animal.*bookmark/);
  });

  it("issue 6's bookmarks: Bookmark.objects.filter({ tags__tag }) and TaggedItem.objects.filter({ bookmark__url__contains })", async () => {
    const dj = await Bookmark.objects.create({ url: 'https://www.djangoproject.com/' });
    const orm = await Bookmark.objects.create({ url: 'https://orm.drizzle.team/' });
    const note = await Note.objects.create({ text: 'django everywhere' });
    await dj.tags.create({ tag: 'django' });
    await dj.tags.create({ tag: 'python' });
    await orm.tags.create({ tag: 'typescript' });
    await note.tags.create({ tag: 'django' });
    expect((await Bookmark.objects.filter({ tags__tag: 'django' })).map((b) => b.url)).toEqual(['https://www.djangoproject.com/']);
    expect((await Bookmark.objects.exclude({ tags__tag: 'django' })).map((b) => b.url)).toEqual(['https://orm.drizzle.team/']);
    expect(await tagsOf(TaggedItem.objects.filter({ bookmark__url__contains: 'django' }))).toEqual(['django', 'python']);
    expect(await tagsOf(TaggedItem.objects.filter({ bookmark__isnull: false }))).toEqual(['django', 'python', 'typescript']);
    expect(await Note.objects.filter({ tags__tag: 'django' }).count()).toBe(1);
    expect(await TaggedItem.objects.filter({ tag: 'django' }).count()).toBe(2);
  });

  it('works with a UUID primary key tagged through a text object id', async () => {
    const thing = await UUIDModel.objects.create({ name: 'thing' });
    await thing.tags.create({ tag: 'uuid' });
    expect((await UUIDModel.objects.filter({ tags__tag: 'uuid' })).map((m) => m.name)).toEqual(['thing']);
    expect((await UUIDTaggedItem.objects.filter({ uuidmodel__name: 'thing' })).map((t) => t.tag)).toEqual(['uuid']);
    const [loaded] = await expectNumQueries(2, () => UUIDModel.objects.prefetchRelated('tags'));
    expect(await tagsOf(loaded!.tags.all())).toEqual(['uuid']);
    const [tag] = await expectNumQueries(2, () => UUIDTaggedItem.objects.prefetchRelated('contentObject'));
    expect((tag!.contentObject as UUIDModel).name).toBe('thing');
  });

  it('deleting the object deletes its generic rows (Django: test_object_deletion_with_generic_relation)', async () => {
    expect(await tagTriples()).toEqual([['fatty', Vegetable, bacon.id], ['hairy', Animal, lion.id], ['salty', Vegetable, bacon.id], ['yellow', Animal, lion.id]]);
    const [total, counts] = await lion.delete();
    expect([total, counts]).toEqual([3, { 'gr.Animal': 1, 'gr.TaggedItem': 2 }]);
    expect(await tagTriples()).toEqual([['fatty', Vegetable, bacon.id], ['salty', Vegetable, bacon.id]]);
    // and through a QuerySet
    await Vegetable.objects.filter({ name: 'Bacon' }).delete();
    expect(await TaggedItem.objects.count()).toBe(0);
  });

  it('without a GenericRelation the generic rows stay (Django: test_object_deletion_without_generic_relation)', async () => {
    await TaggedItem.objects.create({ contentObject: quartz, tag: 'clearish' });
    const quartzPk = quartz.pk;
    await quartz.delete();
    expect(await tagTriples()).toEqual([
      ['clearish', Mineral, quartzPk],
      ['fatty', Vegetable, bacon.id],
      ['hairy', Animal, lion.id],
      ['salty', Vegetable, bacon.id],
      ['yellow', Animal, lion.id],
    ]);
  });

  it('deleting a tag leaves the object (Django: test_tag_deletion_related_objects_unaffected)', async () => {
    const ctype = await ContentType.objects.getForModel(lion);
    const tag = await TaggedItem.objects.get({ contentType__pk: ctype.id, objectId: lion.id, tag: 'hairy' });
    await tag.delete();
    expect(await tagsOf(lion.tags.all())).toEqual(['yellow']);
    expect(await Animal.objects.count()).toBe(2);
  });

  it('lookups over an object without a GenericRelation (Django: test_exclude_generic_relations)', async () => {
    await TaggedItem.objects.create({ contentObject: quartz, tag: 'shiny' });
    await TaggedItem.objects.create({ contentObject: quartz, tag: 'clearish' });
    const ctype = await ContentType.objects.getForModel(quartz);
    expect(await tagsOf(TaggedItem.objects.filter({ contentType__pk: ctype.id, objectId: quartz.id }))).toEqual(['clearish', 'shiny']);
  });

  it('add() is one UPDATE, add({ bulk: false }) a save() per object (Django: test_add_bulk, test_add_bulk_false)', async () => {
    const bacon2 = await Vegetable.objects.create({ name: 'Bacon', isYucky: false });
    const t1 = await TaggedItem.objects.create({ contentObject: quartz, tag: 'shiny' });
    const t2 = await TaggedItem.objects.create({ contentObject: quartz, tag: 'clearish' });
    await expectNumQueries(1, () => bacon2.tags.add(t1, t2));
    expect(t1.contentObject).toBe(bacon2);
    expect(t2.contentObject).toBe(bacon2);
    expect(await tagsOf(bacon2.tags.all())).toEqual(['clearish', 'shiny']);
    await expectNumQueries(2, () => lion.tags.add(t1, t2, { bulk: false }));
    expect(t1.contentObject).toBe(lion);
    expect(await tagsOf(lion.tags.all())).toEqual(['clearish', 'hairy', 'shiny', 'yellow']);
  });

  it('add() refuses unsaved objects and objects of another model', async () => {
    const t1 = new TaggedItem({ contentObject: quartz, tag: 'shiny' });
    await expect(bacon.tags.add(t1)).rejects.toThrow("shiny instance isn't saved. Use bulk=False or save the object first.");
    await expect(bacon.tags.add(lion as never)).rejects.toThrow("'TaggedItem' instance expected, got <Animal: Lion>");
    await bacon.tags.add(t1, { bulk: false });
    expect(await tagsOf(bacon.tags.all())).toEqual(['fatty', 'salty', 'shiny']);
  });

  it('set(), remove() and clear() delete the rows they drop (Django: test_set, test_assign)', async () => {
    const bacon2 = await Vegetable.objects.create({ name: 'Bacon', isYucky: false });
    const fatty = await bacon2.tags.create({ tag: 'fatty' });
    const salty = await bacon2.tags.create({ tag: 'salty' });
    await bacon2.tags.set([fatty, salty]);
    expect(await tagsOf(bacon2.tags.all())).toEqual(['fatty', 'salty']);
    await bacon2.tags.set([fatty]);
    expect(await tagsOf(bacon2.tags.all())).toEqual(['fatty']);
    expect(await TaggedItem.objects.filter({ pk: salty.pk }).exists()).toBe(false); // removed = deleted
    await bacon2.tags.set([]);
    expect(await tagsOf(bacon2.tags.all())).toEqual([]);
    await bacon2.tags.set([fatty, salty], { bulk: false, clear: true });
    expect(await tagsOf(bacon2.tags.all())).toEqual(['fatty', 'salty']);
    await bacon2.tags.set([fatty], { bulk: false, clear: true });
    expect(await tagsOf(bacon2.tags.all())).toEqual(['fatty']);
    await bacon2.tags.set([], { clear: true });
    expect(await tagsOf(bacon2.tags.all())).toEqual([]);
    const a = await bacon2.tags.create({ tag: 'a' });
    const b = await bacon2.tags.create({ tag: 'b' });
    await bacon2.tags.remove(a);
    expect(await tagsOf(bacon2.tags.all())).toEqual(['b']);
    await bacon2.tags.remove(b, { bulk: false });
    await bacon2.tags.create({ tag: 'c' });
    await bacon2.tags.clear({ bulk: false });
    expect(await bacon2.tags.count()).toBe(0);
    expect(await tagsOf(bacon.tags.all())).toEqual(['fatty', 'salty']); // another object's tags untouched
  });

  it('set() evaluates a QuerySet first (Django: test_assign_with_queryset)', async () => {
    const bacon2 = await Vegetable.objects.create({ name: 'Bacon', isYucky: false });
    await bacon2.tags.create({ tag: 'fatty' });
    await bacon2.tags.create({ tag: 'salty' });
    expect(await bacon2.tags.count()).toBe(2);
    const qs = bacon2.tags.filter({ tag: 'fatty' });
    await bacon2.tags.set(qs);
    expect(await bacon2.tags.count()).toBe(1);
    expect(await qs.count()).toBe(1);
  });

  it('refuses direct assignment and an unsaved owner', () => {
    expect(() => new Animal({ commonName: 'x', tags: [] } as never)).toThrow('Direct assignment to the reverse side of a related set is prohibited. Use tags.set() instead.');
    expect(() => {
      (lion as unknown as { tags: unknown }).tags = [];
    }).toThrow('Direct assignment to the reverse side of a related set is prohibited. Use tags.set() instead.');
    expect(() => new Animal({ commonName: 'x' }).tags.all()).toThrow("'Animal' instance needs to have a primary key value before this relationship (tags) can be used.");
  });
});

describe('prefetchRelated', () => {
  it('over a GenericForeignKey: one query per content type', async () => {
    await TaggedItem.objects.create({ contentObject: quartz, tag: 'shiny' });
    await ContentType.objects.getForModels(Animal, Vegetable, Mineral); // warm isolate
    const tags = await expectNumQueries(4, () => TaggedItem.objects.prefetchRelated('contentObject'));
    await expectNumQueries(0, () => {
      expect(tags.map((t) => [t.tag, String(t.contentObject)])).toEqual([
        ['fatty', 'Bacon'],
        ['hairy', 'Lion'],
        ['salty', 'Bacon'],
        ['shiny', 'Quartz'],
        ['yellow', 'Lion'],
      ]);
    });
    // two content types, two target queries
    await expectNumQueries(3, () => TaggedItem.objects.filter({ tag__in: ['fatty', 'hairy'] }).prefetchRelated('contentObject'));
    // a deleted target is null
    await Mineral.objects.all().delete();
    const [shiny] = await TaggedItem.objects.filter({ tag: 'shiny' }).prefetchRelated('contentObject');
    expect(shiny!.contentObject).toBeNull();
    // toAttr
    const [hairy] = await TaggedItem.objects.filter({ tag: 'hairy' }).prefetchRelated(Prefetch('contentObject', { toAttr: 'target' }));
    expect(String((hairy as unknown as { target: Animal }).target)).toBe('Lion');
    await expect(TaggedItem.objects.prefetchRelated(Prefetch('contentObject', { queryset: Animal.objects.all() })).then(() => null)).rejects.toThrow("Custom queryset can't be used for this lookup.");
  });

  it('with a cold isolate cache: the content types in one more query', async () => {
    ContentType.objects.clearCache();
    await expectNumQueries(4, () => TaggedItem.objects.prefetchRelated('contentObject'));
  });

  it('over a GenericRelation: one query, answered by the related manager', async () => {
    const animals = await expectNumQueries(2, () => Animal.objects.orderBy('commonName').prefetchRelated('tags'));
    await expectNumQueries(0, async () => {
      expect(await Promise.all(animals.map((a) => tagsOf(a.tags.all())))).toEqual([['hairy', 'yellow'], []]);
      // the tags know their object
      const [hairy] = await animals[0]!.tags.all();
      expect(hairy!.contentObject).toBe(animals[0]);
    });
    const vegetables = await expectNumQueries(2, () => Vegetable.objects.prefetchRelated(Prefetch('tags', { queryset: TaggedItem.objects.filter({ tag: 'salty' }), toAttr: 'saltyTags' })));
    expect(vegetables.map((v) => (v as unknown as { saltyTags: TaggedItem[] }).saltyTags.map(String))).toEqual([[], ['salty']]);
  });
});

describe('definition errors', () => {
  const table = (name: string) =>
    pgTable(name, { id: serial('id').primaryKey(), contentTypeId: integer('content_type_id').notNull(), objectId: integer('object_id').notNull(), kind: text('kind') });

  it('a GenericForeignKey must name a ForeignKey to ContentType and an object id field', () => {
    class NoCt extends Model(table('gr_bad1'), { app: 'grbad', fields: { target: GenericForeignKey('missing', 'objectId') } }) {}
    expect(() => NoCt._meta.getFields()).toThrow(new ImproperlyConfigured("grbad.NoCt.target: The GenericForeignKey content type references the nonexistent field 'NoCt.missing'. (contenttypes.E002)"));
    class NotFk extends Model(table('gr_bad2'), { app: 'grbad', fields: { target: GenericForeignKey('kind', 'objectId') } }) {}
    expect(() => NotFk._meta.getFields()).toThrow("grbad.NotFk.target: 'NotFk.kind' is not a ForeignKey. GenericForeignKeys must use a ForeignKey to 'contenttypes.ContentType' as the 'content_type' field. (contenttypes.E003)");
    class WrongFk extends Model(table('gr_bad3'), { app: 'grbad', fields: { contentType: ForeignKey(() => Mineral, { onDelete: CASCADE }), target: GenericForeignKey() } }) {}
    expect(() => WrongFk._meta.getFields()).toThrow("'WrongFk.contentType' is not a ForeignKey to 'contenttypes.ContentType'.");
    class NoId extends Model(table('gr_bad4'), { app: 'grbad', fields: { contentType: ForeignKey(() => ContentType, { onDelete: CASCADE }), target: GenericForeignKey('contentType', 'nope') } }) {}
    expect(() => NoId._meta.getFields()).toThrow("grbad.NoId.target: The GenericForeignKey object ID references the nonexistent field 'nope'. (contenttypes.E001)");
  });

  it('a GenericRelation needs a model with a matching GenericForeignKey, and a free query name', () => {
    class Plain extends Model(pgTable('gr_bad5', { id: serial('id').primaryKey() }), { app: 'grbad2', fields: { tags: GenericRelation(() => Mineral) } }) {}
    expect(() => Plain._meta.getFields()).toThrow("grbad2.Plain.tags: The GenericRelation defines a relation with the model 'gr.Mineral', but that model does not have a GenericForeignKey on 'contentType' and 'objectId'. (contenttypes.E004)");
    class Clash extends Model(pgTable('gr_bad6', { id: serial('id').primaryKey() }), { app: 'grbad3', fields: { tags: GenericRelation(() => TaggedItem, { relatedQueryName: 'tag' }) } }) {}
    expect(() => Clash._meta.getFields()).toThrow("Reverse query name for 'grbad3.Clash.tags' clashes with field name 'gr.TaggedItem.tag'.");
    class Missing extends Model(pgTable('gr_bad7', { id: serial('id').primaryKey() }), { app: 'grbad4', fields: { tags: GenericRelation('gr.Nothing') } }) {}
    expect(() => Missing._meta.getFields()).toThrow("grbad4.Missing.tags: Field defines a relation with model 'gr.Nothing', which is either not installed, or is abstract. (fields.E300)");
  });

  it('arguments of the wrong type are refused where they are written', () => {
    expect(() => GenericForeignKey(42 as never)).toThrow('GenericForeignKey(): the content type field must be a field name (a non-empty string), not 42.');
    expect(() => GenericForeignKey('contentType', 'objectId', { forConcrete: false } as never)).toThrow('GenericForeignKey() got unknown option(s): forConcrete. Valid options: forConcreteModel.');
    expect(() => GenericRelation(42 as never)).toThrow("GenericRelation() takes a model, a thunk returning one, 'self' or an 'app_label.ModelName' label, not 42.");
    expect(() => GenericRelation(() => TaggedItem, { relatedName: 'x' } as never)).toThrow('GenericRelation() got unknown option(s): relatedName.');
    expect(() => Model(pgTable('gr_bad8', { id: serial('id').primaryKey(), tags: varchar('tags', { length: 10 }) }), { app: 'grbad5', fields: { tags: GenericRelation(() => TaggedItem) as never } })).toThrow(
      'fields.tags is a virtual field',
    );
  });
});
