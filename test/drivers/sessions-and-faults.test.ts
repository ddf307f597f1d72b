/**
 * Sessions and faults on the server drivers: neon-http commits a whole flush in one request;
 * a connection that dies inside a transaction gives a clear error and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { atomic, CASCADE, connect, DatabaseError, defineApp, ForeignKey, Model, NotSupportedError, type Connection, type Manager } from 'djazzle';
import { postgresUnavailable, startNeonHttp, startNeonWs, startPostgres, type NeonHttpHarness, type NeonWsHarness, type PostgresHarness } from '../harness/index.js';

const owners = pgTable('fault_owner', { id: serial('id').primaryKey(), name: text('name').notNull().unique() });
const pets = pgTable('fault_pet', { id: serial('id').primaryKey(), name: text('name').notNull(), ownerId: integer('owner_id').notNull() });
class Owner extends Model(owners, { app: 'fault', meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Owner>;
}
class Pet extends Model(pets, { app: 'fault', fields: { owner: ForeignKey(() => Owner, { onDelete: CASCADE, relatedName: 'pets' }) }, meta: { ordering: ['name'] } }) {}
defineApp('fault', { models: [Owner, Pet] });

let opened = 0;
async function fresh(url: string, driver: 'pg' | 'neon-ws' | 'neon-http'): Promise<Connection> {
  const db = await connect(url, { driver, alias: `${driver}-fault-${++opened}` });
  await db.dropTables(Owner, Pet);
  await db.createTables(Owner, Pet);
  return db;
}

describe('neon-http sessions', () => {
  let harness: NeonHttpHarness;
  let db: Connection;
  beforeAll(async () => {
    harness = await startNeonHttp();
    db = await fresh(harness.url, 'neon-http');
  });
  afterAll(async () => {
    await db?.close();
    await harness?.stop();
  });

  it('session.commit() sends the whole flush as one HTTP request, whatever the number of changes', async () => {
    const existing = await Owner.objects.using(db.alias).bulkCreate([new Owner({ name: 'old' }), new Owner({ name: 'gone' })]);
    await db.session(async (session) => {
      const loaded = await Owner.objects.get({ name: 'old' });
      const doomed = await Owner.objects.get({ name: 'gone' });
      for (let i = 0; i < 12; i++) {
        const owner = new Owner({ name: `new ${i}` });
        session.add(new Pet({ name: `pet ${i}`, owner })); // each pet points at a pending owner
      }
      loaded.name = 'renamed';
      session.delete(doomed);
      harness.standIn.resetRequests();
      await session.commit();
      expect(harness.standIn.requests).toBe(1);
    }, { autoflush: false });
    expect(existing).toHaveLength(2);
    const pets = await Pet.objects.using(db.alias).selectRelated('owner');
    expect(pets).toHaveLength(12);
    expect(pets.every((p) => p.owner?.name === `new ${p.name.split(' ')[1]}`)).toBe(true);
    expect(await Owner.objects.using(db.alias).filter({ name__in: ['renamed', 'gone'] }).valuesList('name', { flat: true })).toEqual(['renamed']);
  });

  it('a failing statement in the batch writes nothing of the flush', async () => {
    const before = await Owner.objects.using(db.alias).count();
    await expect(
      db.session(async (session) => {
        session.add(new Owner({ name: 'unique one' }));
        session.add(new Owner({ name: 'renamed' }));
      }),
    ).rejects.toBeInstanceOf(DatabaseError);
    expect(await Owner.objects.using(db.alias).count()).toBe(before);
  });

  it("atomic() and atomic sessions name the drivers to use", async () => {
    await expect(atomic(async () => undefined, { using: db.alias })).rejects.toThrow(/'neon-ws' or 'pg'/);
    await expect(db.session(async () => undefined, { atomic: true })).rejects.toBeInstanceOf(NotSupportedError);
  });
});

async function expectNoPartialWrite(db: Connection, kill: () => Promise<void> | void, reopen: () => Promise<Connection>) {
  const error = await atomic(
    async () => {
      await Owner.objects.using(db.alias).create({ name: 'half-written' });
      await kill();
      await Owner.objects.using(db.alias).create({ name: 'never' });
    },
    { using: db.alias },
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatabaseError);
  expect((error as Error).message).toMatch(/connection|terminat|closed/i);
  const check = await reopen();
  try {
    expect(await Owner.objects.using(check.alias).filter({ name__in: ['half-written', 'never'] }).count()).toBe(0);
  } finally {
    await check.close();
  }
}

describe('a connection dying inside a transaction: neon-ws', () => {
  let harness: NeonWsHarness;
  beforeAll(async () => {
    harness = await startNeonWs();
  });
  afterAll(() => harness?.stop());

  it('gives a clear error and no partial write', async () => {
    const db = await fresh(harness.url, 'neon-ws');
    try {
      await expectNoPartialWrite(db, () => harness.proxy.dropConnections(), () => connect(harness.url, { driver: 'neon-ws', alias: `neon-ws-check-${++opened}` }));
    } finally {
      await db.close().catch(() => undefined);
    }
  });
});

const noPostgres = postgresUnavailable();
if (noPostgres) console.warn(`pg fault test skipped: ${noPostgres}`);
describe.skipIf(Boolean(noPostgres))('a connection dying inside a transaction: pg', () => {
  let harness: PostgresHarness;
  beforeAll(async () => {
    harness = await startPostgres();
  });
  afterAll(() => harness?.stop());

  it('gives a clear error (backend terminated) and no partial write', async () => {
    const db = await fresh(harness.url, 'pg');
    const killer = await connect(harness.url, { driver: 'pg', alias: `pg-killer-${++opened}` });
    try {
      await expectNoPartialWrite(
        db,
        async () => {
          const [row] = await db.execute('SELECT pg_backend_pid() AS pid');
          await killer.execute(`SELECT pg_terminate_backend(${Number(row!['pid'])})`);
        },
        () => connect(harness.url, { driver: 'pg', alias: `pg-check-${++opened}` }),
      );
    } finally {
      await killer.close();
      await db.close().catch(() => undefined);
    }
  });
});
