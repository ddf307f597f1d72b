/**
 * `makeMigrations()`: Django's `makemigrations`. Compares each app's models with the state its
 * migrations describe, splits the operations into migrations (an app's migration waits for the
 * migration of another app whose table its foreign key needs, so two apps pointing at each other
 * get `a.0001` → `b.0001` → `a.0002`, as Django does), and fills in each operation's SQL from
 * drizzle-kit, one operation at a time (never the kit's rename prompt). Nothing is written: the
 * result holds each migration and its TypeScript source (`writeMigrations` writes them).
 *
 * ```ts
 * const { migrations } = await makeMigrations({ migrations: existing, apps: ['news'] });
 * ```
 */
import { ImproperlyConfigured } from '../core/errors.js';
import { apps as registry } from '../models/registry.js';
import { detectChanges, parseRename } from './autodetector.js';
import { MigrationGraph } from './graph.js';
import { loadKit, sqlBetween, type Kit } from './kit.js';
import { normalizeMigrations, type Dependency, type Migration, type MigrationSource } from './migration.js';
import { projectModelState } from './model-state.js';
import { applyOperation, nameFragment, type Operation } from './operations.js';
import { appOwningTable, appStateOf, cloneAppState, cloneProjectState, qualifiedName, quote } from './state.js';
import type { AppState } from './types.js';
import { renderMigration } from './writer.js';

export interface MakeMigrationsOptions {
  /** The migrations that exist (loaded from the folders, or imported). */
  migrations: readonly MigrationSource[];
  /** Make migrations for these apps only (default: every installed app). */
  apps?: readonly string[];
  /** Every installed app label (default: the apps defined with `defineApp`). */
  installed?: readonly string[];
  /** `app.Model.old:new` or `app.Old:New`. */
  renames?: readonly string[];
  /** One empty migration per app, to fill by hand (Django's `--empty`). */
  empty?: boolean;
  /** The name after the number (Django's `--name`). */
  name?: string;
  /** The drizzle-kit API (default: `import('drizzle-kit/api')`). */
  kit?: Kit;
  /** The time written in the header and in `auto_…` names. */
  now?: Date;
}

export interface PlannedMigration {
  readonly migration: Migration;
  /** The module's TypeScript source. */
  readonly source: string;
}

export interface MakeMigrationsResult {
  readonly migrations: readonly PlannedMigration[];
  /** Renames taken without `--rename`, to show before writing. */
  readonly detectedRenames: readonly string[];
  readonly warnings: readonly string[];
}

/** Django's `Migration.suggest_name()`. */
export function suggestName(operations: readonly Operation[], initial: boolean, now: Date): string {
  if (initial) return 'initial';
  const fragments = operations.map(nameFragment);
  if (operations.length > 0 && fragments.every((f): f is string => f !== undefined)) {
    const joined = fragments.join('_');
    return joined.length > 52 ? `${fragments[0]}_and_more` : joined;
  }
  const iso = now.toISOString();
  return `auto_${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 16).replace(':', '')}`;
}

function numberOf(name: string): number {
  const match = /^(\d+)_/.exec(name);
  return match ? Number(match[1]) : 0;
}

/** Adds the SQL to one operation while applying it to `state`. */
async function withSql(kit: Kit, state: AppState, op: Operation, app: string): Promise<Operation> {
  const before = cloneAppState(state);
  applyOperation(state, op, app);
  switch (op.type) {
    case 'RenameModel':
      return { ...op, sql: [], reverseSql: [] };
    case 'AlterModelTable': {
      const old = before.models.get(op.name)!.table;
      const now = state.models.get(op.name)!.table;
      return { ...op, sql: [`ALTER TABLE ${qualifiedName(old)} RENAME TO ${quote(now.name)};`], reverseSql: [`ALTER TABLE ${qualifiedName(now)} RENAME TO ${quote(old.name)};`] };
    }
    case 'RenameField': {
      if (!op.column) return { ...op, sql: [], reverseSql: [] };
      const table = state.models.get(op.model)!.table;
      const oldColumn = before.models.get(op.model)!.fields[op.oldName]!;
      return {
        ...op,
        sql: [`ALTER TABLE ${qualifiedName(table)} RENAME COLUMN ${quote(oldColumn)} TO ${quote(op.column)};`],
        reverseSql: [`ALTER TABLE ${qualifiedName(table)} RENAME COLUMN ${quote(op.column)} TO ${quote(oldColumn)};`],
      };
    }
    case 'RunSQL':
    case 'RunCode':
      return op;
    default:
      return { ...op, sql: await sqlBetween(kit, before, state), reverseSql: await sqlBetween(kit, state, before) };
  }
}

