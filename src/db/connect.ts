/**
 * `connect(url?, { alias, driver })` and the connection registry (Django's `connections`).
 * The first connection becomes `'default'`; a second one under a taken alias is an error.
 */
import { ImproperlyConfigured } from '../core/errors.js';
import { Connection } from './connection.js';
import type { DriverName } from './driver.js';
import { driverLoader } from './drivers.js';
import { queryLogger } from './query-log.js';
import { resolveTarget } from './url.js';

export interface ConnectOptions {
  /** The alias to register under. Default: `'default'`. */
  alias?: string;
  /** Force a driver for a `postgres://` URL: `'pg'` (default), `'neon-ws'` or `'neon-http'`. */
  driver?: DriverName;
  /** Milliseconds to wait for the server before failing. Default 5000. */
  connectTimeoutMs?: number;
  /** Replace a connection already registered under the alias (closing it). Used by `testDatabase()`. */
  replace?: boolean;
}

const connections = new Map<string, Connection>();
const pending = new Set<string>();

function envUrl(): string | undefined {
  const value = typeof process !== 'undefined' ? process.env?.['DATABASE_URL'] : undefined;
  return value === '' ? undefined : value;
}

export async function connect(url?: string, options: ConnectOptions = {}): Promise<Connection> {
  const alias = options.alias ?? 'default';
  if ((connections.has(alias) || pending.has(alias)) && !options.replace) {
    throw new ImproperlyConfigured(
      `A connection is already registered under the alias '${alias}'. Close it first or pass another alias: connect(url, { alias: 'other' }).`,
    );
  }
  const target = resolveTarget(url ?? envUrl(), options.driver);
  const loader = driverLoader(target.driver);
  pending.add(alias);
  try {
    const instance = await loader({ url: target.url, logger: queryLogger(alias), connectTimeoutMs: options.connectTimeoutMs ?? 5000 });
    const previous = connections.get(alias);
    const connection = new Connection(alias, instance, () => {
      if (connections.get(alias) === connection) connections.delete(alias);
    });
    connections.set(alias, connection);
    if (previous) await previous.close();
    return connection;
  } finally {
    pending.delete(alias);
  }
}

/** Django: `connections[alias]`. */
export function getConnection(alias = 'default'): Connection {
  const connection = connections.get(alias);
  if (!connection) {
    if (alias === 'default') {
      throw new ImproperlyConfigured("No database connection: call `await connect()` first (Django's DATABASES['default']).");
    }
    throw new ImproperlyConfigured(`The connection '${alias}' doesn't exist.`);
  }
  return connection;
}

export function hasConnection(alias = 'default'): boolean {
  return connections.has(alias);
}

/** Every open connection. */
export function allConnections(): Connection[] {
  return [...connections.values()];
}

/** Closes every connection (end of a script or test run). */
export async function closeAll(): Promise<void> {
  await Promise.all([...connections.values()].map((c) => c.close()));
}
