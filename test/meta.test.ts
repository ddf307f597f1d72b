/** Models, fields inferred from Drizzle columns, relations, the registry and the Meta API. */
import { describe, expect, it } from 'vitest';
import { bigint, integer, numeric, pgTable, serial, text, timestamp, unique, uuid, varchar, boolean } from 'drizzle-orm/pg-core';
import {
  apps, CASCADE, defineApp, FieldDoesNotExist, ForeignKey, ImproperlyConfigured, LookupError, Manager, ManyToMany, Model,
  OneToOne, PROTECT, QuerySet, RESTRICT, SET_DEFAULT, SET_NULL, DO_NOTHING,
} from 'djazzle';
import { Article, Publication, Reporter } from './fixtures/news.js';

describe('field inference from Drizzle columns', () => {
  const things = pgTable('meta_thing', {
    id: serial('id').primaryKey(),
    code: varchar('code', { length: 12 }).notNull().unique(),
    notes: text('notes'),
    price: numeric('price', { precision: 8, scale: 2 }).notNull().default('1.50'),
    big: bigint('big', { mode: 'number' }),
    token: uuid('token').defaultRandom(),
    flag: boolean('flag').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  });
  class Thing extends Model(things, {
    app: 'meta',
    fields: {
      code: { verboseName: 'product code', helpText: 'Printed on the label', choices: [['A', 'Alpha'], ['B', 'Beta']] },
      createdAt: { autoNowAdd: true },
      updatedAt: { autoNow: true },
    },
  }) {}
  defineApp('meta', { models: [Thing] });

  it('infers type, null, maxLength, primaryKey, unique and defaults', () => {
    const f = (name: string) => Thing._meta.getField(name);
    expect(f('id')).toMatchObject({ internalType: 'AutoField', primaryKey: true, null: false, column: 'id', editable: false, blank: true });
    expect(f('code')).toMatchObject({ internalType: 'CharField', maxLength: 12, unique: true, null: false, verboseName: 'product code', helpText: 'Printed on the label' });
    expect(f('code').choices).toEqual([['A', 'Alpha'], ['B', 'Beta']]);
    expect(f('notes')).toMatchObject({ internalType: 'TextField', null: true, maxLength: null });
    expect(f('price')).toMatchObject({ internalType: 'DecimalField', default: '1.50' });
    expect(f('price').hasDefault()).toBe(true);
    expect(f('big').internalType).toBe('BigIntegerField');
    expect(f('token')).toMatchObject({ internalType: 'UUIDField' });
    expect(f('token').hasDefault()).toBe(true);
    expect(f('flag').getDefault()).toBe(false);
    expect(f('createdAt')).toMatchObject({ internalType: 'DateTimeField', autoNowAdd: true, editable: false, column: 'created_at' });
    expect(f('notes').hasDefault()).toBe(false);
    expect(f('createdAt').drizzleColumn).toBe(things.createdAt);
    expect(f('createdAt').verboseName).toBe('created at');
  });

  it('knows names, labels and the table', () => {
    const meta = Thing._meta;
    expect([meta.label, meta.labelLower, meta.appLabel, meta.modelName, meta.objectName]).toEqual(['meta.Thing', 'meta.thing', 'meta', 'thing', 'Thing']);
    expect([meta.verboseName, meta.verboseNamePlural, meta.dbTable]).toEqual(['thing', 'things', 'meta_thing']);
    expect(meta.table).toBe(things);
    expect(Thing.table).toBe(things);
    expect(meta.pk.name).toBe('id');
    expect(meta.concreteModel).toBe(Thing);
    expect(meta.proxy).toBe(false);
    expect(meta.constraints).toContainEqual(expect.objectContaining({ kind: 'unique', fields: ['code'] }));
  });
});

