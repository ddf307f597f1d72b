/**
 * `migrate()`: Django's `MigrationExecutor`. Applies (or unapplies) the planned migrations one at
 * a time, each in a transaction where the driver has them (`pglite`, `pg`, `neon-ws`) and as one
 * batch on `neon-http`, recording it in `django_migrations` in the same transaction. The first
 * failure stops the run with a `MigrationError` naming the migration, the statement and the
 * database error; the database stays at the last migration that completed.
 *
 * Nothing here reads files: the migrations are given (imported modules, bundled into a Worker or
 * loaded by the CLI), so the same function runs in Node and in workerd.
 *
 * ```ts
 * import news from './news/migrations/index.js';
 * await migrate({ connection: db, migrations: [news] });        // manage.py migrate
 * await migrate({ migrations, app: 'news', target: '0001' });   // manage.py migrate news 0001
 * ```
 */
import { sql } from 'drizzle-orm';
import { ImproperlyConfigured } from '../core/errors.js';
import { getSessionOpener } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import type { Connection } from '../db/connection.js';
import { atomic } from '../db/transaction.js';
import { apps as registry } from '../models/registry.js';
import { postMigrate, preMigrate } from '../signals/builtins.js';
import { IrreversibleError, MigrationError } from './errors.js';
import { MigrationGraph, keyOf } from './graph.js';
import { withHistoricalModels } from './historical.js';
import { migratedApps, type MigratedApps } from './migrated-apps.js';
import { normalizeMigrations, type Migration, type MigrationSource } from './migration.js';
import { describeOperation, type Operation } from './operations.js';
import { checkConsistentHistory, migrationPlan, resolveTargets, type PlanStep } from './plan.js';
import { MigrationRecorder } from './recorder.js';

export type MigrateEvent =
  | { type: 'plan'; plan: readonly PlanStep[] }
  | { type: 'start'; migration: Migration; backwards: boolean; fake: boolean; index: number; total: number }
  | { type: 'success'; migration: Migration; backwards: boolean; fake: boolean; ms: number }
  | { type: 'failure'; migration: Migration; backwards: boolean; error: MigrationError };

export interface MigrateOptions {
  /** The migrations: objects, imported modules, or folder indexes (`import news from './news/migrations/index.js'`). */
  migrations: readonly MigrationSource[];
  /** The connection or its alias. Default `'default'`. */
  connection?: Connection | string;
  /** Only this app (Django's `migrate app`). */
  app?: string;
  /** Migrate `app` to this migration (name or unique prefix), backwards if needed; `'zero'` unapplies them all. */
  target?: string;
  /** Record (or forget) the migrations without running them (Django's `--fake`). */
  fake?: boolean;
  /** Only compute the plan (Django's `--plan`). */
  planOnly?: boolean;
  /** Send `preMigrate`/`postMigrate` (default `true`). */
  signals?: boolean;
  /** Installed app labels, in order (default: the apps defined with `defineApp`). */
  appOrder?: readonly string[];
  /** Progress: called before and after each migration. */
  onProgress?: (event: MigrateEvent) => void;
  verbosity?: number;
}

export interface MigrateResult {
  readonly plan: readonly PlanStep[];
  /** `app.name` of each migration applied (or unapplied, when going backwards), in order. */
  readonly done: readonly string[];
}

const PROBE = "DO $$ BEGIN RAISE EXCEPTION 'djazzle-migration-probe'; END $$";

function connectionOf(given: Connection | string | undefined): Connection {
  return typeof given === 'object' ? given : getConnection(given ?? 'default');
}

function stepLabel(step: PlanStep): string {
  return keyOf(step.migration.app, step.migration.name);
}

function dbMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const connection = connectionOf(options.connection);
  const migrations = normalizeMigrations(options.migrations);
  const graph = new MigrationGraph(migrations);
  graph.ensureNoConflicts();
  const appOrder = options.appOrder ?? registry.getAppConfigs().map((c) => c.label);
  const recorder = new MigrationRecorder(connection);
  const applied = await recorder.appliedMigrations();
  const appliedKeys = new Set(applied.keys());
  checkConsistentHistory(graph, appliedKeys, connection.alias);
  const targets = resolveTargets(graph, options.app, options.target, appOrder);
  const plan = migrationPlan(graph, targets, appliedKeys);
  options.onProgress?.({ type: 'plan', plan });
  if (plan.some((s) => s.backwards) && plan.some((s) => !s.backwards)) {
    throw new ImproperlyConfigured('Migration plans with both forwards and backwards migrations are not supported. Please split your command into multiple commands.');
  }
  if (options.planOnly) return { plan, done: [] };
  if (!options.fake) for (const step of plan) if (step.backwards) ensureReversible(step.migration);
  const sendSignals = options.signals ?? true;
  const payload = (appConfig: unknown, state: MigratedApps) => ({ appConfig, verbosity: options.verbosity ?? 1, interactive: false, using: connection.alias, plan, apps: state });
  if (sendSignals) {
    const before = migratedApps(graph, appliedKeys);
    for (const config of registry.getAppConfigs()) await preMigrate.send(config, payload(config, before));
  }
  if (plan.length > 0) await recorder.ensureSchema();
  const done: string[] = [];
  for (const [index, step] of plan.entries()) {
    const fake = options.fake ?? false;
    options.onProgress?.({ type: 'start', migration: step.migration, backwards: step.backwards, fake, index, total: plan.length });
    const started = Date.now();
    try {
      await runStep(connection, graph, recorder, step, fake);
    } catch (error) {
      const failure = error instanceof MigrationError ? error : new MigrationError(`${step.backwards ? 'Unapplying' : 'Applying'} ${stepLabel(step)} failed: ${dbMessage(error)}`, {
        app: step.migration.app, migration: step.migration.name, backwards: step.backwards, cause: error,
      });
      options.onProgress?.({ type: 'failure', migration: step.migration, backwards: step.backwards, error: failure });
      throw failure;
    }
    done.push(stepLabel(step));
    if (step.backwards) appliedKeys.delete(stepLabel(step));
    else appliedKeys.add(stepLabel(step));
    options.onProgress?.({ type: 'success', migration: step.migration, backwards: step.backwards, fake, ms: Date.now() - started });
  }
  if (sendSignals) {
    const after = migratedApps(graph, appliedKeys);
    for (const config of registry.getAppConfigs()) await postMigrate.send(config, payload(config, after));
  }
  return { plan, done };
}

function ensureReversible(migration: Migration): void {
  for (const op of migration.operations) {
    const irreversible = op.type === 'RunCode' ? op.reverseCode === null : op.reverseSql === null;
    if (irreversible) {
      throw new IrreversibleError(`Operation ${describeOperation(op)} in ${keyOf(migration.app, migration.name)} is not reversible.`);
    }
  }
}

/** One unit of work of a migration: SQL statements (with the operation they belong to) or code. */
type Unit = { kind: 'sql'; statement: string; op: Operation } | { kind: 'code'; op: Extract<Operation, { type: 'RunCode' }>; index: number };

function unitsOf(migration: Migration, backwards: boolean): Unit[] {
  const units: Unit[] = [];
  const ops = migration.operations.map((op, index) => ({ op, index }));
  for (const { op, index } of backwards ? [...ops].reverse() : ops) {
    if (op.type === 'RunCode') units.push({ kind: 'code', op, index });
    else for (const statement of (backwards ? op.reverseSql : op.sql) ?? []) if (statement.trim()) units.push({ kind: 'sql', statement, op });
  }
  return units;
}

