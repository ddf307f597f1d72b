/**
 * The shared suite on the `neon-http` driver: `neon()` over HTTP to the loopback stand-in for
 * Neon's SQL-over-HTTP endpoint, backed by PGlite served over TCP.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NeonDbError } from '@neondatabase/serverless';
import { connect, IntegrityError } from 'djazzle';
import { neonHttpRequests, resetNeonHttpRequests, startNeonHttp, type NeonHttpHarness } from '../harness/index.js';
import { withQuerySink, type LoggedQuery } from '../../src/db/query-log.js';
import { sharedSuite } from '../shared/index.js';

let harness: NeonHttpHarness;
let opened = 0;
/** What `promise` rejected with; a resolved promise fails the test. */
const rejection = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => Promise.reject(new Error('expected the statement to fail')),
    (error: unknown) => error as Error,
  );
const open = () => connect(harness.url, { driver: 'neon-http', alias: `neon-http-${++opened}` });

beforeAll(async () => {
  harness = await startNeonHttp();
});
afterAll(async () => {
  await harness?.stop();
});

sharedSuite('neon-http', open);

describe('neon-http transport', () => {
  test('the stand-in answers errors as Neon does: the client raises NeonDbError with the SQLSTATE', async () => {
    const db = await open();
    try {
      const failure = await rejection(db.execute('SELECT 1/0 AS x'));
      expect(failure).toMatchObject({ code: '22012', message: 'division by zero' });
      expect(failure.cause).toBeInstanceOf(NeonDbError);
      expect(failure.cause).toMatchObject({ code: '22012', severity: 'ERROR' });
      await db.execute('CREATE TABLE djazzle_http_unique (x int PRIMARY KEY)');
      await db.execute('INSERT INTO djazzle_http_unique VALUES (1)');
      const duplicate = await rejection(db.execute('INSERT INTO djazzle_http_unique VALUES (1)'));
      expect(duplicate).toBeInstanceOf(IntegrityError);
      expect(duplicate.cause).toBeInstanceOf(NeonDbError);
      expect(duplicate.cause).toMatchObject({ code: '23505', constraint: 'djazzle_http_unique_pkey', table: 'djazzle_http_unique' });
    } finally {
      await db.execute('DROP TABLE IF EXISTS djazzle_http_unique');
      await db.close();
    }
  });

  test('each query is one HTTP request, and a batch of several statements is one request', async () => {
    const db = await open();
    try {
      await db.execute('CREATE TABLE djazzle_http_count (id serial PRIMARY KEY, name text NOT NULL)');
      harness.standIn.resetRequests();
      await db.execute(`INSERT INTO djazzle_http_count (name) VALUES ('a')`);
      expect(harness.standIn.requests).toBe(1);
      await db.batch([
        db.drizzle.execute(sql`INSERT INTO djazzle_http_count (name) VALUES ('b')`),
        db.drizzle.execute(sql`INSERT INTO djazzle_http_count (name) VALUES ('c')`),
        db.drizzle.execute(sql`SELECT count(*)::int AS n FROM djazzle_http_count`),
      ]);
      expect(harness.standIn.requests).toBe(2);
      expect(await neonHttpRequests(harness.statsUrl)).toBe(2);
      await resetNeonHttpRequests(harness.statsUrl);
      expect(harness.standIn.requests).toBe(0);
      expect(await db.execute('SELECT count(*)::int AS n FROM djazzle_http_count')).toEqual([{ n: 3 }]);
    } finally {
      await db.execute('DROP TABLE IF EXISTS djazzle_http_count');
      await db.close();
    }
  });

  test('batch statements reach the query log (Drizzle does not log neon-http batches itself)', async () => {
    const db = await open();
    const logged: LoggedQuery[] = [];
    try {
      await withQuerySink(
        (query) => logged.push(query),
        () => db.batch([db.drizzle.execute(sql`SELECT ${1}::int AS one`), db.drizzle.execute(sql`SELECT 2 AS two`)]),
      );
      expect(logged.map(({ sql, params, alias }) => ({ sql, params, alias }))).toEqual([
        { sql: 'SELECT $1::int AS one', params: [1], alias: db.alias },
        { sql: 'SELECT 2 AS two', params: [], alias: db.alias },
      ]);
    } finally {
      await db.close();
    }
  });
});