describe('relations and reverse fields', () => {
  it('getFields() returns forward and reverse fields with Django’s flags', () => {
    const names = Reporter._meta.getFields().map((f) => f.name);
    expect(names).toEqual(['id', 'firstName', 'lastName', 'email', 'articles']);
    const reverse = Reporter._meta.getField('articles');
    expect(reverse).toMatchObject({ oneToMany: true, manyToOne: false, concrete: false, autoCreated: true, isRelation: true, hidden: false, column: null });
    expect(reverse.relatedModel).toBe(Article);
    const forward = Article._meta.getField('reporter');
    expect(forward).toMatchObject({ manyToOne: true, concrete: true, autoCreated: false, attname: 'reporterId', column: 'reporter_id', internalType: 'ForeignKey' });
    expect(forward.remoteField).toBe(reverse);
    expect(reverse.remoteField).toBe(forward);
    expect(Article._meta.getField('reporterId')).toBe(forward);
    expect(forward.onDelete).toBe(CASCADE);
    expect(Reporter._meta.relatedObjects).toEqual([reverse]);
  });

  it('defines the junction table of a many-to-many without `through`', () => {
    const m2m = Article._meta.getField('publications');
    expect(m2m).toMatchObject({ manyToMany: true, concrete: true, column: null, internalType: 'ManyToManyField' });
    const through = m2m.through;
    expect(through._meta.label).toBe('news.Article_publications');
    expect(through._meta.dbTable).toBe('news_article_publications');
    expect(through._meta.autoCreated).toBe(true);
    expect(through._meta.concreteFields.map((f: { column: string }) => f.column)).toEqual(['id', 'article_id', 'publication_id']);
    expect(Publication._meta.getField('article').remoteField).toBe(m2m);
    expect(Article._meta.manyToMany).toEqual([m2m]);
    expect(Article._meta.fields.map((f) => f.name)).toEqual(['id', 'headline', 'pubDate', 'reporter', 'published']);
  });

  it('infers foreign keys from .references() with onDelete from the reference', () => {
    const authors = pgTable('ref_author', { id: serial('id').primaryKey(), code: varchar('code', { length: 5 }).notNull().unique() });
    const target = (name: string) => pgTable(name, { id: serial('id').primaryKey() });
    const [reviewers, agents, owners] = [target('ref_reviewer'), target('ref_agent'), target('ref_owner')];
    const books = pgTable('ref_book', {
      id: serial('id').primaryKey(),
      authorId: integer('author_id').notNull().references(() => authors.id, { onDelete: 'cascade' }),
      editorId: integer('editor_id').references(() => authors.id, { onDelete: 'set null' }),
      reviewerId: integer('reviewer_id').references(() => reviewers.id, { onDelete: 'set default' }),
      agentId: integer('agent_id').references(() => agents.id, { onDelete: 'restrict' }),
      ownerId: integer('owner_id').references(() => owners.id),
    });
    const codes = pgTable('ref_code', { id: serial('id').primaryKey(), authorCode: varchar('author_code', { length: 5 }).references(() => authors.code, { onDelete: 'no action' }) });
    class RefAuthor extends Model(authors, { app: 'ref' }) {}
    class RefReviewer extends Model(reviewers, { app: 'ref' }) {}
    class RefAgent extends Model(agents, { app: 'ref' }) {}
    class RefOwner extends Model(owners, { app: 'ref' }) {}
    class RefCode extends Model(codes, { app: 'ref' }) {}
    class RefBook extends Model(books, { app: 'ref', fields: { editor: ForeignKey(() => RefAuthor, { onDelete: SET_NULL, relatedName: 'edited' }) } }) {}
    defineApp('ref', { models: [RefAuthor, RefReviewer, RefAgent, RefOwner, RefCode, RefBook] });
    const f = (name: string) => RefBook._meta.getField(name);
    expect(f('author').relatedModel).toBe(RefAuthor);
    expect([f('author').onDelete, f('editor').onDelete, f('reviewer').onDelete, f('agent').onDelete, f('owner').onDelete]).toEqual([CASCADE, SET_NULL, SET_DEFAULT, RESTRICT, PROTECT]);
    expect(RefCode._meta.getField('authorCodeRef').targetField?.name).toBe('code');
    expect(RefCode._meta.getField('authorCodeRef').onDelete).toBe(PROTECT);
    expect(RefAuthor._meta.getField('edited').relatedModel).toBe(RefBook);
    expect(RefAuthor._meta.getField('refBook').remoteField).toBe(f('author'));
  });

  it("supports 'self', labels, toField, OneToOne and hidden reverse relations", () => {
    const people = pgTable('rel_person', {
      id: serial('id').primaryKey(),
      name: varchar('name', { length: 20 }).notNull().unique(),
      bossId: integer('boss_id'),
      mentorName: varchar('mentor_name', { length: 20 }),
    });
    const profiles = pgTable('rel_profile', { id: serial('id').primaryKey(), personId: integer('person_id').notNull().unique(), secretId: integer('secret_id') });
    class Person extends Model(people, {
      app: 'rel',
      fields: {
        boss: ForeignKey('self', { onDelete: SET_NULL, relatedName: 'reports' }),
        mentor: ForeignKey('rel.Person', { onDelete: DO_NOTHING, toField: 'name', column: 'mentorName', relatedName: '+' }),
        friends: ManyToMany('self'),
      },
    }) {}
    class Profile extends Model(profiles, { app: 'rel', fields: { person: OneToOne('Person', { onDelete: CASCADE }), secret: ForeignKey(() => Person, { onDelete: CASCADE, relatedName: 'secret+' }) } }) {}
    defineApp('rel', { models: [Person, Profile] });
    expect(Person._meta.getField('boss').relatedModel).toBe(Person);
    expect(Person._meta.getField('mentor').targetField?.name).toBe('name');
    expect(Person._meta.getField('friends').symmetrical).toBe(true);
    expect(Person._meta.getField('friends').through._meta.concreteFields.map((f: { column: string }) => f.column)).toEqual(['id', 'from_person_id', 'to_person_id']);
    const reverse = Person._meta.getField('profile');
    expect(reverse).toMatchObject({ oneToOne: true, internalType: 'OneToOneRel', accessorName: 'profile' });
    const visible = Person._meta.getFields().map((f) => f.name);
    expect(visible).not.toContain('secret');
    expect(Person._meta.getFields({ includeHidden: true }).some((f) => f.hidden)).toBe(true);
  });
});

