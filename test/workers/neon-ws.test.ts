/** The shared suite on the `neon-ws` driver, inside workerd, against the harness the global setup started. */
import { describe, inject, test } from 'vitest';
import { connect } from 'djazzle';
import { isSkipped } from '../harness/descriptor.js';
import { sharedSuite } from '../shared/index.js';

const slot = inject('djazzleHarness')['neon-ws'];

if (isSkipped(slot)) {
  const reason = slot?.skip ?? 'the global setup provided no harness';
  console.warn(`[djazzle] workerd: skipping the neon-ws suite: ${reason}`);
  describe.skip(`neon-ws in workerd (skipped: ${reason})`, () => {
    test('needs its harness', () => undefined);
  });
} else {
  let opened = 0;
  sharedSuite('neon-ws in workerd', () => connect(slot.url, { driver: slot.driver, alias: `neon-ws-${++opened}` }));
}
