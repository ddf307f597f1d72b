/**
 * `defineConfig()`: djazzle's settings module (Django's `settings.py`), read by every management
 * command from `djazzle.config.ts`. Pure (no Node imports), so it can be imported anywhere.
 *
 * ```ts
 * // djazzle.config.ts
 * import { defineConfig } from 'djazzle';
 * import { news } from './src/news/models.js';
 * export default defineConfig({
 *   databases: { default: process.env.DATABASE_URL ?? 'file:./.djazzle/db' },   // DATABASES
 *   installedApps: [news],                                                     // INSTALLED_APPS
 *   migrationModules: { news: './src/news/migrations' },                       // MIGRATION_MODULES
 *   server: { app: './src/app.ts' },                                           // runserver
 * });
 * ```
 */
import { ImproperlyConfigured } from '../core/errors.js';
import { DRIVER_NAMES, type DriverName } from '../db/driver.js';
import type { AppConfig } from '../models/registry.js';

export interface DatabaseSetting {
  /** `memory://`, `file:./path`, `postgres://…`. Default: the embedded database in `./.djazzle/db`. */
  url?: string;
  /** For `postgres://` URLs: `'pg'` (default), `'neon-ws'` or `'neon-http'`. */
  driver?: DriverName;
}

export interface ServerSetting {
  /** The module that exports the Hono app, relative to the config file (`'./examples/library/app.ts'`). */
  app: string;
  /** Its export (default: `app`, else the default export). */
  export?: string;
  host?: string;
  port?: number;
}

export interface DjazzleConfig {
  /** Django's `DATABASES`: a URL (or `{ url, driver }`) per alias. `default` is the embedded database when absent. */
  databases?: Record<string, string | DatabaseSetting>;
  /** Django's `INSTALLED_APPS`: `defineApp(…)` objects, content types included when used. */
  installedApps: readonly AppConfig[];
  /**
   * Django's `MIGRATION_MODULES`: app label → migrations folder (relative to the config file). An app
   * without one uses its `defineApp(label, { migrations })` folder, else `./migrations/<label>`.
   */
  migrationModules?: Record<string, string>;
  /**
   * Content types (`djazzle/contenttypes`): the tier-2 cache backend of lookups (`memoryCacheBackend()`,
   * `kvCacheBackend(…)`, `cacheApiBackend()`), its `ttl` in seconds and key `prefix`.
   */
  contentTypes?: { cache?: unknown; ttl?: number; prefix?: string };
  /** `runserver`: the Hono app to serve. */
  server?: ServerSetting;
  /** Django's `FIXTURE_DIRS`: where `loaddata` looks for fixtures by name (relative to the config file). */
  fixtureDirs?: readonly string[];
}

export const CONFIG_KEYS = ['databases', 'installedApps', 'migrationModules', 'contentTypes', 'server', 'fixtureDirs'] as const;

/** Returns the settings, typed. Checked when a command loads them (`validateConfig`). */
export function defineConfig(config: DjazzleConfig): DjazzleConfig {
  return config;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, valid: readonly string[]): string {
  const best = [...valid].sort((x, y) => distance(key, x) - distance(key, y))[0];
  return best && distance(key, best) <= Math.max(2, Math.floor(best.length / 3)) ? ` Did you mean '${best}'?` : '';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function isAppConfig(value: unknown): value is AppConfig {
  return isObject(value) && typeof value['label'] === 'string' && typeof value['getModels'] === 'function';
}

function unknownKeys(where: string, value: Record<string, unknown>, valid: readonly string[], file: string): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) throw new ImproperlyConfigured(`${file}: unknown key '${where}${key}'.${suggestion(key, valid)} Valid keys: ${valid.join(', ')}.`);
  }
}

