/** selectRelated, prefetchRelated and related managers, with query counts. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { boolean, integer, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { CASCADE, defineApp, ForeignKey, ManyToMany, Model, Prefetch, SET_NULL, type Connection, type Manager, type RelatedManager } from 'djazzle';
import { m2mChanged } from 'djazzle/signals';
import { expectNumQueries, testDatabase } from 'djazzle/testing';

const countries = pgTable('rel_country', { id: serial('id').primaryKey(), name: text('name').notNull() });
const authors = pgTable('rel_author', { id: serial('id').primaryKey(), name: text('name').notNull(), countryId: integer('country_id') });
const books = pgTable('rel_book', { id: serial('id').primaryKey(), title: text('title').notNull(), pages: integer('pages').notNull(), authorId: integer('author_id') });
const tags = pgTable('rel_tag', { id: serial('id').primaryKey(), name: varchar('name', { length: 20 }).notNull() });
const people = pgTable('rel_person', { id: serial('id').primaryKey(), name: text('name').notNull() });
const groups = pgTable('rel_group', { id: serial('id').primaryKey(), name: text('name').notNull() });
const memberships = pgTable('rel_membership', {
  id: serial('id').primaryKey(),
  personId: integer('person_id').notNull(),
  groupId: integer('group_id').notNull(),
  invited: boolean('invited').notNull(),
  since: timestamp('since', { withTimezone: true }),
});

class Country extends Model(countries, { app: 'rel' }) {}
class Author extends Model(authors, { app: 'rel', fields: { country: ForeignKey(() => Country, { onDelete: SET_NULL }) }, meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Author>;
  declare books: RelatedManager<Book>;
}
class Tag extends Model(tags, { app: 'rel', meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Tag>;
  declare bookSet: RelatedManager<Book>;
}
class Book extends Model(books, {
  app: 'rel',
  fields: { author: ForeignKey(() => Author, { onDelete: CASCADE, relatedName: 'books' }), tags: ManyToMany(() => Tag) },
  meta: { ordering: ['title'] },
}) {}
class Person extends Model(people, { app: 'rel', fields: { friends: ManyToMany('self') }, meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Person>;
  declare friends: RelatedManager<Person>;
  declare groupSet: RelatedManager<Group>;
}
class Group extends Model(groups, { app: 'rel', fields: { members: ManyToMany(() => Person, { through: 'Membership' }) } }) {}
class Membership extends Model(memberships, {
  app: 'rel',
  fields: { person: ForeignKey(() => Person, { onDelete: CASCADE }), group: ForeignKey(() => Group, { onDelete: CASCADE }) },
}) {}
defineApp('rel', { models: [Country, Author, Tag, Book, Person, Group, Membership] });

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Country, Author, Tag, Book, Person, Group, Membership] });
});
afterAll(() => db.close());

let tolkien: Author;
let pratchett: Author;
let fantasy: Tag;
let humour: Tag;
beforeEach(async () => {
  await db.truncate();
  const uk = await Country.objects.create({ name: 'UK' });
  tolkien = await Author.objects.create({ name: 'Tolkien', country: uk });
  pratchett = await Author.objects.create({ name: 'Pratchett' });
  fantasy = await Tag.objects.create({ name: 'fantasy' });
  humour = await Tag.objects.create({ name: 'humour' });
  const hobbit = await Book.objects.create({ title: 'The Hobbit', pages: 310, author: tolkien });
  const lotr = await Book.objects.create({ title: 'The Lord of the Rings', pages: 1178, author: tolkien });
  const colour = await Book.objects.create({ title: 'The Colour of Magic', pages: 206, author: pratchett });
  await Book.objects.create({ title: 'Anonymous', pages: 10 });
  await hobbit.tags.add(fantasy);
  await lotr.tags.add(fantasy);
  await colour.tags.add(fantasy, humour);
});

describe('selectRelated', () => {
  it('loads forward relations in the same query, nested, LEFT OUTER for nullable joins', async () => {
    const rows = await expectNumQueries(1, () => Book.objects.selectRelated('author__country').orderBy('title'));
    expect(rows.map((b) => [b.title, b.author?.name ?? null, b.author?.country?.name ?? null])).toEqual([
      ['Anonymous', null, null],
      ['The Colour of Magic', 'Pratchett', null],
      ['The Hobbit', 'Tolkien', 'UK'],
      ['The Lord of the Rings', 'Tolkien', 'UK'],
    ]);
    const { sql } = Book.objects.selectRelated('author__country').toSQL();
    expect(sql).toMatch(/left join "rel_author"/);
    expect(sql).toMatch(/left join "rel_country"/);
    await expect(Book.objects.selectRelated('title')).rejects.toThrow("Non-relational field given in select_related: 'title'. Choices are: author");
    await expect(Book.objects.selectRelated('nope')).rejects.toThrow("Invalid field name(s) given in select_related: 'nope'. Choices are: author");
  });
});

describe('prefetchRelated', () => {
  it('one query per level, related managers answer from the cache', async () => {
    const authorsWithBooks = await expectNumQueries(3, () => Author.objects.prefetchRelated('books__tags'));
    await expectNumQueries(0, async () => {
      const t = authorsWithBooks.find((a) => a.name === 'Tolkien')!;
      const titles = (await t.books.all()).map((b) => b.title);
      expect(titles).toEqual(['The Hobbit', 'The Lord of the Rings']);
      const colour = (await authorsWithBooks.find((a) => a.name === 'Pratchett')!.books.all())[0]!;
      expect((await colour.tags.all()).map((x) => x.name)).toEqual(['fantasy', 'humour']);
      expect(colour.author).toBe(authorsWithBooks.find((a) => a.name === 'Pratchett'));
    });
  });

  it('Prefetch with a queryset and toAttr; forward and many-to-many reverse', async () => {
    const rows = await expectNumQueries(2, () => Author.objects.prefetchRelated(Prefetch('books', { queryset: Book.objects.filter({ pages__gt: 300 }), toAttr: 'longBooks' })));
    expect(rows.map((a) => [a.name, (a as unknown as { longBooks: Book[] }).longBooks.map((b) => b.title)])).toEqual([
      ['Pratchett', []],
      ['Tolkien', ['The Hobbit', 'The Lord of the Rings']],
    ]);
    const booksWithAuthors = await expectNumQueries(2, () => Book.objects.prefetchRelated('author'));
    expect(booksWithAuthors.map((b) => b.author?.name ?? null)).toEqual([null, 'Pratchett', 'Tolkien', 'Tolkien']);
    const tagsWithBooks = await expectNumQueries(2, () => Tag.objects.prefetchRelated('bookSet'));
    const counts = await Promise.all(tagsWithBooks.map(async (t) => [t.name, (await t.bookSet.all()).length]));
    expect(counts).toEqual([
      ['fantasy', 3],
      ['humour', 1],
    ]);
    await expect(Author.objects.prefetchRelated('nope')).rejects.toThrow("Cannot find 'nope' on Author object, 'nope' is an invalid parameter to prefetch_related()");
  });
});

describe('reverse foreign key managers', () => {
  it('filter, count, create, getOrCreate, updateOrCreate', async () => {
    expect(await tolkien.books.count()).toBe(2);
    expect((await tolkien.books.filter({ pages__lt: 500 })).map((b) => b.title)).toEqual(['The Hobbit']);
    const silm = await tolkien.books.create({ title: 'The Silmarillion', pages: 365 });
    expect(silm.authorId).toBe(tolkien.id);
    const [again, created] = await tolkien.books.getOrCreate({ title: 'The Silmarillion' }, { defaults: { pages: 1 } });
    expect([again.pk, created]).toEqual([silm.pk, false]);
    const [updated, made] = await tolkien.books.updateOrCreate({ title: 'The Silmarillion' }, { defaults: { pages: 400 } });
    expect([updated.pages, made]).toEqual([400, false]);
  });

  it('add, remove, clear, set with bulk and without', async () => {
    const anon = await Book.objects.get({ title: 'Anonymous' });
    await expectNumQueries(1, () => pratchett.books.add(anon));
    expect(await pratchett.books.count()).toBe(2);
    await pratchett.books.remove(anon);
    expect(await pratchett.books.count()).toBe(1);
    await expect(pratchett.books.remove(await Book.objects.get({ title: 'The Hobbit' }))).rejects.toThrow(/is not related to/);
    await pratchett.books.set([anon], { bulk: false });
    expect((await pratchett.books.all()).map((b) => b.title)).toEqual(['Anonymous']);
    await pratchett.books.clear();
    expect(await pratchett.books.count()).toBe(0);
    await expect(pratchett.books.add(new Book({ title: 'unsaved', pages: 1 }))).rejects.toThrow("instance isn't saved. Use bulk=False or save the object first.");
    await expect(pratchett.books.add(fantasy as never)).rejects.toThrow("'Book' instance expected, got Tag");
  });
});

describe('many-to-many managers', () => {
  it('add sends only new ids in pkSet; set() is remove + add; clear', async () => {
    const events: Array<[string, number[] | null]> = [];
    const off = m2mChanged.connect(({ action, pkSet }) => {
      events.push([action, pkSet ? [...pkSet].map(Number).sort() : null]);
    });
    try {
      const hobbit = await Book.objects.get({ title: 'The Hobbit' });
      await hobbit.tags.add(fantasy, humour);
      expect(events).toEqual([
        ['pre_add', [humour.id]],
        ['post_add', [humour.id]],
      ]);
      events.length = 0;
      await hobbit.tags.set([humour]);
      expect(events).toEqual([
        ['pre_remove', [fantasy.id]],
        ['post_remove', [fantasy.id]],
      ]);
      events.length = 0;
      await hobbit.tags.clear();
      expect(events).toEqual([
        ['pre_clear', null],
        ['post_clear', null],
      ]);
      expect(await hobbit.tags.count()).toBe(0);
    } finally {
      off();
    }
  });

  it('without listeners, add is one INSERT … ON CONFLICT DO NOTHING', async () => {
    const hobbit = await Book.objects.get({ title: 'The Hobbit' });
    await expectNumQueries(1, () => hobbit.tags.add(fantasy, humour));
    expect((await hobbit.tags.all()).map((t) => t.name)).toEqual(['fantasy', 'humour']);
    expect((await humour.bookSet.all()).map((b) => b.title)).toEqual(['The Colour of Magic', 'The Hobbit']);
    const created = await humour.bookSet.create({ title: 'Mort', pages: 272 });
    expect((await created.tags.all()).map((t) => t.name)).toEqual(['humour']);
    await humour.bookSet.remove(created);
    expect(await created.tags.count()).toBe(0);
  });

  it('symmetrical self relations add both directions', async () => {
    const [ann, bob, cat] = await Promise.all(['Ann', 'Bob', 'Cat'].map((name) => Person.objects.create({ name })));
    await ann!.friends.add(bob!, cat!);
    expect((await bob!.friends.all()).map((p) => p.name)).toEqual(['Ann']);
    expect((await ann!.friends.all()).map((p) => p.name)).toEqual(['Bob', 'Cat']);
    await bob!.friends.remove(ann!);
    expect((await ann!.friends.all()).map((p) => p.name)).toEqual(['Cat']);
  });

  it('with a through model: throughDefaults, and querying through it', async () => {
    const club = await Group.objects.create({ name: 'Club' });
    const dan = await Person.objects.create({ name: 'Dan' });
    const members = (club as unknown as { members: RelatedManager<Person> }).members;
    await members.add(dan, { throughDefaults: { invited: true } });
    const membership = await Membership.objects.get({ person: dan });
    expect(membership.invited).toBe(true);
    expect((await members.all()).map((p) => p.name)).toEqual(['Dan']);
    expect((await dan.groupSet.all()).map((g) => g.name)).toEqual(['Club']);
    expect((await Person.objects.filter({ group__name: 'Club', membership__invited: true })).map((p) => p.name)).toEqual(['Dan']);
    await expect(members.add(await Person.objects.create({ name: 'Eve' }))).rejects.toThrow(/null value in column "invited"/);
  });
});

describe('many-to-many join trimming', () => {
  it('filtering on the far key joins the through table only', async () => {
    const { sql } = Book.objects.filter({ tags__id__in: [fantasy.id] }).toSQL();
    expect(sql).toMatch(/join "rel_book_tags"/);
    expect(sql).not.toMatch(/join "rel_tag"/);
    expect((await Book.objects.filter({ tags__id: humour.id })).map((b) => b.title)).toEqual(['The Colour of Magic']);
  });
});

describe('prefetch inside a session', () => {
  it('a related object shared by several rows (one identity-mapped instance) lands in every group', async () => {
    await db.session(async () => {
      const books = await expectNumQueries(2, () => Book.objects.prefetchRelated('tags').orderBy('title'));
      const tagsOf = await Promise.all(books.map(async (b) => [b.title, (await b.tags.all()).map((t) => t.name)]));
      expect(tagsOf).toEqual([
        ['Anonymous', []],
        ['The Colour of Magic', ['fantasy', 'humour']],
        ['The Hobbit', ['fantasy']],
        ['The Lord of the Rings', ['fantasy']],
      ]);
      const fantasyTags = await Promise.all(books.slice(1).map(async (b) => (await b.tags.all())[0]));
      expect(new Set(fantasyTags).size).toBe(1); // one instance per (model, pk)
    });
  });
});
