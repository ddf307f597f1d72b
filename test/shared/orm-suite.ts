/**
 * The ORM half of the shared behaviour suite: models, QuerySets, relations, writes and deletion
 * through the public API, on whichever driver `open` connects to (under its own alias, so every
 * query also exercises `using()` and `instance._state.db`).
 */
import { integer, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { atomic, CASCADE, Count, defineApp, F, ForeignKey, IntegrityError, ManyToMany, Model, NotSupportedError, type Connection, type Manager, type RelatedManager } from 'djazzle';
import { captureQueries, expectNumQueries } from 'djazzle/testing';

const writers = pgTable('shared_writer', { id: serial('id').primaryKey(), name: varchar('name', { length: 40 }).notNull().unique() });
const posts = pgTable('shared_post', {
  id: serial('id').primaryKey(),
  title: text('title').notNull(),
  views: integer('views').notNull().default(0),
  published: timestamp('published', { withTimezone: true }),
  writerId: integer('writer_id').notNull(),
});
const topics = pgTable('shared_topic', { id: serial('id').primaryKey(), name: text('name').notNull() });

class Writer extends Model(writers, { app: 'shared', meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Writer>;
  declare posts: RelatedManager<Post>;
}
class Topic extends Model(topics, { app: 'shared', meta: { ordering: ['name'] } }) {}
class Post extends Model(posts, {
  app: 'shared',
  fields: { writer: ForeignKey(() => Writer, { onDelete: CASCADE, relatedName: 'posts' }), topics: ManyToMany(() => Topic) },
  meta: { ordering: ['title'] },
}) {
  declare static objects: Manager<Post>;
}
defineApp('shared', { models: [Writer, Post, Topic] });

export function ormSuite(label: string, open: () => Promise<Connection>): void {
  describe(`${label}: ORM`, () => {
    let db: Connection;
    let alias: string;
    const W = () => Writer.objects.using(alias);
    const P = () => Post.objects.using(alias);

    beforeAll(async () => {
      db = await open();
      alias = db.alias;
      await db.dropTables(Writer, Post, Topic);
      await db.createTables(Writer, Post, Topic);
    });
    afterAll(async () => {
      await db?.dropTables(Writer, Post, Topic);
      await db?.close();
    });
    beforeEach(async () => {
      await P().delete();
      await W().delete();
      await Topic.objects.using(alias).delete();
    });

    async function seed() {
      const ann = await W().create({ name: 'Ann' });
      const bob = await W().create({ name: 'Bob' });
      await P().bulkCreate([
        new Post({ title: 'Alpha', views: 5, published: new Date('2024-02-01T10:00:00Z'), writer: ann }),
        new Post({ title: 'Beta 50%', views: 1, published: null, writer: ann }),
        new Post({ title: 'Gamma', views: 9, published: new Date('2023-06-01T10:00:00Z'), writer: bob }),
      ]);
      return { ann, bob };
    }

    it('creates, queries with lookups and spans relations', async () => {
      const { ann } = await seed();
      expect(ann._state.db).toBe(alias);
      expect((await P().filter({ title__icontains: 'ALP' })).map((p) => p.title)).toEqual(['Alpha']);
      expect((await P().filter({ title__contains: '%' })).map((p) => p.title)).toEqual(['Beta 50%']);
      expect((await P().filter({ published__year: 2024 })).map((p) => p.title)).toEqual(['Alpha']);
      expect((await P().filter({ published__isnull: true })).map((p) => p.title)).toEqual(['Beta 50%']);
      expect((await P().exclude({ published__year: 2024 })).map((p) => p.title)).toEqual(['Beta 50%', 'Gamma']);
      expect((await P().filter({ writer__name: 'Bob' })).map((p) => p.title)).toEqual(['Gamma']);
      expect((await W().filter({ posts__views__gt: 4 }).distinct()).map((w) => w.name)).toEqual(['Ann', 'Bob']);
      expect(await P().filter({ views__in: [] }).count()).toBe(0);
      const got = await P().get({ title: 'Gamma' });
      expect(got.published).toEqual(new Date('2023-06-01T10:00:00Z'));
      await expect(P().get({ title: 'nope' })).rejects.toThrow('Post matching query does not exist.');
    });

    it('annotates, aggregates and slices', async () => {
      await seed();
      const counts = await W().annotate({ n: Count('posts') });
      expect(counts.map((w) => [w.name, w.n])).toEqual([
        ['Ann', 2],
        ['Bob', 1],
      ]);
      expect(await P().aggregate({ total: Count('id') })).toEqual({ total: 3 });
      expect((await P().orderBy('-views').slice(0, 2)).map((p) => p.title)).toEqual(['Gamma', 'Alpha']);
      expect(await P().valuesList('title', { flat: true })).toEqual(['Alpha', 'Beta 50%', 'Gamma']);
    });

    it('selectRelated in one query and prefetchRelated in one per level', async () => {
      const { ann } = await seed();
      const [topic] = await Topic.objects.using(alias).bulkCreate([new Topic({ name: 'news' })]);
      const alpha = await P().get({ title: 'Alpha' });
      await alpha.topics.add(topic!);
      const joined = await expectNumQueries(1, () => P().selectRelated('writer'));
      expect(joined.map((p) => p.writer?.name)).toEqual(['Ann', 'Ann', 'Bob']);
      const writers = await expectNumQueries(3, () => W().prefetchRelated('posts__topics'));
      const annPosts = await expectNumQueries(0, () => writers[0]!.posts.all());
      expect(annPosts.map((p) => p.title)).toEqual(['Alpha', 'Beta 50%']);
      expect((await annPosts[0]!.topics.all()).map((t) => t.name)).toEqual(['news']);
      expect(await ann.posts.count()).toBe(2);
    });

    it('updates with F, bulk-updates, getOrCreate and IntegrityError', async () => {
      await seed();
      expect(await P().filter({ views__gte: 5 }).update({ views: F('views').add(10) })).toBe(2);
      expect(await P().orderBy('title').valuesList('views', { flat: true })).toEqual([15, 1, 19]);
      const all = await P();
      all.forEach((p) => (p.views = 0));
      expect(await P().bulkUpdate(all, ['views'])).toBe(3);
      const [w, created] = await W().getOrCreate({ name: 'Cat' });
      expect(created).toBe(true);
      const [again, createdAgain] = await W().getOrCreate({ name: 'Cat' });
      expect([again.pk, createdAgain]).toEqual([w.pk, false]);
      const duplicate = await W().create({ name: 'Cat' }).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(IntegrityError);
      expect((duplicate as IntegrityError).sql).toMatch(/insert into "shared_writer"/);
    });

    it('deletes with cascade and answers the counts', async () => {
      const { ann } = await seed();
      const [topic] = await Topic.objects.using(alias).bulkCreate([new Topic({ name: 't' })]);
      await (await P().get({ title: 'Alpha' })).topics.add(topic!);
      expect(await ann.delete()).toEqual([4, { 'shared.Post_topics': 1, 'shared.Post': 2, 'shared.Writer': 1 }]);
      expect(await P().count()).toBe(1);
      expect(await W().filter({ name: 'Bob' }).delete()).toEqual([2, { 'shared.Post': 1, 'shared.Writer': 1 }]);
    });

    it('iterates in chunks', async () => {
      const writer = await W().create({ name: 'Many' });
      await P().bulkCreate(Array.from({ length: 23 }, (_, i) => new Post({ title: `p${String(i).padStart(2, '0')}`, writer })));
      const titles: string[] = [];
      const { queries } = await captureQueries(async () => {
        for await (const post of P().orderBy('pk').iterator({ chunkSize: 10 })) titles.push(post.title);
      });
      expect(titles).toHaveLength(23);
      expect(titles[22]).toBe('p22');
      expect(queries.length).toBeGreaterThanOrEqual(3);
    });

    it('sessions: identity map, unit of work, and interleaved sessions isolated from each other', async () => {
      const { ann } = await seed();
      await db.session(async (session) => {
        const a = await Writer.objects.get({ name: 'Ann' });
        expect(await session.get(Writer, ann.pk)).toBe(a);
        a.name = 'Annie';
        const pending = new Post({ title: 'Delta', writer: a });
        session.add(pending);
        await session.commit();
        expect(pending.id).toBeGreaterThan(0);
      });
      expect(await W().filter({ name: 'Annie' }).count()).toBe(1);
      expect(await P().filter({ title: 'Delta', writer__name: 'Annie' }).count()).toBe(1);
      const seen = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          db.session(async (session) => {
            const w = await Writer.objects.get({ name: i % 2 ? 'Annie' : 'Bob' });
            w.name = `changed ${i}`; // never flushed: each session sees only its own change
            await new Promise((r) => setTimeout(r, i % 5));
            expect((await session.get(Writer, w.pk))?.name).toBe(`changed ${i}`);
            session.expunge(w);
            return w;
          }, { autoflush: false }),
        ),
      );
      expect(new Set(seen).size).toBe(100);
      expect(await W().orderBy('name').valuesList('name', { flat: true })).toEqual(['Annie', 'Bob']);
    });

    it('atomic() rolls back ORM writes, or says which driver to use', async () => {
      if (!db.capabilities.interactiveTransactions) {
        await expect(atomic(() => W().create({ name: 'x' }), { using: alias })).rejects.toThrow(NotSupportedError);
        await expect(atomic(() => W().create({ name: 'x' }), { using: alias })).rejects.toThrow(/'neon-ws' or 'pg'/);
        return;
      }
      await expect(
        atomic(
          async () => {
            await W().create({ name: 'Inside' });
            throw new Error('boom');
          },
          { using: alias },
        ),
      ).rejects.toThrow('boom');
      expect(await W().filter({ name: 'Inside' }).exists()).toBe(false);
      await atomic(
        async () => {
          await W().create({ name: 'Outer' });
          await atomic(() => W().create({ name: 'Outer' }), { using: alias }).catch(() => undefined);
          const posts = await W().selectForUpdate().filter({ name: 'Outer' });
          expect(posts).toHaveLength(1);
        },
        { using: alias },
      );
      expect(await W().filter({ name: 'Outer' }).count()).toBe(1);
    });
  });
}
