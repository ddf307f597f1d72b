/**
 * The shared suite on the `pg` driver (node-postgres) against a throwaway PostgreSQL cluster.
 * Skipped, with the reason printed, when PostgreSQL's server binaries are not installed.
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { connect } from 'djazzle';
import { postgresUnavailable, startPostgres, type PostgresHarness } from '../harness/index.js';
import { sharedSuite } from '../shared/index.js';

const missing = postgresUnavailable();

if (missing) {
  console.warn(`[djazzle] skipping the pg driver suite: ${missing}`);
  describe.skip(`pg driver (skipped: ${missing})`, () => {
    test('needs PostgreSQL', () => undefined);
  });
} else {
  let harness: PostgresHarness;
  let opened = 0;
  beforeAll(async () => {
    harness = await startPostgres();
  });
  afterAll(async () => {
    await harness?.stop();
  });
  sharedSuite('pg', () => connect(harness.url, { driver: 'pg', alias: `pg-${++opened}` }));
}
