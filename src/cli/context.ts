/**
 * What every command gets: output streams, the settings (`djazzle.config.ts`, found upwards from
 * the working folder or given with `--config`), connections opened on demand, and the
 * migrations of every installed app, loaded from their folders.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ImproperlyConfigured } from '../core/errors.js';
import { closeAll, connect, hasConnection, getConnection } from '../db/connect.js';
import type { Connection } from '../db/connection.js';
import type { DriverName } from '../db/driver.js';
import { loadMigrations, type MigrationFolder } from '../migrations/files.js';
import type { Migration } from '../migrations/migration.js';
import type { AppConfig } from '../models/registry.js';
import { type DjazzleConfig, validateConfig } from './define-config.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Writes without a line break (progress). */
  write(text: string): void;
  readonly isTTY: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (text) => process.stdout.write(text),
  isTTY: Boolean(process.stdout.isTTY),
};

export const CONFIG_NAMES = ['djazzle.config.ts', 'djazzle.config.mts', 'djazzle.config.js', 'djazzle.config.mjs'];

export interface DatabaseTarget {
  readonly url: string;
  readonly driver: DriverName | undefined;
}

export interface LoadedConfig {
  readonly file: string;
  readonly dir: string;
  readonly config: DjazzleConfig;
  readonly apps: readonly AppConfig[];
  readonly labels: readonly string[];
  readonly folders: readonly MigrationFolder[];
  readonly databases: ReadonlyMap<string, DatabaseTarget>;
}

/** `djazzle.config.ts` in `cwd` or the nearest parent folder that has one. */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function absolutePath(path: string, dir: string): string {
  if (path.startsWith('file://')) return fileURLToPath(path);
  return isAbsolute(path) ? path : resolve(dir, path);
}

/** `file:` and `pglite:` URLs relative to the config folder; `DATABASE_URL` replaces the default alias' URL. */
function databaseTargets(config: DjazzleConfig, dir: string, env: NodeJS.ProcessEnv): Map<string, DatabaseTarget> {
  const out = new Map<string, DatabaseTarget>();
  const entries = Object.entries(config.databases ?? {});
  if (!entries.some(([alias]) => alias === 'default')) entries.unshift(['default', {}]);
  for (const [alias, setting] of entries) {
    const given = typeof setting === 'string' ? { url: setting } : setting;
    let url = given.url;
    let driver = given.driver;
    if (alias === 'default' && env['DATABASE_URL']) {
      url = env['DATABASE_URL'];
      if (!/^postgres(ql)?:\/\//.test(url) || driver === 'pglite') driver = undefined;
    } else if (url !== undefined) {
      const local = /^(file|pglite):(?!\/\/)(.+)$/.exec(url);
      if (local) url = `${local[1]}:${absolutePath(local[2]!, dir)}`;
    }
    out.set(alias, { url: url ?? `file:${join(dir, '.djazzle', 'db')}`, driver });
  }
  return out;
}

export class CommandContext {
  readonly io: Io;
  readonly cwd: string;
  readonly configPath: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  #config: Promise<LoadedConfig> | undefined;
  #migrations: Promise<Migration[]> | undefined;

  constructor(io: Io, options: { cwd?: string; configPath?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.io = io;
    this.cwd = options.cwd ?? process.cwd();
    this.configPath = options.configPath;
    this.env = options.env ?? process.env;
  }

  config(): Promise<LoadedConfig> {
    this.#config ??= this.#loadConfig();
    return this.#config;
  }

  async #loadConfig(): Promise<LoadedConfig> {
    const file = this.configPath ? resolve(this.cwd, this.configPath) : findConfig(this.cwd);
    if (!file) throw new ImproperlyConfigured(`No djazzle.config.ts in ${this.cwd} or its parent folders. Create one with defineConfig({ installedApps: [...] }), or pass --config <file>.`);
    if (!existsSync(file)) throw new ImproperlyConfigured(`The config file ${file} does not exist.`);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ImproperlyConfigured(`${file} could not be loaded: ${message}`, { cause: error });
    }
    const config = validateConfig(module['default'] ?? module['config'], file);
    const dir = dirname(file);
    const apps = config.installedApps;
    const folders = apps.map((app) => ({
      app: app.label,
      dir: absolutePath(config.migrationModules?.[app.label] ?? app.migrations ?? join('migrations', app.label), dir),
    }));
    await configureContentTypes(config);
    return { file, dir, config, apps, labels: apps.map((a) => a.label), folders, databases: databaseTargets(config, dir, this.env) };
  }

  /** The connection of `alias` (opened on first use). */
  async connection(alias = 'default'): Promise<Connection> {
    if (hasConnection(alias)) return getConnection(alias);
    const { databases, file } = await this.config();
    const target = databases.get(alias);
    if (!target) throw new ImproperlyConfigured(`The database '${alias}' is not in 'databases' of ${file} (known: ${[...databases.keys()].join(', ')}).`);
    return connect(target.url, { alias, ...(target.driver ? { driver: target.driver } : {}) });
  }

  /** Every migration of every installed app, from the app folders. */
  migrations(): Promise<Migration[]> {
    this.#migrations ??= this.config().then((c) => loadMigrations(c.folders));
    return this.#migrations;
  }

  async close(): Promise<void> {
    await closeAll();
  }
}

/** Passes `contentTypes.cache` to the content-types app, when it is installed. */
async function configureContentTypes(config: DjazzleConfig): Promise<void> {
  if (config.contentTypes?.cache === undefined) return;
  const { setContentTypeCache } = await import('./contenttypes-bridge.js');
  await setContentTypeCache(config.contentTypes);
}
