/** The shared suite on the `pg` driver, inside workerd, against the harness the global setup started. */
import { describe, inject, test } from 'vitest';
import { connect } from 'djazzle';
import 'djazzle/drivers/pg'; // the Worker entry leaves node-postgres out unless asked for
import { isSkipped } from '../harness/descriptor.js';
import { sharedSuite } from '../shared/index.js';

const slot = inject('djazzleHarness')['pg'];

if (isSkipped(slot)) {
  const reason = slot?.skip ?? 'the global setup provided no harness';
  console.warn(`[djazzle] workerd: skipping the pg suite: ${reason}`);
  describe.skip(`pg in workerd (skipped: ${reason})`, () => {
    test('needs its harness', () => undefined);
  });
} else {
  let opened = 0;
  sharedSuite('pg in workerd', () => connect(slot.url, { driver: slot.driver, alias: `pg-${++opened}` }));
}
