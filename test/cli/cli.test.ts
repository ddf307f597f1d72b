/**
 * The `djazzle` command, run as a user runs it: a subprocess in a project folder, against a
 * temporary database (PGlite served over TCP here, reached with `DATABASE_URL`, which replaces the
 * config's embedded database). The steps build on each other, in order: make and apply the
 * migrations of two apps that depend on each other, load Django's own fixture, rename a field,
 * fail half-way through a migration, and the other commands.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from 'djazzle';
import { startPgliteServer, type PgliteServer } from '../harness/index.js';
import { CONFIG, createProject, modelsSource, repoRoot, runCli, startCli } from './project.js';

let server: PgliteServer;
let project: ReturnType<typeof createProject>;
let db: Connection;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env });

beforeAll(async () => {
  server = await startPgliteServer();
  env = { DATABASE_URL: server.url };
  project = createProject({ 'djazzle.config.ts': CONFIG, 'models.ts': modelsSource(1) });
  copyFileSync(join(repoRoot, 'test/fixtures/django/news.json'), join(project.dir, 'django-news.json'));
  db = await connect(server.url, { alias: 'cli-check' });
});
afterAll(async () => {
  await db?.close();
  await server?.stop();
  project?.remove();
});

const count = async (table: string) => Number((await db.execute(`SELECT count(*)::int AS n FROM ${table}`))[0]!['n']);

describe('djazzle CLI', { timeout: 120_000 }, () => {
  it('has --help listing every command (each command\'s own --help: config.test.ts)', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const name of ['check', 'dumpdata', 'flush', 'inspectdb', 'loaddata', 'makemigrations', 'migrate', 'remove_stale_contenttypes', 'runserver', 'shell', 'showmigrations', 'sqlmigrate']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    const unknown = await cli('migrate', '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
  });

  it('names the wrong key of a broken config', async () => {
    project.write('broken.config.ts', "import { news } from './models.js';\nexport default { instaledApps: [news] };\n");
    const result = await runCli(['showmigrations', '--config', join(project.dir, 'broken.config.ts')], { cwd: repoRoot, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("broken.config.ts: unknown key 'instaledApps'. Did you mean 'installedApps'?");
  });

  it('makemigrations: two apps that point at each other get news.0001 → shop.0001 → news.0002', async () => {
    const result = await cli('makemigrations');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain("Migrations for 'news':\n  news/migrations/0001_initial.ts\n    + Create model Reporter");
    expect(result.stdout).toContain("Migrations for 'shop':\n  shop/migrations/0001_initial.ts\n    + Create model Sponsor");
    expect(result.stdout).toContain('  news/migrations/0002_initial.ts\n    + Create constraint news_article_sponsor_id_shop_sponsor_id_fk on model article');
    const second = readFileSync(join(project.dir, 'news/migrations/0002_initial.ts'), 'utf8');
    expect(second).toContain("dependencies: [['news', '0001_initial'], ['shop', '0001_initial']]");
    expect(readFileSync(join(project.dir, 'shop/migrations/0001_initial.ts'), 'utf8')).toContain("dependencies: [['news', '0001_initial']]");
    expect(existsSync(join(project.dir, 'news/migrations/index.ts'))).toBe(true);
    // An app without a folder of its own gets ./migrations/<label>.
    expect(result.stdout).toContain("Migrations for 'contenttypes':\n  migrations/contenttypes/0001_initial.ts\n    + Create model ContentType");
    const check = await cli('makemigrations', '--check');
    expect(check).toMatchObject({ code: 0, stdout: 'No changes detected\n' });
  });

  it('migrate applies them in dependency order with progress, then postMigrate creates the content types; showmigrations lists them', async () => {
    const result = await cli('migrate');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Operations to perform:\n  Apply all migrations: contenttypes, news, shop\nRunning migrations:\n  Applying news\.0001_initial\.\.\. OK \(\d+\.\d\ds\)\n  Applying shop\.0001_initial\.\.\. OK .*\n  Applying news\.0002_initial\.\.\. OK .*\n  Applying contenttypes\.0001_initial\.\.\. OK .*\n$/,
    );
    expect(existsSync(join(project.dir, '.djazzle'))).toBe(false); // DATABASE_URL replaced the configured database
    expect(await db.execute('SELECT app_label, model FROM django_content_type ORDER BY 1, 2')).toEqual([
      { app_label: 'contenttypes', model: 'contenttype' },
      { app_label: 'news', model: 'article' },
      { app_label: 'news', model: 'publication' },
      { app_label: 'news', model: 'reporter' },
      { app_label: 'shop', model: 'sponsor' },
    ]);
    const shown = await cli('showmigrations');
    expect(shown.stdout).toBe('news\n [X] 0001_initial\n [X] 0002_initial\nshop\n [X] 0001_initial\ncontenttypes\n [X] 0001_initial\n');
  });

  it("loaddata loads a fixture written by Django's dumpdata unchanged; dumpdata writes it back", async () => {
    const loaded = await runCli(['loaddata', 'django-news.json'], { cwd: project.dir, env: { ...env, DJAZZLE_TEST_SIGNALS: '1' } });
    expect(loaded).toMatchObject({ code: 0, stderr: '' });
    expect(loaded.stdout.split('\n').filter((line) => line.startsWith('preSave'))).toEqual([
      'preSave news.Reporter raw=true', 'preSave news.Publication raw=true', 'preSave news.Publication raw=true', 'preSave news.Article raw=true', 'preSave news.Article raw=true',
    ]);
    expect(loaded.stdout).toMatch(/Installed 5 object\(s\) from 1 fixture\(s\)\n$/);
    expect(await db.execute('SELECT article_id, publication_id FROM news_article_publications ORDER BY 1, 2')).toEqual([
      { article_id: 1, publication_id: 1 },
      { article_id: 1, publication_id: 2 },
      { article_id: 2, publication_id: 1 },
    ]);
    const natural = await cli('dumpdata', 'news.article', '--natural-foreign');
    expect(JSON.parse(natural.stdout)[0].fields.publications).toEqual([['Science News'], ['The Python Journal']]);
    const dumped = await cli('dumpdata', 'news.article', 'news.reporter', '--indent', '2');
    expect(dumped.code).toBe(0);
    expect(JSON.parse(dumped.stdout)).toEqual([
      { model: 'news.reporter', pk: 1, fields: { firstName: 'John', lastName: 'Smith', email: 'john@example.com' } },
      // Many-to-many values in the related model's ordering (Publication: by title), as Django writes them.
      { model: 'news.article', pk: 1, fields: { headline: 'This is a test', pubDate: '2005-07-27T00:00:00.000Z', reporter: 1, sponsor: null, publications: [2, 1] } },
      { model: 'news.article', pk: 2, fields: { headline: 'Django lets you build Web apps easily', pubDate: '2005-07-28T12:30:00.250Z', reporter: 1, sponsor: null, publications: [1] } },
    ]);
    // The sequences continue after the loaded keys.
    expect(await db.execute("INSERT INTO news_publication (title) VALUES ('Next') RETURNING id")).toEqual([{ id: 3 }]);
  });

  it('loaddata is all or nothing: a bad row fails the whole fixture, naming the object', async () => {
    project.write('fixtures/bad.json', JSON.stringify([
      { model: 'news.reporter', pk: 7, fields: { first_name: 'Ann', last_name: 'Lee', email: 'ann@example.com' } },
      { model: 'news.article', pk: 9, fields: { headline: 'Bad date', pub_date: 'yesterday', reporter: 7 } },
    ]));
    const result = await cli('loaddata', 'bad');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("CommandError: Problem installing fixture 'fixtures/bad.json': Could not load news.article(pk=9): Field 'pubDate' expected a date or datetime but got 'yesterday'.");
    expect(await count('news_reporter')).toBe(1);
    project.write('fixtures/dangling.json', JSON.stringify([{ model: 'news.article', pk: 9, fields: { headline: 'Nobody wrote it', pub_date: '2020-01-01T00:00:00Z', reporter: 99 } }]));
    const dangling = await cli('loaddata', 'dangling.json');
    expect(dangling.code).toBe(1);
    expect(dangling.stderr).toContain('a foreign key points at a row that does not exist');
    expect(await count('news_article')).toBe(2);
  });

  it('loaddata resolves natural keys: foreign keys given as lists, and objects without a pk found by their natural key', async () => {
    project.write('fixtures/natural.json', JSON.stringify([
      { model: 'news.publication', fields: { title: 'Nature' } },
      { model: 'news.article', pk: 3, fields: { headline: 'Natural', pub_date: '2021-05-01T10:00:00', reporter: 1, publications: [['Nature'], ['Science News']] } },
    ]));
    expect((await cli('loaddata', 'natural')).stdout).toBe('Installed 2 object(s) from 1 fixture(s)\n');
    expect((await cli('loaddata', 'natural')).code).toBe(0); // again: Nature is found by its natural key, not added twice
    expect(await db.execute("SELECT id FROM news_publication WHERE title = 'Nature'")).toEqual([{ id: 4 }]);
    expect(await db.execute('SELECT p.title, extract(epoch FROM a.pub_date)::int AS at FROM news_article_publications ap JOIN news_publication p ON p.id = ap.publication_id JOIN news_article a ON a.id = ap.article_id WHERE ap.article_id = 3 ORDER BY 1')).toEqual([
      { title: 'Nature', at: Date.parse('2021-05-01T10:00:00Z') / 1000 }, // a naive datetime is UTC
      { title: 'Science News', at: Date.parse('2021-05-01T10:00:00Z') / 1000 },
    ]);
  });

  it('makemigrations --check fails on changed models; a rename is taken without a prompt and shown; sqlmigrate shows ALTER … RENAME', async () => {
    project.write('models.ts', modelsSource(2));
    const check = await cli('makemigrations', '--check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('~ Rename field headline on article to title');
    expect(existsSync(join(project.dir, 'news/migrations/0003_rename_headline_article_title_article_subtitle.ts'))).toBe(false);
    const made = await cli('makemigrations', 'news');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('Renames (detected without prompting; use --rename to state others):\n  ~ news: field Article.headline (column headline) renamed to title (column title)');
    expect(made.stdout).toContain('  news/migrations/0003_rename_headline_article_title_article_subtitle.ts\n    ~ Rename field headline on article to title\n    + Add field subtitle to article\n');
    const sql = await cli('sqlmigrate', 'news', '0003');
    expect(sql.stdout).toBe([
      'BEGIN;', '--', '-- Rename field headline on article to title', '--', 'ALTER TABLE "news_article" RENAME COLUMN "headline" TO "title";',
      '--', '-- Add field subtitle to article', '--', 'ALTER TABLE "news_article" ADD COLUMN "subtitle" varchar(100);', 'COMMIT;', '',
    ].join('\n'));
    const applied = await cli('migrate', 'news');
    expect(applied.stdout).toContain('Applying news.0003_rename_headline_article_title_article_subtitle... OK');
    expect(await db.execute('SELECT title FROM news_article ORDER BY id')).toEqual([{ title: 'This is a test' }, { title: 'Django lets you build Web apps easily' }, { title: 'Natural' }]);
  });

  it('migrate stops at a migration that fails half-way, naming it, the statement and the error; the database stays at the last applied one', async () => {
    project.write('news/migrations/0004_bad.ts', `import { defineMigration, RunSQL } from 'djazzle/migrations';
export default defineMigration({
  app: 'news',
  name: '0004_bad',
  dependencies: [['news', '0003_rename_headline_article_title_article_subtitle']],
  operations: [RunSQL({ sql: ["UPDATE news_article SET subtitle = 'changed'", 'INSERT INTO news_nowhere VALUES (1)'], reverseSql: [] })],
});
`);
    const result = await cli('migrate');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  Applying news.0004_bad... FAILED');
    expect(result.stderr).toContain('CommandError: Applying news.0004_bad failed at statement 2 of 2:\n  INSERT INTO news_nowhere VALUES (1)');
    expect(result.stderr).toContain('Database error: relation "news_nowhere" does not exist');
    expect(await db.execute('SELECT DISTINCT subtitle FROM news_article')).toEqual([{ subtitle: null }]);
    const shown = await cli('showmigrations', 'news');
    expect(shown.stdout).toBe('news\n [X] 0001_initial\n [X] 0002_initial\n [X] 0003_rename_headline_article_title_article_subtitle\n [ ] 0004_bad\n');
    rmSync(join(project.dir, 'news/migrations/0004_bad.ts'));
  });

  it('check reports no issues when models and migrations agree, and names relation clashes', async () => {
    const result = await cli('check');
    expect(result).toMatchObject({ code: 0, stdout: 'System check identified no issues (0 silenced).\n' });
    project.write('clash.ts', `import { integer, pgTable, serial } from 'drizzle-orm/pg-core';
import { CASCADE, defineApp, ForeignKey, Model } from 'djazzle';
import { Reporter } from './models.js';
const t = pgTable('clash_note', { id: serial('id').primaryKey(), aId: integer('a_id').notNull(), bId: integer('b_id').notNull() });
class Note extends Model(t, { app: 'clash', fields: { a: ForeignKey(() => Reporter, { onDelete: CASCADE }), b: ForeignKey(() => Reporter, { onDelete: CASCADE }) } }) {}
export const clash = defineApp('clash', { models: [Note] });
`);
    project.write('clash.config.ts', "import { defineConfig } from 'djazzle';\nimport { news, shop } from './models.js';\nimport { clash } from './clash.js';\nexport default defineConfig({ installedApps: [news, shop, clash] });\n");
    const clashing = await cli('check', '--config', 'clash.config.ts');
    expect(clashing.code).toBe(1);
    expect(clashing.stderr).toContain("Reverse accessor 'Reporter.noteSet' for 'clash.Note.b' clashes with reverse accessor for 'clash.Note.a'.");
    expect(clashing.stderr).toContain('System check identified 1 issue (0 silenced).');
  });

  it('shell runs code with the models and the open connection (top-level await), from -c and from piped input', async () => {
    const once = await cli('shell', '-c', "const a = await Article.objects.get({ pk: 1 }); console.log(a.title, await a.publications.count(), db.driver)");
    expect(once).toMatchObject({ code: 0, stdout: 'This is a test 2 pg\n' });
    const piped = await runCli(['shell'], {
      cwd: project.dir,
      env,
      input: "const n = await Reporter.objects.count()\nn + 40\n(await Publication.objects.first()).title\n(await import('djazzle/contenttypes')).contentTypeCacheConfig().backend.name\n",
    });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('41');
    expect(piped.stdout).toContain("'Nature'");
    expect(piped.stdout).toContain("'memory'"); // contentTypes.cache of the config, passed to the content types
  });

  it('inspectdb writes models for existing tables through drizzle-kit', async () => {
    const result = await cli('inspectdb', 'news_reporter', 'shop_sponsor', '--app', 'legacy');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('export const newsReporter = pgTable("news_reporter", {');
    expect(result.stdout).toContain("export class NewsReporter extends Model(newsReporter, { app: 'legacy', meta: { managed: false } }) {}");
    expect(result.stdout).toContain("export const legacyApp = defineApp('legacy', { models: [NewsReporter, ShopSponsor] });");
    expect(result.stdout).not.toContain('django_migrations');
  });

  it('remove_stale_contenttypes deletes the content types of models that are gone', async () => {
    await db.execute("INSERT INTO django_content_type (app_label, model) VALUES ('news', 'gone'), ('elsewhere', 'thing')");
    const result = await cli('remove_stale_contenttypes');
    expect(result).toMatchObject({ code: 0, stdout: 'Deleted content type news.gone\n' });
    expect(await count('django_content_type')).toBe(6);
  });

  it('migrates backwards to a named migration, and flush empties the tables (content types come back, as after migrate)', async () => {
    const back = await cli('migrate', 'news', '0002');
    expect(back.stdout).toContain('  Target specific migration: 0002, from news\nRunning migrations:\n  Unapplying news.0003_rename_headline_article_title_article_subtitle... OK');
    expect(await db.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'news_article' AND column_name IN ('headline', 'title', 'subtitle')")).toEqual([{ column_name: 'headline' }]);
    const flushed = await cli('flush');
    expect(flushed.code).toBe(0);
    expect(flushed.stdout).toMatch(/^Flushed 6 table\(s\): /);
    expect(await count('news_article')).toBe(0);
    expect(await count('django_migrations')).toBe(4);
    expect(await count('django_content_type')).toBe(5);
  });
});

describe('djazzle runserver', { timeout: 120_000 }, () => {
  it("serves the example app named by this repository's djazzle.config.ts, on the embedded database (file:)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'djazzle-runserver-'));
    const fileEnv = { DATABASE_URL: `file:${join(dir, 'db')}` };
    try {
      const migrated = await runCli(['migrate'], { cwd: repoRoot, env: fileEnv });
      expect(migrated.stdout).toContain('Applying library.0001_initial... OK');
      const server = await startCli(['runserver', '127.0.0.1:0'], { cwd: repoRoot, env: fileEnv, ready: /Starting development server at (http:\/\/127\.0\.0\.1:\d+)\// });
      let stopped;
      try {
        const response = await fetch(`${server.match[1]}/authors`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ count: 0 });
      } finally {
        stopped = await server.stop();
      }
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toContain('Quit the server with CONTROL-C.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
