/**
 * The `pglite` driver: real PostgreSQL compiled to WASM, in-process, no server. The default:
 * `connect()` stores it in `./.djazzle/db`, `connect('memory://')` keeps it in memory.
 * Node only (PGlite does not run inside workerd); loaded lazily so Worker bundles never hold it.
 */
import { mkdirSync } from 'node:fs';
import { ImproperlyConfigured } from '../../core/errors.js';
import type { DriverInstance, DriverOpenOptions } from '../driver.js';

export const capabilities = { interactiveTransactions: true, savepoints: true, batch: false, cursors: true } as const;

function dataDir(url: string): string | undefined {
  if (url === 'memory://' || url.startsWith('memory:')) return undefined;
  const path = url.replace(/^(file|pglite):(\/\/)?/, '');
  if (!path) throw new ImproperlyConfigured(`The pglite URL '${url}' names no folder (try file:./.djazzle/db or memory://).`);
  return path;
}

export async function open(options: DriverOpenOptions): Promise<DriverInstance> {
  const [{ PGlite }, { drizzle }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
  const dir = dataDir(options.url);
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  let client: InstanceType<typeof PGlite>;
  try {
    client = dir === undefined ? await PGlite.create() : await PGlite.create(dir);
  } catch (error) {
    throw new ImproperlyConfigured(`Could not open the embedded database at '${dir ?? 'memory://'}': ${(error as Error).message}`, { cause: error });
  }
  const db = drizzle(client, { logger: options.logger });
  return {
    name: 'pglite',
    capabilities,
    drizzle: db,
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

export default open;
