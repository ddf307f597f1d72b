/**
 * A throwaway djazzle project for the CLI tests: a folder in the system's temp dir with
 * `node_modules/djazzle` and `node_modules/drizzle-orm` linked to this checkout (as after
 * `npm i djazzle`), a `djazzle.config.ts`, models, and `runCli()` to run `bin/djazzle.mjs` in it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'bin', 'djazzle.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** Runs `djazzle …args` as a user would, in `cwd`. */
export function runCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    delete env['NODE_OPTIONS'];
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`djazzle ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A new project folder; `files` are written into it (paths relative to it). */
export function createProject(files: Record<string, string>): { dir: string; write(path: string, text: string): void; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'djazzle-cli-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'djazzle'), 'dir');
  symlinkSync(join(repoRoot, 'node_modules', 'drizzle-orm'), join(dir, 'node_modules', 'drizzle-orm'), 'dir');
  const write = (path: string, text: string) => {
    const file = join(dir, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  };
  write('package.json', JSON.stringify({ name: 'djazzle-cli-test', private: true, type: 'module' }));
  for (const [path, text] of Object.entries(files)) write(path, text);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Django's tutorial `news` app (tables as Django names them) and a `shop` app, pointing at each
 * other: `news.Article.sponsor` → `shop.Sponsor`, `shop.Sponsor.founder` → `news.Reporter`.
 * `v2` renames `Article.headline` to `title` (key and column) and adds `subtitle`.
 */
export function modelsSource(version: 1 | 2): string {
  const headline = version === 1
    ? "headline: varchar('headline', { length: 100 }).notNull(),"
    : "title: varchar('title', { length: 100 }).notNull(),\n  subtitle: varchar('subtitle', { length: 100 }),";
  return `import { integer, pgTable, serial, timestamp, varchar } from 'drizzle-orm/pg-core';
import { CASCADE, defineApp, ForeignKey, Manager, ManyToMany, Model, SET_NULL } from 'djazzle';
import { preSave } from 'djazzle/signals';

if (process.env['DJAZZLE_TEST_SIGNALS']) preSave.connect(({ sender, raw }) => void console.log(\`preSave \${sender._meta.label} raw=\${raw}\`));

export const reporters = pgTable('news_reporter', {
  id: serial('id').primaryKey(),
  firstName: varchar('first_name', { length: 30 }).notNull(),
  lastName: varchar('last_name', { length: 30 }).notNull(),
  email: varchar('email', { length: 254 }).notNull(),
});
export const publications = pgTable('news_publication', {
  id: serial('id').primaryKey(),
  title: varchar('title', { length: 30 }).notNull(),
});
export const articles = pgTable('news_article', {
  id: serial('id').primaryKey(),
  ${headline}
  pubDate: timestamp('pub_date', { withTimezone: true }).notNull(),
  reporterId: integer('reporter_id').notNull(),
  sponsorId: integer('sponsor_id'),
});
export const sponsors = pgTable('shop_sponsor', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 50 }).notNull(),
  founderId: integer('founder_id'),
});

export class Reporter extends Model(reporters, { app: 'news' }) {}
// Natural keys: Django's get_by_natural_key() / natural_key().
class PublicationManager extends Manager<Publication> {
  getByNaturalKey(title: string) {
    return this.get({ title });
  }
}
export class Publication extends Model(publications, { app: 'news', meta: { ordering: ['title'] }, manager: new PublicationManager() }) {
  naturalKey() {
    return [this.title];
  }
}
export class Sponsor extends Model(sponsors, { app: 'shop', fields: { founder: ForeignKey(() => Reporter, { onDelete: SET_NULL, relatedName: 'sponsors' }) } }) {}
export class Article extends Model(articles, {
  app: 'news',
  fields: {
    reporter: ForeignKey(() => Reporter, { onDelete: CASCADE }),
    sponsor: ForeignKey(() => Sponsor, { onDelete: SET_NULL }),
    publications: ManyToMany(() => Publication),
  },
}) {}

export const news = defineApp('news', { models: [Reporter, Publication, Article], migrations: './news/migrations' });
export const shop = defineApp('shop', { models: [Sponsor], migrations: './shop/migrations' });
`;
}

export const CONFIG = `import { defineConfig } from 'djazzle';
import { contenttypesApp, memoryCacheBackend } from 'djazzle/contenttypes';
import { news, shop } from './models.js';

export default defineConfig({
  databases: { default: 'file:./.djazzle/db' },
  installedApps: [news, shop, contenttypesApp],
  contentTypes: { cache: memoryCacheBackend(), ttl: 600 },
  fixtureDirs: ['./fixtures'],
});
`;

/** Starts a long-running `djazzle …args` (runserver); resolves once `ready` matches its output. */
export function startCli(args: readonly string[], options: RunOptions & { ready: RegExp }): Promise<{ match: RegExpMatchArray; stop(): Promise<CliResult> }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
    delete env['NODE_OPTIONS'];
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const closed = new Promise<CliResult>((done) => child.on('close', (code) => done({ code: code ?? -1, stdout, stderr })));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`djazzle ${args.join(' ')} did not start\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = options.ready.exec(stdout);
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        resolve({ match, stop: () => (child.kill('SIGINT'), closed) });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void closed.then((result) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`djazzle ${args.join(' ')} exited with ${result.code}\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}