function failure(step: PlanStep, unit: Unit, error: unknown, position: string): MigrationError {
  const label = stepLabel(step);
  const verb = step.backwards ? 'Unapplying' : 'Applying';
  const what = unit.kind === 'sql' ? `statement ${position}:\n  ${unit.statement.trim().replace(/\n/g, '\n  ')}` : `the code of '${describeOperation(unit.op)}'`;
  return new MigrationError(
    `${verb} ${label} failed at ${what}\n(operation: ${describeOperation(unit.op)})\nDatabase error: ${dbMessage(error)}\n` +
      `${label} was rolled back; the database is at the last migration that completed.`,
    {
      app: step.migration.app,
      migration: step.migration.name,
      statement: unit.kind === 'sql' ? unit.statement : undefined,
      operation: describeOperation(unit.op),
      backwards: step.backwards,
      cause: error,
    },
  );
}

async function runStep(connection: Connection, graph: MigrationGraph, recorder: MigrationRecorder, step: PlanStep, fake: boolean): Promise<void> {
  const { migration, backwards } = step;
  const record = backwards ? recorder.recordUnappliedSql(migration.app, migration.name) : recorder.recordAppliedSql(migration.app, migration.name);
  const units = fake ? [] : unitsOf(migration, backwards);
  const sqlCount = units.filter((u) => u.kind === 'sql').length;
  const runCode = async (unit: Extract<Unit, { kind: 'code' }>) => {
    const fn = backwards ? unit.op.reverseCode : unit.op.code;
    if (!fn) return;
    const state = graph.stateAfter([], { migration, operations: unit.index });
    try {
      await withHistoricalModels(state, async (apps) => {
        const call = async () => {
          await fn(apps, { connection, using: connection.alias });
        };
        // In a session bound to this connection, the historical models' queries go to it whatever its alias.
        if (getSessionOpener()) await connection.session(call, { identityMap: false });
        else await call();
      });
    } catch (error) {
      throw failure(step, unit, error, '');
    }
  };
  if (connection.capabilities.interactiveTransactions) {
    const body = async () => {
      let n = 0;
      for (const unit of units) {
        if (unit.kind === 'code') {
          await runCode(unit);
          continue;
        }
        n++;
        try {
          await connection.execute(unit.statement);
        } catch (error) {
          throw failure(step, unit, error, `${n} of ${sqlCount}`);
        }
      }
      await connection.execute(record);
    };
    if (migration.atomic === false) await body();
    else await atomic(body, { using: connection.alias });
    return;
  }
  // neon-http: consecutive statements go in one batch (one transaction); code runs between batches.
  let batch: Array<Extract<Unit, { kind: 'sql' }>> = [];
  let offset = 0;
  const flush = async (withRecord: boolean) => {
    const statements = batch;
    batch = [];
    const queries = statements.map((u) => connection.drizzle.execute(sql.raw(u.statement)));
    if (withRecord) queries.push(connection.drizzle.execute(record));
    if (queries.length === 0) return;
    try {
      await connection.batch(queries);
    } catch (error) {
      const failing = await findFailingStatement(connection, statements.map((u) => u.statement));
      const unit = statements[failing] ?? statements[statements.length - 1];
      if (!unit) throw error;
      throw failure(step, unit, error, `${offset + failing + 1} of ${sqlCount}`);
    }
    offset += statements.length;
  };
  for (const unit of units) {
    if (unit.kind === 'code') {
      await flush(false);
      await runCode(unit);
    } else batch.push(unit);
  }
  await flush(true);
}

/**
 * Which statement of a failed batch failed: batches of growing prefixes, each ending with a
 * statement that always raises, so that none of them commits; the first prefix that fails with
 * another error ends with the culprit. Only run after a failure (log₂ n requests).
 */
async function findFailingStatement(connection: Connection, statements: readonly string[]): Promise<number> {
  const prefixFails = async (end: number): Promise<boolean> => {
    const queries = [...statements.slice(0, end + 1), PROBE].map((s) => connection.drizzle.execute(sql.raw(s)));
    try {
      await connection.batch(queries);
      return false;
    } catch (error) {
      return !dbMessage(error).includes('djazzle-migration-probe');
    }
  };
  let low = 0;
  let high = statements.length - 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (await prefixFails(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
