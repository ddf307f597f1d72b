/**
 * `migrate()` on the four drivers: PGlite always, `neon-ws` and `neon-http` through their loopback
 * harnesses, `pg` when PostgreSQL's binaries are installed (skipped with the reason otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'djazzle';
import { migrate } from 'djazzle/migrations';
import { postgresUnavailable, startNeonHttp, startNeonWs, startPostgres, type Harness, type NeonHttpHarness } from '../harness/index.js';
import { failingHistory } from './helpers.js';
import '../fixtures/migration-apps.js';
import { migrationDriverSuite } from './driver-suite.js';

migrationDriverSuite('pglite', () => connect('memory://', { alias: 'mig-pglite' }), { prefix: 'fpgl' });

describe('neon-ws', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startNeonWs();
  });
  afterAll(() => harness?.stop());
  migrationDriverSuite('neon-ws', () => connect(harness.url, { driver: 'neon-ws', alias: 'mig-neon-ws' }), { prefix: 'fnws' });
});

describe('neon-http', () => {
  let harness: NeonHttpHarness;
  beforeAll(async () => {
    harness = await startNeonHttp();
  });
  afterAll(() => harness?.stop());
  migrationDriverSuite('neon-http (one batch per migration)', () => connect(harness.url, { driver: 'neon-http', alias: 'mig-neon-http' }), { prefix: 'fnht' });

  it('sends each migration, its statements and its record, as one request', async () => {
    const db = await connect(harness.url, { driver: 'neon-http', alias: 'mig-neon-http-count' });
    try {
      const requests: number[] = [];
      await migrate({
        connection: db,
        migrations: failingHistory('fcount').good,
        signals: false,
        onProgress: (event) => void ((event.type === 'start' || event.type === 'success') && requests.push(harness.standIn.requests)),
      });
      expect([requests[1]! - requests[0]!, requests[3]! - requests[2]!]).toEqual([1, 1]);
    } finally {
      await db.close();
    }
  });
});

const missing = postgresUnavailable();
if (missing) {
  describe.skip(`pg (skipped: ${missing})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  describe('pg', () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startPostgres();
    });
    afterAll(() => harness?.stop());
    migrationDriverSuite('pg', () => connect(harness.url, { driver: 'pg', alias: 'mig-pg' }), { prefix: 'fpg' });
  });
}
