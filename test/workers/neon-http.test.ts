/** The shared suite on the `neon-http` driver, inside workerd, against the harness the global setup started. */
import { sql } from 'drizzle-orm';
import { describe, expect, inject, test } from 'vitest';
import { connect } from 'djazzle';
import { isSkipped, neonHttpRequests, resetNeonHttpRequests } from '../harness/descriptor.js';
import { sharedSuite } from '../shared/index.js';

const slot = inject('djazzleHarness')['neon-http'];

if (isSkipped(slot)) {
  const reason = slot?.skip ?? 'the global setup provided no harness';
  console.warn(`[djazzle] workerd: skipping the neon-http suite: ${reason}`);
  describe.skip(`neon-http in workerd (skipped: ${reason})`, () => {
    test('needs its harness', () => undefined);
  });
} else {
  let opened = 0;
  const open = () => connect(slot.url, { driver: slot.driver, alias: `neon-http-${++opened}` });
  sharedSuite('neon-http in workerd', open);

  describe('neon-http transport in workerd', () => {
    test('a batch of several statements is one HTTP request', async () => {
      const statsUrl = slot.statsUrl!;
      const db = await open();
      try {
        await db.execute('CREATE TABLE djazzle_worker_count (id serial PRIMARY KEY, name text NOT NULL)');
        await resetNeonHttpRequests(statsUrl);
        await db.batch([
          db.drizzle.execute(sql`INSERT INTO djazzle_worker_count (name) VALUES ('a')`),
          db.drizzle.execute(sql`INSERT INTO djazzle_worker_count (name) VALUES ('b')`),
        ]);
        expect(await neonHttpRequests(statsUrl)).toBe(1);
        expect(await db.execute('SELECT count(*)::int AS n FROM djazzle_worker_count')).toEqual([{ n: 2 }]);
      } finally {
        await db.execute('DROP TABLE IF EXISTS djazzle_worker_count');
        await db.close();
      }
    });
  });
}
