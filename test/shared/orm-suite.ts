import type { Connection } from '../../src/db/connection.js';

export function ormSuite(_label: string, _open: () => Promise<Connection>): void {}
