/**
 * The driver contract, run against every driver (pglite, pg, neon-ws, neon-http) on Node and the
 * server drivers inside workerd, through the public API only: what `connect()` returns must behave
 * the same whatever carries the SQL. Capabilities decide which half of the transaction tests runs;
 * a driver lacking one must refuse it with a `NotSupportedError` that names an alternative.
 *
 * `open()` must answer a new connection under an alias of its own; the suite closes it.
 */
import { sql } from 'drizzle-orm';
import { boolean, integer, jsonb, numeric, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { atomic, DatabaseError, IntegrityError, NotSupportedError, type Connection } from 'djazzle';
import type { DriverCapabilities, DriverName } from '../../src/db/driver.js';

const EXPECTED_CAPABILITIES: Record<DriverName, DriverCapabilities> = {
  pglite: { interactiveTransactions: true, savepoints: true, batch: false, cursors: true },
  pg: { interactiveTransactions: true, savepoints: true, batch: false, cursors: true },
  'neon-ws': { interactiveTransactions: true, savepoints: true, batch: false, cursors: true },
  'neon-http': { interactiveTransactions: false, savepoints: false, batch: true, cursors: false },
};

/** Resolves to what `promise` rejected with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export function driverSuite(label: string, open: () => Promise<Connection>): void {
  const suffix = Math.random().toString(36).slice(2, 8);
  const items = pgTable(`djazzle_items_${suffix}`, {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    qty: integer('qty'),
  });
  const kinds = pgTable(`djazzle_kinds_${suffix}`, {
    id: serial('id').primaryKey(),
    flag: boolean('flag').notNull(),
    data: jsonb('data').$type<{ tags: string[] }>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    price: numeric('price', { precision: 10, scale: 2 }),
  });
  const itemsTable = `djazzle_items_${suffix}`;
  const kindsTable = `djazzle_kinds_${suffix}`;

  describe(`driver contract (${label})`, () => {
    let db: Connection;
    const names = async (): Promise<string[]> =>
      (await db.drizzle.select({ name: items.name }).from(items).orderBy(items.name)).map((row) => row.name);

    beforeAll(async () => {
      db = await open();
      await db.execute(`CREATE TABLE ${itemsTable} (id serial PRIMARY KEY, name text NOT NULL UNIQUE, qty integer)`);
      await db.execute(
        `CREATE TABLE ${kindsTable} (id serial PRIMARY KEY, flag boolean NOT NULL, data jsonb, at timestamptz NOT NULL, price numeric(10, 2))`,
      );
    });
    afterAll(async () => {
      if (!db || db.closed) return;
      await db.execute(`DROP TABLE IF EXISTS ${itemsTable}, ${kindsTable}`);
      await db.close();
    });
    beforeEach(async () => {
      await db.execute(`DELETE FROM ${itemsTable}`);
    });

    test('declares its capabilities', () => {
      expect(EXPECTED_CAPABILITIES[db.driver]).toBeDefined();
      expect({ ...db.capabilities }).toEqual(EXPECTED_CAPABILITIES[db.driver]);
    });

    test('execute() runs raw SQL and answers rows keyed by column name', async () => {
      expect(await db.execute(`SELECT 1 AS one, 'x'::text AS s, NULL::int AS nothing`)).toEqual([{ one: 1, s: 'x', nothing: null }]);
      expect(await db.execute(sql`SELECT ${"it's"}::text AS s, ${41}::int + 1 AS n`)).toEqual([{ s: "it's", n: 42 }]);
    });

    test('db.drizzle is a working Drizzle database', async () => {
      const [created] = await db.drizzle.insert(items).values({ name: 'apple', qty: 3 }).returning();
      expect(created).toMatchObject({ name: 'apple', qty: 3 });
      await db.drizzle.insert(items).values([{ name: 'pear' }, { name: 'fig', qty: 1 }]);
      expect(await names()).toEqual(['apple', 'fig', 'pear']);
      const [pear] = await db.drizzle.select().from(items).where(sql`${items.name} = ${'pear'}`);
      expect(pear).toEqual({ id: expect.any(Number), name: 'pear', qty: null });
    });

    test('values of common column types survive the round trip', async () => {
      const at = new Date('2024-02-29T12:34:56.789Z');
      await db.drizzle.insert(kinds).values({ flag: true, data: { tags: ['a', "b'c"] }, at, price: '12.50' });
      const [row] = await db.drizzle.select().from(kinds);
      expect(row).toEqual({ id: expect.any(Number), flag: true, data: { tags: ['a', "b'c"] }, at, price: '12.50' });
    });

    test('a unique violation is an IntegrityError carrying the SQL, parameters and driver error', async () => {
      await db.drizzle.insert(items).values({ name: 'dup' });
      const error = await rejection(db.run((d) => d.insert(items).values({ name: 'dup', qty: 7 })));
      expect(error).toBeInstanceOf(IntegrityError);
      const integrity = error as IntegrityError;
      expect(integrity.code).toBe('23505');
      expect(integrity.constraint).toBe(`${itemsTable}_name_key`);
      expect(integrity.sql).toMatch(/^insert into "djazzle_items_\w+"/);
      expect(integrity.params).toEqual(expect.arrayContaining(['dup', 7]));
      expect(integrity.cause).toBeDefined();
      expect(integrity.message).toMatch(/duplicate key value violates unique constraint/);
    });

    test('a not-null violation through execute() is an IntegrityError too', async () => {
      const error = await rejection(db.execute(`INSERT INTO ${itemsTable} (name) VALUES (NULL)`));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).code).toBe('23502');
      expect((error as IntegrityError).sql).toBe(`INSERT INTO ${itemsTable} (name) VALUES (NULL)`);
    });

    test('a syntax error is a DatabaseError, not an IntegrityError', async () => {
      const error = await rejection(db.execute('SELEC 1'));
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).not.toBeInstanceOf(IntegrityError);
      expect((error as DatabaseError).code).toBe('42601');
      expect((error as DatabaseError).sql).toBe('SELEC 1');
      expect(error.message).toMatch(/syntax error/);
    });

    describe('with interactive transactions', () => {
      const skip = () => !db.capabilities.interactiveTransactions;

      test('atomic() commits when its function resolves', async (ctx) => {
        if (skip()) return ctx.skip();
        const result = await atomic(
          async () => {
            // Inside atomic(), statements go through db.run() / db.execute() (the block's transaction);
            // db.drizzle itself is the pool, outside the transaction.
            await db.run((d) => d.insert(items).values({ name: 'kept' }));
            await db.execute(`INSERT INTO ${itemsTable} (name) VALUES ('kept too')`);
            return 'done';
          },
          { using: db.alias },
        );
        expect(result).toBe('done');
        expect(await names()).toEqual(['kept', 'kept too']);
      });

      test('atomic() rolls back when its function throws, and rethrows', async (ctx) => {
        if (skip()) return ctx.skip();
        const boom = new Error('boom');
        const error = await rejection(
          atomic(
            async () => {
              await db.execute(`INSERT INTO ${itemsTable} (name) VALUES ('gone')`);
              expect(await db.execute(`SELECT name FROM ${itemsTable}`)).toEqual([{ name: 'gone' }]);
              throw boom;
            },
            { using: db.alias },
          ),
        );
        expect(error).toBe(boom);
        expect(await names()).toEqual([]);
      });

      test('a nested atomic() is a savepoint: its rollback keeps the outer block', async (ctx) => {
        if (skip()) return ctx.skip();
        await atomic(
          async () => {
            await db.execute(`INSERT INTO ${itemsTable} (name) VALUES ('outer')`);
            await rejection(
              atomic(async () => {
                await db.execute(`INSERT INTO ${itemsTable} (name) VALUES ('inner')`);
                throw new Error('inner fails');
              }, { using: db.alias }),
            );
            // A database error inside the savepoint leaves the outer transaction usable.
            const error = await rejection(
              atomic(() => db.execute(`INSERT INTO ${itemsTable} (name) VALUES ('outer')`), { using: db.alias }),
            );
            expect(error).toBeInstanceOf(IntegrityError);
            await db.execute(`INSERT INTO ${itemsTable} (name) VALUES ('after')`);
          },
          { using: db.alias },
        );
        expect(await names()).toEqual(['after', 'outer']);
      });

      test('cursors work inside a transaction', async (ctx) => {
        if (skip() || !db.capabilities.cursors) return ctx.skip();
        const fetched = await atomic(
          async () => {
            await db.execute('DECLARE djazzle_cursor CURSOR FOR SELECT generate_series(1, 5) AS n');
            const first = await db.execute('FETCH 2 FROM djazzle_cursor');
            const rest = await db.execute('FETCH ALL FROM djazzle_cursor');
            return [first, rest];
          },
          { using: db.alias },
        );
        expect(fetched).toEqual([[{ n: 1 }, { n: 2 }], [{ n: 3 }, { n: 4 }, { n: 5 }]]);
      });
    });

    describe('without interactive transactions', () => {
      test('atomic() raises NotSupportedError naming the drivers to use instead', async (ctx) => {
        if (db.capabilities.interactiveTransactions) return ctx.skip();
        let ran = false;
        const error = await rejection(atomic(() => (ran = true), { using: db.alias }));
        expect(error).toBeInstanceOf(NotSupportedError);
        expect(error.message).toContain(`'${db.driver}'`);
        expect(error.message).toContain('neon-ws');
        expect(error.message).toMatch(/'pg'/);
        expect(ran).toBe(false);
      });
    });

    describe('batch()', () => {
      test('runs several statements as one transaction, results in order', async (ctx) => {
        if (!db.capabilities.batch) return ctx.skip();
        const results = await db.batch([
          db.drizzle.insert(items).values({ name: 'one' }),
          db.drizzle.insert(items).values({ name: 'two', qty: 2 }).returning({ name: items.name, qty: items.qty }),
          db.drizzle.select({ name: items.name }).from(items).orderBy(items.name),
        ]);
        expect(results).toHaveLength(3);
        expect(results[1]).toEqual([{ name: 'two', qty: 2 }]);
        expect(results[2]).toEqual([{ name: 'one' }, { name: 'two' }]);
      });

      test('a failing statement rolls the whole batch back and is an IntegrityError', async (ctx) => {
        if (!db.capabilities.batch) return ctx.skip();
        await db.drizzle.insert(items).values({ name: 'taken' });
        const error = await rejection(
          db.batch([db.drizzle.insert(items).values({ name: 'first' }), db.drizzle.insert(items).values({ name: 'taken' })]),
        );
        expect(error).toBeInstanceOf(IntegrityError);
        expect((error as IntegrityError).code).toBe('23505');
        expect(await names()).toEqual(['taken']);
      });

      test('drivers without batch raise NotSupportedError pointing at atomic()', async (ctx) => {
        if (db.capabilities.batch) return ctx.skip();
        const error = await rejection(db.batch([db.drizzle.insert(items).values({ name: 'never' })]));
        expect(error).toBeInstanceOf(NotSupportedError);
        expect(error.message).toContain(`'${db.driver}'`);
        expect(error.message).toContain('atomic()');
        expect(await names()).toEqual([]);
      });
    });

    test('a closed connection refuses queries with a clear error, and close() is idempotent', async () => {
      const other = await open();
      expect(await other.execute('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await other.close();
      await other.close();
      expect(other.closed).toBe(true);
      const error = await rejection(other.execute('SELECT 1'));
      expect(error.message).toMatch(/closed/);
      expect(error.message).toContain(other.alias);
    });
  });
}
