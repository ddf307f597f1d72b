/**
 * `showMigrations()` and `sqlMigrate()`: Django's `showmigrations` and `sqlmigrate`, as data.
 *
 * ```ts
 * await showMigrations({ migrations, connection: db })
 * // [{ app: 'news', name: '0001_initial', applied: Date }, { app: 'news', name: '0002_…', applied: null }]
 * sqlMigrate({ migrations, app: 'news', name: '0002' })   // ['BEGIN;', '--', '-- Add field …', …, 'COMMIT;']
 * ```
 */
import { getConnection } from '../db/connect.js';
import type { Connection } from '../db/connection.js';
import { apps as registry } from '../models/registry.js';
import { MigrationGraph } from './graph.js';
import { normalizeMigrations, type MigrationSource } from './migration.js';
import { describeOperation } from './operations.js';
import { MigrationRecorder } from './recorder.js';

export interface MigrationStatus {
  readonly app: string;
  readonly name: string;
  /** When it was applied, or `null`. */
  readonly applied: Date | null;
}

export interface ShowMigrationsOptions {
  migrations: readonly MigrationSource[];
  connection?: Connection | string;
  /** Only these apps. */
  apps?: readonly string[];
  /** Django's `--plan`: every migration in the order `migrate` applies them, instead of grouped by app. */
  plan?: boolean;
  appOrder?: readonly string[];
}

export async function showMigrations(options: ShowMigrationsOptions): Promise<MigrationStatus[]> {
  const connection = typeof options.connection === 'object' ? options.connection : getConnection(options.connection ?? 'default');
  const graph = new MigrationGraph(normalizeMigrations(options.migrations));
  const applied = await new MigrationRecorder(connection).appliedMigrations();
  const appOrder = options.appOrder ?? registry.getAppConfigs().map((c) => c.label);
  const wanted = (app: string) => !options.apps || options.apps.length === 0 || options.apps.includes(app);
  const list = options.plan
    ? graph.fullOrder(appOrder)
    : graph.apps().sort((a, b) => rank(appOrder, a) - rank(appOrder, b) || (a < b ? -1 : 1)).flatMap((app) => graph.appMigrations(app));
  return list.filter((m) => wanted(m.app)).map((m) => ({ app: m.app, name: m.name, applied: applied.get(`${m.app}.${m.name}`)?.applied ?? null }));
}

function rank(order: readonly string[], app: string): number {
  const index = order.indexOf(app);
  return index === -1 ? order.length : index;
}

export interface SqlMigrateOptions {
  migrations: readonly MigrationSource[];
  app: string;
  /** Migration name or unique prefix. */
  name: string;
  backwards?: boolean;
}

/** The SQL a migration runs, as Django's `sqlmigrate` prints it (`BEGIN;` … `COMMIT;`, a comment per operation). */
export function sqlMigrate(options: SqlMigrateOptions): string[] {
  const graph = new MigrationGraph(normalizeMigrations(options.migrations));
  const migration = graph.byPrefix(options.app, options.name);
  const atomic = migration.atomic !== false;
  const out: string[] = atomic ? ['BEGIN;'] : [];
  const ops = options.backwards ? [...migration.operations].reverse() : migration.operations;
  for (const op of ops) {
    out.push('--', `-- ${describeOperation(op)}`, '--');
    if (op.type === 'RunCode') {
      out.push('-- THIS OPERATION CANNOT BE WRITTEN AS SQL');
      continue;
    }
    const statements = options.backwards ? op.reverseSql : op.sql;
    if (statements === null) {
      out.push('-- THIS OPERATION IS NOT REVERSIBLE');
      continue;
    }
    for (const statement of statements) out.push(/;\s*$/.test(statement) ? statement.trim() : `${statement.trim()};`);
  }
  if (atomic) out.push('COMMIT;');
  return out;
}