describe('the app registry', () => {
  it('finds models by label, case-insensitively', () => {
    expect(apps.getModel('news', 'Article')).toBe(Article);
    expect(apps.getModel('news.article')).toBe(Article);
    expect(apps.getModels()).toEqual(expect.arrayContaining([Reporter, Article, Publication]));
    expect(() => apps.getModel('news', 'Nope')).toThrow("App 'news' doesn't have a 'Nope' model.");
    expect(() => apps.getModel('nope.Thing')).toThrow(LookupError);
    expect(apps.getAppConfig('news').models).toContain(Article);
  });
});

describe('mistakes fail when the class is defined, naming the model and the option', () => {
  const t = pgTable('bad_thing', { id: serial('id').primaryKey(), name: text('name').notNull(), otherId: integer('other_id') });

  it('an unknown Meta key', () => {
    expect(() => Model(t, { app: 'bad', meta: { orderBy: ['name'] } as never })).toThrow(/'bad_thing'.*'class Meta' got invalid attribute\(s\): orderBy/);
  });

  it('an unknown field option and a field naming no column', () => {
    expect(() => Model(t, { app: 'bad', fields: { name: { maxLen: 3 } as never } })).toThrow(/fields\.name got unknown option\(s\): maxLen/);
    expect(() => Model(t, { app: 'bad', fields: { nam: { blank: true } } as never })).toThrow(/fields\.nam names no column/);
  });

  it('a relation to an unknown model', () => {
    class Broken extends Model(t, { app: 'bad1', fields: { other: ForeignKey('bad1.Missing', { onDelete: CASCADE }) } }) {}
    expect(() => defineApp('bad1', { models: [Broken] })).toThrow("bad1.Broken.other: Field defines a relation with model 'bad1.Missing', which is either not installed, or is abstract. (fields.E300)");
    apps.unregister(Broken);
  });

  it('a reverse accessor that clashes', () => {
    const a = pgTable('clash_a', { id: serial('id').primaryKey(), bSet: integer('b_set') });
    const b = pgTable('clash_b', { id: serial('id').primaryKey(), aId: integer('a_id') });
    class A extends Model(a, { app: 'clash' }) {}
    class B extends Model(b, { app: 'clash', fields: { a: ForeignKey(() => A, { onDelete: CASCADE }) } }) {}
    expect(() => defineApp('clash', { models: [A, B] })).toThrow("Reverse accessor 'A.bSet' for 'clash.B.a' clashes with field name 'clash.A.bSet'.");
    apps.unregister(A);
    apps.unregister(B);
  });

  it('a toField that is not unique', () => {
    const x = pgTable('tofield_x', { id: serial('id').primaryKey(), name: text('name') });
    const y = pgTable('tofield_y', { id: serial('id').primaryKey(), xName: text('x_name') });
    class X extends Model(x, { app: 'tofield' }) {}
    class Y extends Model(y, { app: 'tofield', fields: { x: ForeignKey(() => X, { onDelete: CASCADE, toField: 'name', column: 'xName' }) } }) {}
    expect(() => defineApp('tofield', { models: [X, Y] })).toThrow("'X.name' must be unique because it is referenced by a foreign key.");
    apps.unregister(X);
    apps.unregister(Y);
  });

  it('a model registered twice under one label', () => {
    const Once = Model(t, { app: 'twice', name: 'Thing' });
    void Once._meta;
    const Again = Model(t, { app: 'twice', name: 'Thing' });
    expect(() => Again._meta).toThrow("Conflicting 'thing' models in application 'twice'");
  });

  it('a foreign key without onDelete', () => {
    expect(() => {
      class NoOnDelete extends Model(t, { app: 'bad2', fields: { other: ForeignKey(() => Reporter) } }) {}
      return NoOnDelete._meta;
    }).toThrow(/ForeignKey 'other' needs an onDelete handler/);
  });
});

