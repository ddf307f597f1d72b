/** Sessions: identity map, unit of work, flush order, rollback, autoflush, isolation. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { CASCADE, currentSession, defineApp, ForeignKey, IntegrityError, Model, SET_NULL, type Connection, type Manager, type Session } from 'djazzle';
import { postSave, preSave } from 'djazzle/signals';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';
import { Article, Publication, Reporter } from './fixtures/news.js';

const nodes = pgTable('s_node', { id: serial('id').primaryKey(), name: text('name').notNull().unique(), parentId: integer('parent_id'), buddyId: integer('buddy_id') });
const eggs = pgTable('s_egg', { id: serial('id').primaryKey(), chickenId: integer('chicken_id').notNull() });
const chickens = pgTable('s_chicken', { id: serial('id').primaryKey(), eggId: integer('egg_id').notNull() });
class Node extends Model(nodes, {
  app: 's',
  fields: { parent: ForeignKey('self', { onDelete: CASCADE, relatedName: 'children' }), buddy: ForeignKey('self', { onDelete: SET_NULL, relatedName: '+' }) },
}) {
  declare static objects: Manager<Node>;
}
class Egg extends Model(eggs, { app: 's', fields: { chicken: ForeignKey('Chicken', { onDelete: CASCADE, relatedName: 'eggs' }) } }) {}
class Chicken extends Model(chickens, { app: 's', fields: { egg: ForeignKey(() => Egg, { onDelete: CASCADE, relatedName: 'chickens' }) } }) {}
defineApp('s', { models: [Node, Egg, Chicken] });

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Reporter, Article, Publication, Node, Egg, Chicken] });
});
afterAll(() => db.close());
beforeEach(() => db.truncate());

const reporter = () => Reporter.objects.create({ firstName: 'John', lastName: 'Smith' });

describe('binding', () => {
  it('binds the session to the async context; outside, djazzle is in autocommit mode', async () => {
    expect(currentSession()).toBeUndefined();
    let inside: Session | undefined;
    await db.session(async (session) => {
      inside = currentSession();
      expect(inside).toBe(session);
      await Promise.all([1, 2].map(async () => expect(currentSession()).toBe(session)));
    });
    expect(currentSession()).toBeUndefined();
    expect(inside!.closed).toBe(true);
    const r = await reporter();
    const [a, b] = await Promise.all([Reporter.objects.get({ pk: r.pk }), Reporter.objects.get({ pk: r.pk })]);
    expect(a).not.toBe(b);
  });
});

describe('identity map', () => {
  it('keeps one instance per (model, pk) and answers session.get without a query', async () => {
    const r = await reporter();
    await db.session(async (session) => {
      const a = await Reporter.objects.get({ pk: r.pk });
      const [b] = await Reporter.objects.filter({ firstName: 'John' });
      expect(b).toBe(a);
      expect(await expectNumQueries(0, () => session.get(Reporter, r.pk))).toBe(a);
      expect(await expectNumQueries(0, () => session.get(Reporter, String(r.pk)))).toBe(a);
      expect(await session.get(Reporter, 99999)).toBeNull();
    });
  });

  it('query results refresh unmodified instances and never overwrite unsaved changes', async () => {
    const r = await reporter();
    await db.session(async (session) => {
      const a = await Reporter.objects.get({ pk: r.pk });
      await db.drizzle.execute(`UPDATE news_reporter SET last_name = 'Fresh' WHERE id = ${r.pk}`);
      await Reporter.objects.get({ pk: r.pk });
      expect(a.lastName).toBe('Fresh');
      a.firstName = 'Mine';
      expect(session.isModified(a)).toBe(true);
      await db.drizzle.execute(`UPDATE news_reporter SET first_name = 'Theirs' WHERE id = ${r.pk}`);
      const again = await Reporter.objects.filter({ pk: r.pk }).all();
      expect(again[0]).toBe(a);
      expect(a.firstName).toBe('Mine');
    }, { autoflush: false });
  });

  it('QuerySet.update() and delete() bring the map up to date', async () => {
    const r = await reporter();
    await db.session(async (session) => {
      const a = await Reporter.objects.get({ pk: r.pk });
      await Reporter.objects.filter({ pk: r.pk }).update({ lastName: 'Updated' });
      expect(a.lastName).toBe('Updated');
      expect(session.isModified(a)).toBe(false);
      await Reporter.objects.filter({ pk: r.pk }).delete();
      expect(await session.get(Reporter, r.pk)).toBeNull();
      expect(session.size).toBe(0);
    });
  });
});

describe('unit of work', () => {
  it('inserts parents before children, updates changed columns only, deletes children first', async () => {
    const existing = await reporter();
    const old = await Article.objects.create({ headline: 'old', pubDate: new Date(), reporter: existing });
    await db.session(async (session) => {
      const loaded = await Reporter.objects.get({ pk: existing.pk });
      const doomed = await Article.objects.get({ pk: old.pk });
      const r = new Reporter({ firstName: 'New', lastName: 'Person' });
      const a1 = new Article({ headline: 'a1', pubDate: new Date(), reporter: r });
      const a2 = new Article({ headline: 'a2', pubDate: new Date(), reporter: r });
      session.add(a1); // the unsaved reporter they point at is inserted too, first
      session.add(a2);
      loaded.lastName = 'Changed';
      session.delete(doomed);
      const { queries } = await captureQueries(() => session.flush());
      expect(queries.map((q) => q.sql.split(' ').slice(0, 3).join(' '))).toEqual([
        'insert into "news_reporter"',
        'insert into "news_article"',
        'update "news_reporter" set',
        'delete from "news_article_publications"',
        'delete from "news_article"',
      ]);
      expect(queries.find((q) => q.sql.startsWith('update'))!.sql).toBe('update "news_reporter" set "last_name" = $1 where "news_reporter"."id" = $2');
      expect(a1.reporterId).toBe(r.id);
      expect(session.isModified(a1)).toBe(false);
    });
    expect(await Article.objects.orderBy('headline').valuesList('headline', { flat: true })).toEqual(['a1', 'a2']);
    expect((await Reporter.objects.get({ pk: existing.pk })).lastName).toBe('Changed');
  });

  it('handles self references and breaks nullable cycles; refuses non-nullable ones', async () => {
    await db.session(async (session) => {
      const root = new Node({ name: 'root' });
      const child = new Node({ name: 'child', parent: root });
      const grandchild = new Node({ name: 'grandchild', parent: child });
      root.buddy = grandchild;
      grandchild.buddy = root;
      session.add(grandchild);
      await session.flush();
      expect(grandchild.parentId).toBe(child.id);
      expect(root.buddyId).toBe(grandchild.id);
    });
    const stored = await Node.objects.selectRelated('parent').orderBy('name');
    expect(stored.map((n) => [n.name, (n.parent as Node | null)?.name ?? null])).toEqual([
      ['child', 'root'],
      ['grandchild', 'child'],
      ['root', null],
    ]);
    expect((await Node.objects.get({ name: 'root' })).buddyId).toBe((await Node.objects.get({ name: 'grandchild' })).id);
    await expect(
      db.session(async (session) => {
        const egg = new Egg({});
        const chicken = new Chicken({ egg });
        egg.chicken = chicken;
        session.add(egg);
      }),
    ).rejects.toThrow(/form a cycle through non-nullable foreign keys/);
  });

  it('sends save signals per object at flush time; a preSave receiver that throws stops the flush', async () => {
    const log: string[] = [];
    const off = [
      preSave.connect(({ instance }) => void log.push(`pre ${instance.firstName}`), { sender: Reporter }),
      postSave.connect(({ instance, created }) => void log.push(`post ${instance.firstName} ${created}`), { sender: Reporter }),
    ];
    try {
      await db.session(async (session) => {
        session.add(new Reporter({ firstName: 'A', lastName: 'x' }));
        session.add(new Reporter({ firstName: 'B', lastName: 'x' }));
        await session.flush();
        expect(log).toEqual(['pre A', 'pre B', 'post A true', 'post B true']);
      });
      const stop = preSave.connect(({ instance }) => {
        if (instance.firstName === 'Stop') throw new Error('refused');
      });
      await expect(
        db.session(async (session) => {
          session.add(new Reporter({ firstName: 'Fine', lastName: 'x' }));
          session.add(new Reporter({ firstName: 'Stop', lastName: 'x' }));
        }),
      ).rejects.toThrow('refused');
      stop();
      expect(await Reporter.objects.filter({ firstName__in: ['Fine', 'Stop'] }).count()).toBe(0);
    } finally {
      off.forEach((o) => o());
    }
  });

  it('a statement failing mid-flush writes nothing, keeps objects pending, assigns no pk', async () => {
    await Node.objects.create({ name: 'taken' });
    await db.session(async (session) => {
      const fine = new Node({ name: 'fine' });
      const clash = new Node({ name: 'taken', parent: fine });
      session.add(fine);
      session.add(clash);
      const error = await session.flush().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect(fine.id).toBeUndefined();
      expect(fine._state.adding).toBe(true);
      expect(clash.parentId).toBeNull();
      expect(session.isModified(fine)).toBe(true);
      expect(await Node.objects.filter({ name: 'fine' }).exists()).toBe(false);
      clash.name = 'free';
      await session.flush();
      expect(fine.id).toBeGreaterThan(0);
    }, { autoflush: false });
    expect(await Node.objects.count()).toBe(3);
  });

  it('rollback discards pending objects and restores changed ones; expunge forgets', async () => {
    const r = await reporter();
    await db.session(async (session) => {
      const loaded = await Reporter.objects.get({ pk: r.pk });
      loaded.firstName = 'Changed';
      const pending = new Reporter({ firstName: 'P', lastName: 'Q' });
      session.add(pending);
      await session.rollback();
      expect(loaded.firstName).toBe('John');
      expect(session.isModified(pending)).toBe(false);
      loaded.lastName = 'Kept out';
      session.expunge(loaded);
      expect(session.isModified(loaded)).toBe(false);
    });
    expect(await Reporter.objects.count()).toBe(1);
    expect((await Reporter.objects.get()).lastName).toBe('Smith');
  });

  it('autoflushes before queries, unless turned off', async () => {
    await db.session(async (session) => {
      session.add(new Reporter({ firstName: 'Auto', lastName: 'x' }));
      expect(await Reporter.objects.filter({ firstName: 'Auto' }).count()).toBe(1);
    });
    await db.session(
      async (session) => {
        session.add(new Reporter({ firstName: 'Manual', lastName: 'x' }));
        expect(await Reporter.objects.filter({ firstName: 'Manual' }).count()).toBe(0);
      },
      { autoflush: false },
    );
    expect(await Reporter.objects.filter({ firstName: 'Manual' }).count()).toBe(1);
  });

  it('Django-style save(), delete() and create() write at once and keep the map consistent; queries are recorded', async () => {
    await db.session(async (session) => {
      const r = await Reporter.objects.create({ firstName: 'Now', lastName: 'x' });
      expect(await expectNumQueries(0, () => session.get(Reporter, r.pk))).toBe(r);
      r.lastName = 'y';
      await r.save();
      expect(session.isModified(r)).toBe(false);
      await r.delete();
      // Django also loads the articles before deleting a reporter (their m2m rows cascade)
      expect(session.queries.map((q) => q.sql.split(' ')[0])).toEqual(['insert', 'update', 'select', 'delete']);
      expect(session.queries[0]).toHaveProperty('params');
    });
  });
});

describe('atomic sessions', () => {
  it('run in one transaction, roll back on error, and rollback() returns to the last commit', async () => {
    await expect(
      db.session(
        async () => {
          await Reporter.objects.create({ firstName: 'Lost', lastName: 'x' });
          throw new Error('request failed');
        },
        { atomic: true },
      ),
    ).rejects.toThrow('request failed');
    expect(await Reporter.objects.count()).toBe(0);
    await db.session(
      async (session) => {
        const kept = await Reporter.objects.create({ firstName: 'Kept', lastName: 'x' });
        await session.commit();
        const undone = new Reporter({ firstName: 'Undone', lastName: 'x' });
        session.add(undone);
        kept.lastName = 'changed';
        await session.flush();
        expect(undone.id).toBeGreaterThan(0);
        await session.rollback();
        expect(undone.id).toBeUndefined();
        expect(undone._state.adding).toBe(true);
        expect(kept.lastName).toBe('x');
        expect(await Reporter.objects.valuesList('firstName', { flat: true })).toEqual(['Kept']);
      },
      { atomic: true },
    );
    expect(await Reporter.objects.valuesList('lastName', { flat: true })).toEqual(['x']);
  });
});

describe('isolation', () => {
  it('hundreds of interleaved sessions never see each other’s instances or changes', async () => {
    const seeded = await Reporter.objects.bulkCreate(Array.from({ length: 5 }, (_, i) => new Reporter({ firstName: `R${i}`, lastName: 'x' })));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        db.session(async (session) => {
          const target = seeded[i % 5]!;
          const mine = await Reporter.objects.get({ pk: target.pk });
          mine.lastName = `s${i}`;
          await new Promise((r) => setTimeout(r, i % 7));
          expect(currentSession()).toBe(session);
          const again = await session.get(Reporter, target.pk);
          expect(again).toBe(mine);
          expect(mine.lastName).toBe(`s${i}`);
          session.expunge(mine);
          return mine;
        }, { autoflush: false }),
      ),
    );
    expect(new Set(results).size).toBe(200);
    expect((await Reporter.objects.valuesList('lastName', { flat: true })).every((n) => n === 'x')).toBe(true);
  });
});
