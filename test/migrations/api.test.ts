/**
 * The programmatic API of `djazzle/migrations`: makeMigrations (dependencies between apps, renames
 * without prompts, files written and loaded back), sqlMigrate, the graph's errors, and the
 * signals `migrate()` sends. The behaviour on each driver is in `drivers.test.ts`.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from 'djazzle';
import { postMigrate, preMigrate } from 'djazzle/signals';
import {
  CircularDependencyError, ConflictingMigrationsError, InconsistentMigrationHistory, IrreversibleError, loadKit, loadMigrations, makeMigrations, migrate,
  MigrationRecorder, NodeNotFoundError, RunSQL, sqlMigrate, writeMigrations, defineMigration, type Migration, type CreateModelOperation, type AppState,
} from 'djazzle/migrations';
import { sqlBetween } from '../../src/migrations/kit.js';
import '../fixtures/migration-apps.js';

const INSTALLED = ['miga', 'migb'];
const root = fileURLToPath(new URL('../..', import.meta.url));

let initial: Migration[];
beforeAll(async () => {
  initial = (await makeMigrations({ migrations: [], installed: INSTALLED })).migrations.map((p) => p.migration);
});

/** `initial` with miga.Tag's history rewritten by `edit` (as if the model had been different). */
function withTagHistory(edit: (op: CreateModelOperation) => void): Migration[] {
  return initial.map((m) => {
    if (m.app !== 'miga' || m.name !== '0001_initial') return m;
    const operations = structuredClone(m.operations) as CreateModelOperation[];
    edit(operations.find((op) => op.name === 'Tag')!);
    return { ...m, operations };
  });
}

function renameColumn(op: CreateModelOperation, key: string, newKey: string, column: string, newColumn: string): void {
  op.fields = Object.fromEntries(Object.entries(op.fields).map(([k, c]) => (k === key ? [newKey, newColumn] : [k, c])));
  op.table.columns = Object.fromEntries(Object.entries(op.table.columns).map(([c, def]) => (c === column ? [newColumn, { ...def, name: newColumn }] : [c, def])));
}

