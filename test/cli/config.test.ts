/**
 * Settings (`djazzle.config.ts`): what a broken config says, database aliases and `--database`,
 * and `--help` of every command. In-process (`main()` with captured output): the subprocess runs
 * are in `cli.test.ts`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineApp, ImproperlyConfigured } from 'djazzle';
import { validateConfig } from '../../src/cli/define-config.js';
import { COMMANDS, main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';
import { repoRoot } from './project.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTTY: false,
    out: (line: string) => void (io.stdout += `${line}\n`),
    err: (line: string) => void (io.stderr += `${line}\n`),
    write: (text: string) => void (io.stdout += text),
  };
  return io;
}

const app = defineApp('cfgcheck', { models: [] });
const file = 'djazzle.config.ts';

describe('validateConfig', () => {
  const fails = (value: unknown, message: string) => expect(() => validateConfig(value, file)).toThrow(new ImproperlyConfigured(message));
  it('names the key that is wrong', () => {
    fails({ installedApps: [app], databse: {} }, "djazzle.config.ts: unknown key 'databse'. Did you mean 'databases'? Valid keys: databases, installedApps, migrationModules, contentTypes, server, fixtureDirs.");
    fails({}, "djazzle.config.ts: 'installedApps' is required (a list of defineApp(…) objects).");
    fails({ installedApps: [app, 'news'] }, "djazzle.config.ts: 'installedApps[1]' is not an app: use defineApp(label, { models }).");
    fails({ installedApps: [app], databases: { default: 5 } }, "djazzle.config.ts: 'databases.default' must be a URL string or { url, driver }, got number.");
    fails({ installedApps: [app], databases: { edge: { url: 'postgres://h/db', driver: 'neon' } } }, "djazzle.config.ts: 'databases.edge.driver' must be one of pglite, pg, neon-ws, neon-http, got 'neon'.");
    fails({ installedApps: [app], databases: { edge: { url: 'postgres://h/db', dirver: 'pg' } } }, "djazzle.config.ts: unknown key 'databases.edge.dirver'. Did you mean 'driver'? Valid keys: url, driver.");
    fails({ installedApps: [app], migrationModules: { news: './m' } }, "djazzle.config.ts: 'migrationModules.news' names no installed app (installed: cfgcheck).");
    fails({ installedApps: [app], contentTypes: { cache: 'kv' } }, "djazzle.config.ts: 'contentTypes.cache' must be a cache backend (memoryCacheBackend(), kvCacheBackend(env.KV), cacheApiBackend()) or null.");
    fails({ installedApps: [app], server: { app: './app.ts', port: 'x' } }, "djazzle.config.ts: 'server.port' must be a port number.");
    expect(validateConfig({ installedApps: [app], databases: { default: 'memory://' } }, file).installedApps).toEqual([app]);
  });
});

describe('main()', () => {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true }); // git-ignored: absent in a fresh clone
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has --help for every command', async () => {
    for (const command of COMMANDS) {
      const io = capture();
      expect(await main([command.name, '--help'], { io, cwd: dir })).toBe(0);
      expect(io.stdout).toMatch(new RegExp(`^usage: djazzle ${command.name}`));
      expect(io.stdout).toContain('--config <file>');
    }
    const io = capture();
    expect(await main(['nonsense'], { io, cwd: dir })).toBe(2);
    expect(io.stderr).toContain("Unknown command: 'nonsense'");
  });

  it('uses the database alias given with --database; a missing alias and a missing config are named', async () => {
    writeFileSync(join(dir, 'djazzle.config.ts'), `import { defineApp, defineConfig } from 'djazzle';
export default defineConfig({
  databases: { default: 'memory://', reports: { url: 'file:./reports-db', driver: 'pglite' } },
  installedApps: [defineApp('cfgrun', { models: [] })],
});
`);
    const folder = join(dir, 'migrations', 'cfgrun');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '0001_initial.ts'), `import { defineMigration, RunSQL } from 'djazzle/migrations';
export default defineMigration({ app: 'cfgrun', name: '0001_initial', dependencies: [], operations: [RunSQL({ sql: 'CREATE TABLE cfgrun_t (id int)', reverseSql: 'DROP TABLE cfgrun_t' })] });
`);
    // Run from a subfolder: the config is found upwards, and file: paths are relative to it.
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const migrated = capture();
    expect(await main(['migrate', '--database', 'reports'], { io: migrated, cwd: sub, env: {} })).toBe(0);
    expect(existsSync(join(dir, 'reports-db', 'PG_VERSION'))).toBe(true);
    expect(migrated.stdout).toContain('Applying cfgrun.0001_initial... OK');
    const plan = capture();
    expect(await main(['migrate', 'cfgrun', 'zero', '--plan', '--database', 'reports'], { io: plan, cwd: dir, env: {} })).toBe(0);
    expect(plan.stdout).toBe('Planned operations:\ncfgrun.0001_initial (backwards)\n    Raw SQL operation\n');
    const back = capture();
    expect(await main(['migrate', 'cfgrun', 'zero', '--database', 'reports'], { io: back, cwd: dir, env: {} })).toBe(0);
    expect(back.stdout).toContain('  Unapply all migrations: cfgrun\nRunning migrations:\n  Unapplying cfgrun.0001_initial... OK');
    const missing = capture();
    expect(await main(['showmigrations', '--database', 'nowhere'], { io: missing, cwd: dir, env: {} })).toBe(1);
    expect(missing.stderr).toContain("ImproperlyConfigured: The database 'nowhere' is not in 'databases' of");
    const none = capture();
    expect(await main(['migrate'], { io: none, cwd: join(repoRoot, '..'), env: {} })).toBe(1);
    expect(none.stderr).toContain('No djazzle.config.ts in');
  });
});