/** Tables of other apps an operation needs (foreign key targets). */
function referencedTables(op: Operation): string[] {
  if (op.type === 'CreateModel') return Object.values(op.table.foreignKeys).map((fk) => fk.tableTo);
  if (op.type === 'AddConstraint' && op.kind === 'foreignKey') return [(op.constraint as { tableTo: string }).tableTo];
  return [];
}

export async function makeMigrations(options: MakeMigrationsOptions): Promise<MakeMigrationsResult> {
  const now = options.now ?? new Date();
  const existing = normalizeMigrations(options.migrations);
  const graph = new MigrationGraph(existing);
  graph.ensureNoConflicts();
  const installed = options.installed ?? registry.getAppConfigs().map((c) => c.label);
  const labels = options.apps && options.apps.length > 0 ? [...options.apps] : [...installed];
  for (const label of labels) {
    if (!installed.includes(label)) throw new ImproperlyConfigured(`App '${label}' could not be found. Is it in installedApps?`);
  }
  const leaves = new Map<string, Migration | undefined>(installed.map((app) => [app, graph.leafNodes(app)[0]]));
  const numbers = new Map(installed.map((app) => [app, Math.max(0, ...graph.appMigrations(app).map((m) => numberOf(m.name)))]));
  const hadMigrations = new Set(installed.filter((app) => graph.appMigrations(app).length > 0));
  const committed = cloneProjectState(graph.stateAfter(graph.leafNodes()));
  const planned: PlannedMigration[] = [];

  const emit = (app: string, operations: Operation[], dependencies: Dependency[]) => {
    const number = (numbers.get(app) ?? 0) + 1;
    numbers.set(app, number);
    const initial = !hadMigrations.has(app);
    const base = options.name ?? suggestName(operations, initial, now);
    const migration: Migration = {
      app,
      name: `${String(number).padStart(4, '0')}_${base.replace(/[^A-Za-z0-9_]/g, '_')}`,
      ...(initial ? { initial: true } : {}),
      dependencies,
      operations,
    };
    leaves.set(app, migration);
    planned.push({ migration, source: renderMigration(migration, { generatedAt: now, emptyTemplate: options.empty && operations.length === 0 }) });
  };
  const ownDependency = (app: string): Dependency[] => {
    const leaf = leaves.get(app);
    return leaf ? [[app, leaf.name]] : [];
  };

  if (options.empty) {
    for (const app of labels) emit(app, [], ownDependency(app));
    return { migrations: planned, detectedRenames: [], warnings: [] };
  }

  const kit = options.kit ?? (await loadKit());
  const target = projectModelState(installed, kit);
  const changes = detectChanges(committed, target, labels, (options.renames ?? []).map(parseRename));
  const pending = new Map([...changes.operations].filter(([, ops]) => ops.length > 0));
  const owner = (table: string) => appOwningTable(target, table) ?? appOwningTable(committed, table);

  while (pending.size > 0) {
    let progress = false;
    for (const app of labels) {
      const ops = pending.get(app);
      if (!ops) continue;
      const blocked = (op: Operation) =>
        referencedTables(op).some((table) => {
          const other = owner(table);
          return other !== undefined && other !== app && appOwningTable(committed, table) === undefined;
        });
      const ready = ops.filter((op) => !blocked(op));
      if (ready.length === 0) continue;
      const rest = ops.filter(blocked);
      const dependencies = ownDependency(app);
      for (const op of ready) {
        for (const table of referencedTables(op)) {
          const other = appOwningTable(committed, table);
          const leaf = other && other !== app ? leaves.get(other) : undefined;
          if (leaf && !dependencies.some(([a, n]) => a === leaf.app && n === leaf.name)) dependencies.push([leaf.app, leaf.name]);
        }
      }
      const state = appStateOf(committed, app);
      const withStatements: Operation[] = [];
      for (const op of ready) withStatements.push(await withSql(kit, state, op, app));
      emit(app, withStatements, dependencies);
      if (rest.length > 0) pending.set(app, rest);
      else pending.delete(app);
      progress = true;
    }
    if (!progress) {
      const stuck = [...pending].flatMap(([app, ops]) => ops.flatMap((op) => referencedTables(op).map((table) => `${app} needs table '${table}' of app '${owner(table)}'`)));
      throw new ImproperlyConfigured(
        `Cannot make migrations: ${[...new Set(stuck)].join('; ')}, which no migration creates. Run makemigrations for that app too.`,
      );
    }
  }
  return { migrations: planned, detectedRenames: changes.detectedRenames, warnings: changes.warnings };
}