describe('makeMigrations', () => {
  it("splits two apps that point at each other as Django does: miga.0001 → migb.0001 → miga.0002", () => {
    expect(initial.map((m) => [`${m.app}.${m.name}`, m.dependencies])).toEqual([
      ['miga.0001_initial', []],
      ['migb.0001_initial', [['miga', '0001_initial']]],
      ['miga.0002_initial', [['miga', '0001_initial'], ['migb', '0001_initial']]],
    ]);
    expect(initial.every((m) => m.initial)).toBe(true);
    expect(initial[0]!.operations.map((op) => op.type)).toEqual(['CreateModel', 'CreateModel', 'CreateModel', 'CreateModel']);
    const addFk = initial[2]!.operations[0]!;
    expect(addFk).toMatchObject({ type: 'AddConstraint', model: 'Book', kind: 'foreignKey' });
    expect((addFk as { sql: string[] }).sql[0]).toMatch(/^ALTER TABLE "miga_book" ADD CONSTRAINT "miga_book_editor_id_migb_editor_id_fk" FOREIGN KEY \("editor_id"\) REFERENCES "public"."migb_editor"\("id"\).* DEFERRABLE INITIALLY DEFERRED;$/);
  });

  it('writes TypeScript modules and a folder index that load back as the same migrations, in sync with the models', async () => {
    // inside the repository (so that `djazzle` resolves from the written modules); .tmp/ is git-ignored, so create it
    await mkdir(join(root, '.tmp'), { recursive: true });
    const dir = await mkdtemp(join(root, '.tmp', 'migrations-'));
    try {
      const { migrations: planned } = await makeMigrations({ migrations: [], installed: INSTALLED });
      const folders = INSTALLED.map((app) => ({ app, dir: join(dir, app) }));
      await writeMigrations(planned, folders);
      expect((await readdir(join(dir, 'miga'))).sort()).toEqual(['0001_initial.ts', '0002_initial.ts', 'index.ts']);
      const source = await readFile(join(dir, 'miga', '0001_initial.ts'), 'utf8');
      expect(source).toContain("import { defineMigration, CreateModel } from 'djazzle/migrations';");
      expect(source).toContain('CREATE TABLE "miga_author"');
      expect(await readFile(join(dir, 'migb', 'index.ts'), 'utf8')).toContain("import m0001_initial from './0001_initial.js';");
      const loaded = await loadMigrations(folders);
      expect(loaded.map((m) => `${m.app}.${m.name}`).sort()).toEqual(['miga.0001_initial', 'miga.0002_initial', 'migb.0001_initial']);
      expect(structuredClone(loaded.find((m) => m.name === '0002_initial'))).toEqual(structuredClone(initial[2]));
      const again = await makeMigrations({ migrations: loaded, installed: INSTALLED });
      expect(again.migrations).toEqual([]);
      await expect(writeMigrations(planned.slice(0, 1), folders)).rejects.toThrow('already exists; not overwriting it');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes a field whose column was renamed, with the same definition, as a rename (no prompt) and says so', async () => {
    const history = withTagHistory((op) => renameColumn(op, 'label', 'caption', 'label', 'caption'));
    const result = await makeMigrations({ migrations: history, installed: INSTALLED });
    expect(result.migrations).toHaveLength(1);
    const { migration } = result.migrations[0]!;
    expect(migration.name).toBe('0003_rename_caption_tag_label');
    expect(migration.dependencies).toEqual([['miga', '0002_initial']]);
    expect(migration.operations).toEqual([
      expect.objectContaining({ type: 'RenameField', model: 'Tag', oldName: 'caption', newName: 'label', column: 'label', sql: ['ALTER TABLE "miga_tag" RENAME COLUMN "caption" TO "label";'], reverseSql: ['ALTER TABLE "miga_tag" RENAME COLUMN "label" TO "caption";'] }),
    ]);
    expect(result.detectedRenames).toEqual([expect.stringContaining('field Tag.caption (column caption) renamed to label (column label)')]);
  });

  it('does not guess between two candidates: removal and addition, unless --rename says which (then the rule takes the other)', async () => {
    const history = withTagHistory((op) => {
      renameColumn(op, 'label', 'oldLabel', 'label', 'old_label');
      renameColumn(op, 'slug', 'oldSlug', 'slug', 'old_slug');
    });
    const guessed = await makeMigrations({ migrations: history, installed: INSTALLED });
    expect(guessed.migrations[0]!.migration.operations.map((op) => op.type)).toEqual(['RemoveField', 'RemoveField', 'AddField', 'AddField']);
    expect(guessed.warnings).toHaveLength(2); // NOT NULL columns without a default
    const told = await makeMigrations({ migrations: history, installed: INSTALLED, renames: ['miga.Tag.oldLabel:label'] });
    const ops = told.migrations[0]!.migration.operations;
    expect(ops.map((op) => [op.type, (op as { oldName?: string }).oldName, (op as { newName?: string }).newName])).toEqual([
      ['RenameField', 'oldLabel', 'label'],
      ['RenameField', 'oldSlug', 'slug'],
    ]);
    expect(told.detectedRenames).toEqual([expect.stringContaining('Tag.oldSlug')]);
    await expect(makeMigrations({ migrations: history, installed: INSTALLED, renames: ['miga.Tag.nope:label'] })).rejects.toThrow("--rename 'miga.Tag.nope:label': miga.Tag has no field 'nope' in its migrations.");
    await expect(makeMigrations({ migrations: history, installed: INSTALLED, renames: ['bad'] })).rejects.toThrow('expected app.Model:NewModel or app.Model.field:newField');
  });

  it('renames a model and its table (RenameModel, AlterModelTable with ALTER TABLE … RENAME TO)', async () => {
    const history = withTagHistory((op) => {
      op.name = 'Label';
      op.table.name = 'miga_label';
    });
    const { migration } = (await makeMigrations({ migrations: history, installed: INSTALLED })).migrations[0]!;
    expect(migration.operations.map((op) => op.type)).toEqual(['RenameModel', 'AlterModelTable']);
    expect(migration.operations[1]).toMatchObject({ sql: ['ALTER TABLE "miga_label" RENAME TO "miga_tag";'], reverseSql: ['ALTER TABLE "miga_tag" RENAME TO "miga_label";'] });
  });

  it('writes an empty migration to fill by hand (--empty, --name)', async () => {
    const { migrations } = await makeMigrations({ migrations: initial, installed: INSTALLED, apps: ['migb'], empty: true, name: 'fill_editors' });
    expect(migrations.map((p) => [p.migration.name, p.migration.dependencies, p.migration.operations])).toEqual([['0002_fill_editors', [['migb', '0001_initial']], []]]);
    expect(migrations[0]!.source).toContain('// RunCode(async (apps) =>');
  });

  it('never hands the kit a diff it would prompt about', async () => {
    const kit = await loadKit();
    const column = (name: string) => ({ name, type: 'integer', primaryKey: false, notNull: false });
    const state = (col: string): AppState => ({
      models: new Map([['T', { model: 'T', fields: { x: col }, table: { name: 't', schema: '', columns: { [col]: column(col) }, indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {}, checkConstraints: {} } }]]),
      enums: new Map(),
    });
    await expect(sqlBetween(kit, state('a'), state('b'))).rejects.toThrow('the kit would ask whether column of public.t a was renamed to b');
  });
});

describe('sqlMigrate', () => {
  it("prints a migration's SQL as Django's sqlmigrate does, forwards and backwards", () => {
    const lines = sqlMigrate({ migrations: initial, app: 'miga', name: '0002' });
    expect(lines[0]).toBe('BEGIN;');
    expect(lines.slice(1, 4)).toEqual(['--', '-- Create constraint miga_book_editor_id_migb_editor_id_fk on model book', '--']);
    expect(lines.at(-1)).toBe('COMMIT;');
    expect(sqlMigrate({ migrations: initial, app: 'miga', name: '0002_initial', backwards: true })).toContain('ALTER TABLE "miga_book" DROP CONSTRAINT "miga_book_editor_id_migb_editor_id_fk";');
    expect(() => sqlMigrate({ migrations: initial, app: 'miga', name: '0009' })).toThrow("Cannot find a migration matching '0009' from app 'miga'.");
    expect(() => sqlMigrate({ migrations: initial, app: 'miga', name: '000' })).toThrow("More than one migration matches '000' in app 'miga'");
  });
});

describe('migrate', () => {
  let db: Connection;
  beforeAll(async () => {
    db = await connect('memory://');
  });
  afterAll(() => db?.close());

  const m = (name: string, dependencies: Array<[string, string]>, sql = `SELECT 1`, reverseSql: string[] | null = []): Migration =>
    defineMigration({ app: 'graph', name, dependencies, operations: [RunSQL({ sql, reverseSql })] });

  it('refuses broken graphs: a missing dependency, a cycle, two leaves', async () => {
    await expect(migrate({ migrations: [m('0001_a', [['graph', '0000_gone']])] })).rejects.toThrow(NodeNotFoundError);
    await expect(migrate({ migrations: [m('0001_a', [['graph', '0002_b']]), m('0002_b', [['graph', '0001_a']])] })).rejects.toThrow(CircularDependencyError);
    const conflict = migrate({ migrations: [m('0001_a', []), m('0002_b', [['graph', '0001_a']]), m('0002_c', [['graph', '0001_a']])] });
    await expect(conflict).rejects.toThrow(ConflictingMigrationsError);
    await expect(conflict).rejects.toThrow('(0002_b, 0002_c in graph)');
  });

  it('refuses an applied migration whose dependency is not applied, and irreversible operations', async () => {
    const recorder = new MigrationRecorder(db);
    await recorder.recordApplied('graph', '0002_b');
    const history = [m('0001_a', []), m('0002_b', [['graph', '0001_a']])];
    await expect(migrate({ migrations: history })).rejects.toThrow(new InconsistentMigrationHistory("Migration graph.0002_b is applied before its dependency graph.0001_a on database 'default'."));
    await recorder.flush();
    const irreversible = [m('0001_a', [], 'SELECT 1', null)];
    await migrate({ migrations: irreversible, signals: false });
    await expect(migrate({ migrations: irreversible, app: 'graph', target: 'zero', signals: false })).rejects.toThrow(new IrreversibleError('Operation Raw SQL operation in graph.0001_a is not reversible.'));
    await recorder.flush();
  });

  it('sends preMigrate and postMigrate for every installed app, with the plan and the alias', async () => {
    const seen: string[] = [];
    const off = [
      preMigrate.connect(({ appConfig, using, plan }) => void seen.push(`pre ${(appConfig as { label: string }).label} ${using} ${(plan as unknown[]).length}`)),
      postMigrate.connect(({ appConfig, using }) => void seen.push(`post ${(appConfig as { label: string }).label} ${using}`)),
    ];
    try {
      await migrate({ migrations: [m('0001_a', [])] });
    } finally {
      off.forEach((disconnect) => disconnect());
    }
    expect(seen).toEqual(['pre miga default 1', 'pre migb default 1', 'post miga default', 'post migb default']);
  });
});
