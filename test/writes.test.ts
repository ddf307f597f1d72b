/** Writes: create, getOrCreate, updateOrCreate, bulkCreate, bulkUpdate, update, and Django's deletion collector. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { integer, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import {
  CASCADE, DO_NOTHING, defineApp, F, FieldError, ForeignKey, IntegrityError, Model, PROTECT, ProtectedError, RESTRICT, RestrictedError, SET, SET_DEFAULT,
  SET_NULL, type Connection, type Manager,
} from 'djazzle';
import { postDelete, preDelete, postSave, preSave } from 'djazzle/signals';
import { captureQueries, expectNumQueries, testDatabase } from 'djazzle/testing';

const artists = pgTable('w_artist', { id: serial('id').primaryKey(), name: varchar('name', { length: 50 }).notNull().unique(), plays: integer('plays').notNull().default(0) });
const albums = pgTable('w_album', { id: serial('id').primaryKey(), title: text('title').notNull(), artistId: integer('artist_id').notNull() });
const songs = pgTable('w_song', { id: serial('id').primaryKey(), title: text('title').notNull(), artistId: integer('artist_id').notNull(), albumId: integer('album_id').notNull() });
const fans = pgTable('w_fan', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  favouriteId: integer('favourite_id'),
  backupId: integer('backup_id').default(1),
  setId: integer('set_id'),
  ignoredId: integer('ignored_id'),
  touched: timestamp('touched', { withTimezone: true }),
});
const labels = pgTable('w_label', { id: serial('id').primaryKey(), artistId: integer('artist_id').notNull() });

class Artist extends Model(artists, { app: 'w', meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Artist>;
}
class Album extends Model(albums, { app: 'w', fields: { artist: ForeignKey(() => Artist, { onDelete: CASCADE }) } }) {}
class Song extends Model(songs, {
  app: 'w',
  fields: { artist: ForeignKey(() => Artist, { onDelete: CASCADE }), album: ForeignKey(() => Album, { onDelete: RESTRICT }) },
}) {}
class Fan extends Model(fans, {
  app: 'w',
  fields: {
    favourite: ForeignKey(() => Artist, { onDelete: SET_NULL, relatedName: 'fans' }),
    backup: ForeignKey(() => Artist, { onDelete: SET_DEFAULT, relatedName: 'backupFans' }),
    set: ForeignKey(() => Artist, { onDelete: SET(() => null), relatedName: 'setFans' }),
    ignored: ForeignKey(() => Artist, { onDelete: DO_NOTHING, relatedName: 'ignoringFans', dbConstraint: false }),
    touched: { autoNow: true },
  },
}) {}
class Label extends Model(labels, { app: 'w', fields: { artist: ForeignKey(() => Artist, { onDelete: PROTECT }) } }) {}
defineApp('w', { models: [Artist, Album, Song, Fan, Label] });

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Artist, Album, Song, Fan, Label] });
});
afterAll(() => db.close());
beforeEach(() => db.truncate());

describe('getOrCreate and updateOrCreate', () => {
  it('gets, or creates leaving __ lookups out, with callable defaults', async () => {
    const [a, created] = await Artist.objects.getOrCreate({ name: 'Abba', plays__gte: 0 }, { defaults: { plays: () => 7 } });
    expect([a.name, a.plays, created]).toEqual(['Abba', 7, true]);
    const [b, again] = await Artist.objects.getOrCreate({ name: 'Abba' });
    expect([b.pk, again]).toEqual([a.pk, false]);
    await expect(Artist.objects.getOrCreate({ name: 'X' }, { defaults: { colour: 'red' } })).rejects.toThrow("Invalid field name(s) for model Artist: 'colour'.");
  });

  it('runs the create in a savepoint and returns the row another writer created', async () => {
    // two concurrent callers: both miss the get, one INSERT wins, the other hits the unique
    // constraint inside its savepoint and answers with the row the winner created
    const results = await Promise.all([Artist.objects.getOrCreate({ name: 'Queen' }), Artist.objects.getOrCreate({ name: 'Queen' })]);
    expect(results.map(([, created]) => created).sort()).toEqual([false, true]);
    expect(results[0]![0].pk).toBe(results[1]![0].pk);
    const error = await Artist.objects.getOrCreate({ name: 'Queen', plays: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    // the failed INSERT was rolled back to its savepoint: the connection is usable
    expect(await Artist.objects.count()).toBe(1);
  });

  it('updateOrCreate locks the row and writes only the defaults and auto-now fields', async () => {
    const artist = await Artist.objects.create({ name: 'Blur' });
    const fan = await Fan.objects.create({ name: 'Ann', favourite: artist });
    const { queries, result } = await captureQueries(() => Fan.objects.updateOrCreate({ name: 'Ann' }, { defaults: { favourite: null } }));
    expect(result[1]).toBe(false);
    expect(queries[0]!.sql).toMatch(/for update/i);
    expect(queries[1]!.sql).toMatch(/^update "w_fan" set "favourite_id" = \$1, "touched" = \$2 where/);
    expect((await Fan.objects.get({ pk: fan.pk })).favouriteId).toBeNull();
    const [made, created] = await Fan.objects.updateOrCreate({ name: 'Bob' }, { defaults: { favourite: artist }, createDefaults: { favourite: null } });
    expect([created, made.favouriteId]).toEqual([true, null]);
  });
});

describe('bulkCreate and bulkUpdate', () => {
  it('one INSERT per batch, pks from RETURNING, no signals', async () => {
    let signals = 0;
    const off = [preSave.connect(() => void signals++), postSave.connect(() => void signals++)];
    const objs = Array.from({ length: 10 }, (_, i) => new Artist({ name: `A${i}` }));
    const { queries } = await captureQueries(() => Artist.objects.bulkCreate(objs, { batchSize: 4 }));
    off.forEach((o) => o());
    expect(queries).toHaveLength(3);
    expect(objs.every((o) => typeof o.id === 'number' && !o._state.adding)).toBe(true);
    expect(signals).toBe(0);
    expect(await Artist.objects.count()).toBe(10);
  });

  it('ignoreConflicts and updateConflicts', async () => {
    await Artist.objects.create({ name: 'Dup', plays: 1 });
    await Artist.objects.bulkCreate([new Artist({ name: 'Dup', plays: 2 }), new Artist({ name: 'New', plays: 3 })], { ignoreConflicts: true });
    expect((await Artist.objects.get({ name: 'Dup' })).plays).toBe(1);
    await Artist.objects.bulkCreate([new Artist({ name: 'Dup', plays: 9 })], { updateConflicts: true, uniqueFields: ['name'], updateFields: ['plays'] });
    expect((await Artist.objects.get({ name: 'Dup' })).plays).toBe(9);
    await expect(Artist.objects.bulkCreate([], { ignoreConflicts: true, updateConflicts: true })).rejects.toThrow('ignore_conflicts and update_conflicts are mutually exclusive.');
    await expect(Artist.objects.bulkCreate([], { updateConflicts: true, uniqueFields: ['name'] })).rejects.toThrow('Fields that will be updated when a row insertion fails on conflicts must be provided.');
  });

  it('bulkUpdate sends one UPDATE per batch and returns the rows matched', async () => {
    const objs = await Artist.objects.bulkCreate(Array.from({ length: 5 }, (_, i) => new Artist({ name: `B${i}` })));
    objs.forEach((o, i) => (o.plays = i * 10));
    const { queries, result } = await captureQueries(() => Artist.objects.bulkUpdate(objs, ['plays'], { batchSize: 3 }));
    expect(queries).toHaveLength(2);
    expect(result).toBe(5);
    expect((await Artist.objects.orderBy('name').valuesList('plays', { flat: true }))).toEqual([0, 10, 20, 30, 40]);
    await expect(Artist.objects.bulkUpdate(objs, [])).rejects.toThrow('Field names must be given to bulk_update().');
    await expect(Artist.objects.bulkUpdate(objs, ['id'])).rejects.toThrow('bulk_update() cannot be used with primary key fields.');
    await expect(Artist.objects.bulkUpdate([new Artist({ name: 'x' })], ['plays'])).rejects.toThrow('All bulk_update() objects must have a primary key set.');
  });
});

describe('update', () => {
  it('updates with F expressions, returns the rows matched, sends no signals', async () => {
    await Artist.objects.bulkCreate([new Artist({ name: 'A', plays: 1 }), new Artist({ name: 'B', plays: 2 })]);
    let signals = 0;
    const off = preSave.connect(() => void signals++);
    const n = await expectNumQueries(1, () => Artist.objects.filter({ plays__gte: 2 }).update({ plays: F('plays').mul(10).add(1) }));
    off();
    expect([n, signals]).toEqual([1, 0]);
    expect(await Artist.objects.orderBy('name').valuesList('plays', { flat: true })).toEqual([1, 21]);
    expect(await Artist.objects.filter({ name__in: [] }).update({ plays: 0 })).toBe(0);
    await expect(Artist.objects.update({ nope: 1 })).rejects.toBeInstanceOf(FieldError);
  });

  it('filters across relations with a pk IN (subquery)', async () => {
    const a = await Artist.objects.create({ name: 'Joined' });
    const album = await Album.objects.create({ title: 'x', artist: a });
    await Song.objects.create({ title: 's', artist: a, album });
    const { queries } = await captureQueries(() => Album.objects.filter({ artist__name: 'Joined' }).update({ title: 'renamed' }));
    expect(queries[0]!.sql).toMatch(/"w_album"."id" in \(select/i);
    expect((await Album.objects.get()).title).toBe('renamed');
  });
});

describe('deletion collector', () => {
  async function discography() {
    const artist = await Artist.objects.create({ name: 'Artist' });
    const album = await Album.objects.create({ title: 'Album', artist });
    const song = await Song.objects.create({ title: 'Song', artist, album });
    return { artist, album, song };
  }

  it('CASCADE, with RESTRICT allowed when the row is also reached through CASCADE', async () => {
    const { artist } = await discography();
    const result = await artist.delete();
    expect(result).toEqual([3, { 'w.Song': 1, 'w.Album': 1, 'w.Artist': 1 }]);
  });

  it('RESTRICT refuses otherwise, with the restricted objects', async () => {
    const { album, song } = await discography();
    const error = await album.delete().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestrictedError);
    expect((error as Error).message).toBe("Cannot delete some instances of model 'Album' because they are referenced through restricted foreign keys: 'Song.album'.");
    expect([...(error as RestrictedError).restrictedObjects].map((o) => (o as { pk: unknown }).pk)).toEqual([song.pk]);
    expect(await Album.objects.count()).toBe(1);
  });

  it('PROTECT raises ProtectedError with the protected objects and deletes nothing', async () => {
    const { artist } = await discography();
    const label = await Label.objects.create({ artist });
    const error = await Artist.objects.filter({ pk: artist.pk }).delete().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtectedError);
    expect((error as Error).message).toBe("Cannot delete some instances of model 'Artist' because they are referenced through protected foreign keys: 'Label.artist'.");
    expect([...(error as ProtectedError).protectedObjects].map((o) => (o as { pk: unknown }).pk)).toEqual([label.pk]);
    expect(await Song.objects.count()).toBe(1);
  });

  it('SET_NULL, SET_DEFAULT, SET(fn) and DO_NOTHING', async () => {
    const keep = await Artist.objects.create({ name: 'Keep' });
    const gone = await Artist.objects.create({ name: 'Gone' });
    void keep;
    const fan = await Fan.objects.create({ name: 'F', favourite: gone, backup: gone, set: gone, ignored: gone });
    const goneId = gone.id;
    await gone.delete();
    const after = await Fan.objects.get({ pk: fan.pk });
    expect([after.favouriteId, after.backupId, after.setId]).toEqual([null, 1, null]);
    // DO_NOTHING leaves the dangling value (the column has no database constraint here)
    expect(after.ignoredId).toBe(goneId);
  });

  it('sends preDelete in ascending pk and postDelete in descending pk, with the origin, children first', async () => {
    const artist = await Artist.objects.create({ name: 'Sig' });
    const albumsMade = await Album.objects.bulkCreate([new Album({ title: 'a1', artist }), new Album({ title: 'a2', artist })]);
    const song = await Song.objects.create({ title: 's', artist, album: albumsMade[0] });
    const artistPk = artist.pk;
    const log: string[] = [];
    const off = [
      preDelete.connect(({ instance, origin }) => void log.push(`pre ${instance.constructor.name} ${instance.pk} ${origin === artist}`)),
      postDelete.connect(({ instance }) => void log.push(`post ${instance.constructor.name} ${instance.pk}`)),
    ];
    const { queries } = await captureQueries(() => artist.delete());
    off.forEach((o) => o());
    const [x, y] = albumsMade.map((a) => a.pk);
    const s = song.pk;
    expect(log).toEqual([
      `pre Song ${s} true`, `pre Album ${x} true`, `pre Album ${y} true`, `pre Artist ${artistPk} true`,
      `post Song ${s}`, `post Album ${y}`, `post Album ${x}`, `post Artist ${artistPk}`,
    ]);
    const deletes = queries.filter((q) => q.sql.startsWith('delete')).map((q) => q.sql.split(' ')[2]);
    expect(deletes).toEqual(['"w_song"', '"w_album"', '"w_artist"']);
  });

  it('takes the fast path when nothing listens: no rows are loaded', async () => {
    await discography();
    await Artist.objects.create({ name: 'Other' });
    const { queries, result } = await captureQueries(() => Song.objects.filter({ title: 'Song' }).delete());
    expect(queries).toHaveLength(1);
    expect(queries[0]!.sql).toMatch(/^delete from "w_song"/);
    expect(result).toEqual([1, { 'w.Song': 1 }]);
    // with listeners, rows are loaded so that each gets its signals
    const off = preDelete.connect(() => undefined, { sender: Album });
    const loaded = await captureQueries(() => Album.objects.all().delete());
    off();
    expect(loaded.queries[0]!.sql).toMatch(/^select/);
  });
});

describe('deletion at scale and depth', () => {
  it('a cascade several levels deep runs as one DELETE per model, children first, loading nothing', async () => {
    const a = await Artist.objects.create({ name: 'Deep' });
    const album = await Album.objects.create({ title: 'x', artist: a });
    await Song.objects.bulkCreate([new Song({ title: 's1', artist: a, album }), new Song({ title: 's2', artist: a, album })]);
    const { queries, result } = await captureQueries(() => Song.objects.filter({ album__artist__name: 'Deep' }).delete());
    expect(queries.map((q) => q.sql.split(' ').slice(0, 3).join(' '))).toEqual(['delete from "w_song"']);
    expect(result).toEqual([2, { 'w.Song': 2 }]);
  });

  it('deleting a parent with 70,000 children batches the id lists (65,535 bind parameters at most)', async () => {
    const artist = await Artist.objects.create({ name: 'Prolific' });
    const album = await Album.objects.create({ title: 'big', artist });
    const rows = Array.from({ length: 70_000 }, (_, i) => ({ title: `t${i}`, artistId: artist.id, albumId: album.id }));
    for (let i = 0; i < rows.length; i += 10_000) await db.drizzle.insert(songs).values(rows.slice(i, i + 10_000));
    const [total, counts] = await artist.delete();
    expect(counts).toEqual({ 'w.Song': 70_000, 'w.Album': 1, 'w.Artist': 1 });
    expect(total).toBe(70_002);
  }, 120_000);
});
