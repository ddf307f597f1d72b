/**
 * The shared behaviour suite: the driver contract, then the ORM suite, against one driver.
 * Every per-driver test file (Node: `test/drivers/*.test.ts`; workerd: `test/workers/*.test.ts`)
 * calls `sharedSuite(label, open)` with a factory that opens a new connection under its own alias.
 */
import type { Connection } from 'djazzle';
import { driverSuite } from './driver-suite.js';
import { ormSuite } from './orm-suite.js';

export function sharedSuite(label: string, open: () => Promise<Connection>): void {
  driverSuite(label, open);
  ormSuite(label, open);
}
