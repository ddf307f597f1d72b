/**
 * The shared suite on the `neon-http` driver: `neon()` over HTTP to the loopback stand-in for
 * Neon's SQL-over-HTTP endpoint, backed by PGlite served over TCP.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from 'djazzle';
import { neonHttpRequests, resetNeonHttpRequests, startNeonHttp, type NeonHttpHarness } from '../harness/index.js';
import { sharedSuite } from '../shared/index.js';

let harness: NeonHttpHarness;
let opened = 0;
const open = () => connect(harness.url, { driver: 'neon-http', alias: `neon-http-${++opened}` });

beforeAll(async () => {
  harness = await startNeonHttp();
});
afterAll(async () => {
  await harness?.stop();
});

sharedSuite('neon-http', open);

describe('neon-http transport', () => {
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
});
