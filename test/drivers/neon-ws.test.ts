/**
 * The shared suite on the `neon-ws` driver: Neon's Pool over a WebSocket, through the loopback
 * WebSocket-to-TCP proxy, to PGlite served over TCP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from 'djazzle';
import { startNeonWs, type NeonWsHarness } from '../harness/index.js';
import { sharedSuite } from '../shared/index.js';

let harness: NeonWsHarness;
let opened = 0;
const open = () => connect(harness.url, { driver: 'neon-ws', alias: `neon-ws-${++opened}` });

beforeAll(async () => {
  harness = await startNeonWs();
});
afterAll(async () => {
  await harness?.stop();
});

sharedSuite('neon-ws', open);

describe('neon-ws transport', () => {
  test('queries travel over the WebSocket proxy', async () => {
    const before = harness.proxy.connections;
    const db = await open();
    try {
      expect(await db.execute('SELECT 2 AS two')).toEqual([{ two: 2 }]);
      expect(harness.proxy.connections).toBeGreaterThan(before);
    } finally {
      await db.close();
    }
  });
});