/** Checks settings read from `file`; an error names the key that is wrong. */
export function validateConfig(value: unknown, file: string): DjazzleConfig {
  if (!isObject(value)) throw new ImproperlyConfigured(`${file}: the default export must be defineConfig({ … }), got ${value === null ? 'null' : typeof value}.`);
  unknownKeys('', value, CONFIG_KEYS, file);
  const apps = value['installedApps'];
  if (apps === undefined) throw new ImproperlyConfigured(`${file}: 'installedApps' is required (a list of defineApp(…) objects).`);
  if (!Array.isArray(apps)) throw new ImproperlyConfigured(`${file}: 'installedApps' must be a list of defineApp(…) objects.`);
  apps.forEach((app, i) => {
    if (!isAppConfig(app)) throw new ImproperlyConfigured(`${file}: 'installedApps[${i}]' is not an app: use defineApp(label, { models }).`);
  });
  const labels = (apps as AppConfig[]).map((a) => a.label);
  const duplicate = labels.find((l, i) => labels.indexOf(l) !== i);
  if (duplicate) throw new ImproperlyConfigured(`${file}: 'installedApps' lists '${duplicate}' twice (Application labels aren't unique).`);
  const databases = value['databases'];
  if (databases !== undefined) {
    if (!isObject(databases)) throw new ImproperlyConfigured(`${file}: 'databases' must map aliases to URLs ({ default: 'postgres://…' }).`);
    for (const [alias, setting] of Object.entries(databases)) {
      if (typeof setting === 'string') continue;
      if (!isObject(setting)) throw new ImproperlyConfigured(`${file}: 'databases.${alias}' must be a URL string or { url, driver }, got ${setting === null ? 'null' : typeof setting}.`);
      unknownKeys(`databases.${alias}.`, setting, ['url', 'driver'], file);
      if (setting['url'] !== undefined && typeof setting['url'] !== 'string') throw new ImproperlyConfigured(`${file}: 'databases.${alias}.url' must be a string.`);
      if (setting['driver'] !== undefined && !(DRIVER_NAMES as readonly unknown[]).includes(setting['driver'])) {
        throw new ImproperlyConfigured(`${file}: 'databases.${alias}.driver' must be one of ${DRIVER_NAMES.join(', ')}, got '${String(setting['driver'])}'.`);
      }
    }
  }
  const modules = value['migrationModules'];
  if (modules !== undefined) {
    if (!isObject(modules)) throw new ImproperlyConfigured(`${file}: 'migrationModules' must map app labels to folders.`);
    for (const [label, folder] of Object.entries(modules)) {
      if (!labels.includes(label)) throw new ImproperlyConfigured(`${file}: 'migrationModules.${label}' names no installed app (installed: ${labels.join(', ') || 'none'}).`);
      if (typeof folder !== 'string') throw new ImproperlyConfigured(`${file}: 'migrationModules.${label}' must be a folder path.`);
    }
  }
  const contentTypes = value['contentTypes'];
  if (contentTypes !== undefined) {
    if (!isObject(contentTypes)) throw new ImproperlyConfigured(`${file}: 'contentTypes' must be an object ({ cache }).`);
    unknownKeys('contentTypes.', contentTypes, ['cache', 'ttl', 'prefix'], file);
    const cache = contentTypes['cache'] as { name?: unknown; get?: unknown } | null | undefined;
    if (cache !== undefined && cache !== null && (typeof cache !== 'object' || typeof cache.get !== 'function')) {
      throw new ImproperlyConfigured(`${file}: 'contentTypes.cache' must be a cache backend (memoryCacheBackend(), kvCacheBackend(env.KV), cacheApiBackend()) or null.`);
    }
    if (contentTypes['ttl'] !== undefined && (typeof contentTypes['ttl'] !== 'number' || contentTypes['ttl'] <= 0)) throw new ImproperlyConfigured(`${file}: 'contentTypes.ttl' must be a positive number of seconds.`);
  }
  const server = value['server'];
  if (server !== undefined) {
    if (!isObject(server)) throw new ImproperlyConfigured(`${file}: 'server' must be { app: './path/to/app.ts' }.`);
    unknownKeys('server.', server, ['app', 'export', 'host', 'port'], file);
    if (typeof server['app'] !== 'string') throw new ImproperlyConfigured(`${file}: 'server.app' must be the path of the module exporting the Hono app.`);
    if (server['port'] !== undefined && (!Number.isInteger(server['port']) || (server['port'] as number) < 0)) throw new ImproperlyConfigured(`${file}: 'server.port' must be a port number.`);
  }
  const fixtureDirs = value['fixtureDirs'];
  if (fixtureDirs !== undefined && (!Array.isArray(fixtureDirs) || fixtureDirs.some((d) => typeof d !== 'string'))) {
    throw new ImproperlyConfigured(`${file}: 'fixtureDirs' must be a list of folders.`);
  }
  return value as unknown as DjazzleConfig;
}