describe('proxy models and custom managers', () => {
  const persons = pgTable('proxy_person', { id: serial('id').primaryKey(), name: text('name').notNull(), active: boolean('active').notNull().default(true) });
  class ActiveManager extends Manager<Person> {
    override getQueryset() {
      return super.getQueryset().filter({ active: true });
    }
  }
  class PersonQuerySet extends QuerySet<Person> {
    named(name: string) {
      return this.filter({ name });
    }
  }
  class Person extends Model(persons, { app: 'proxy', meta: { ordering: ['name'] } }) {
    static active = new ActiveManager();
    static people = new (Manager.fromQueryset(PersonQuerySet))();
  }
  class OrderedPerson extends Model.proxy(Person, { name: 'OrderedPerson', meta: { ordering: ['-name'] } }) {}
  defineApp('proxy', { models: [Person, OrderedPerson] });

  it('a proxy shares the table, has its own label, ordering and manager', () => {
    expect(OrderedPerson._meta.proxy).toBe(true);
    expect(OrderedPerson._meta.table).toBe(persons);
    expect(OrderedPerson._meta.concreteModel).toBe(Person);
    expect(OrderedPerson._meta.label).toBe('proxy.OrderedPerson');
    expect(OrderedPerson.objects).not.toBe(Person.objects);
    expect(OrderedPerson.objects.model).toBe(OrderedPerson);
    expect(OrderedPerson.objects.all().toSQL().sql).toMatch(/order by "proxy_person"."name" desc/i);
    expect(new OrderedPerson({ name: 'x' })).toBeInstanceOf(Person);
    expect(OrderedPerson.DoesNotExist.prototype).toBeInstanceOf(Person.DoesNotExist);
  });

  it('custom managers and Manager.fromQueryset', () => {
    expect(Person.active.model).toBe(Person);
    expect(Person.active.all().toSQL().sql).toContain('"proxy_person"."active" = $1');
    expect(Person.people.named('Ann').toSQL().params).toEqual(['Ann']);
  });

  it('getField() throws FieldDoesNotExist', () => {
    expect(() => Person._meta.getField('nope')).toThrow(FieldDoesNotExist);
    expect(() => Person._meta.getField('nope')).toThrow("Person has no field named 'nope'");
  });
});

describe('unique constraints of the Drizzle table are in _meta.constraints', () => {
  it('collects unique columns, composite unique constraints and uniqueTogether', () => {
    const seats = pgTable('c_seat', { id: serial('id').primaryKey(), row: integer('row').notNull(), num: integer('num').notNull(), code: text('code').unique() }, (s) => [unique('c_seat_row_num').on(s.row, s.num)]);
    class Seat extends Model(seats, { app: 'cons', meta: { uniqueTogether: [['row', 'code']] } }) {}
    const fields = Seat._meta.constraints.map((c) => c.fields.join('+'));
    expect(fields).toEqual(['code', 'row+num', 'row+code']);
  });
});
