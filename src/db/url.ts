/**
 * Which driver serves a URL. Django reads `DATABASES`; djazzle reads one URL per alias:
 *
 * | URL | driver |
 * | --- | --- |
 * | none (and no `DATABASE_URL`) | `pglite`, stored in `./.djazzle/db` |
 * | `memory://` | `pglite`, in memory |
 * | `file:./path` or `pglite:./path` | `pglite`, stored in that folder |
 * | `postgres://…` / `postgresql://…` | `pg` (node-postgres), or `neon-ws` / `neon-http` when asked |
 */
import { ImproperlyConfigured } from '../core/errors.js';
import { DRIVER_NAMES, type DriverName } from './driver.js';

export const DEFAULT_PGLITE_DIR = './.djazzle/db';

export interface ResolvedTarget {
  readonly driver: DriverName;
  readonly url: string;
}

const SCHEMES = ['memory://', 'file:', 'pglite:', 'postgres://', 'postgresql://'];

export function resolveTarget(url: string | undefined, driver: string | undefined): ResolvedTarget {
  if (driver !== undefined && !(DRIVER_NAMES as readonly string[]).includes(driver)) {
    throw new ImproperlyConfigured(`Unknown driver '${driver}'. Choices are: ${DRIVER_NAMES.join(', ')}.`);
  }
  const target = url ?? `file:${DEFAULT_PGLITE_DIR}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new ImproperlyConfigured(`Malformed database URL '${redact(target)}': expected one of ${SCHEMES.join(', ')}.`);
  }
  if (scheme === 'memory' || scheme === 'file' || scheme === 'pglite') {
    if (driver !== undefined && driver !== 'pglite') {
      throw new ImproperlyConfigured(`The '${driver}' driver needs a postgres:// URL; '${target}' is served by the 'pglite' driver.`);
    }
    return { driver: 'pglite', url: target };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(target);
    } catch {
      throw new ImproperlyConfigured(`Malformed database URL '${redact(target)}'.`);
    }
    if (!parsed.hostname) throw new ImproperlyConfigured(`Malformed database URL '${redact(target)}': no host.`);
    if (driver === 'pglite') {
      throw new ImproperlyConfigured(`The 'pglite' driver takes memory://, file: or pglite: URLs, not '${redact(target)}'.`);
    }
    return { driver: (driver as DriverName | undefined) ?? 'pg', url: target };
  }
  throw new ImproperlyConfigured(`Unknown database URL scheme '${scheme}:' in '${redact(target)}'. Supported: ${SCHEMES.join(', ')}.`);
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** `host:port` of a postgres URL, for "could not connect" messages. */
export function hostAndPort(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return redact(url);
  }
}
