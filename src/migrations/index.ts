/**
 * `djazzle/migrations`: Django's migrations, per app, with SQL from drizzle-kit.
 *
 * ```ts
 * import { migrate } from 'djazzle/migrations';
 * import news from './news/migrations/index.js';     // every migration of the app, bundled
 * await migrate({ connection: db, migrations: [news] });
 * ```
 * The CLI (`djazzle makemigrations`, `migrate`, `showmigrations`, `sqlmigrate`) calls the same
 * functions with the migrations it loads from each app's folder.
 */
export { defineMigration, normalizeMigrations, type Migration, type MigrationSource, type Dependency } from './migration.js';
export {
  CreateModel, DeleteModel, RenameModel, AlterModelTable, AddField, RemoveField, AlterField, RenameField, AddIndex, RemoveIndex,
  AddConstraint, RemoveConstraint, CreateEnum, DeleteEnum, AlterEnum, RunSQL, RunCode, describeOperation, applyOperation,
  type Operation, type SchemaOperation, type RunCodeFunction, type RunCodeContext,
} from './operations.js';
export type {
  CreateModelOperation, DeleteModelOperation, RenameModelOperation, AlterModelTableOperation, AddFieldOperation, RemoveFieldOperation,
  AlterFieldOperation, RenameFieldOperation, AddIndexOperation, RemoveIndexOperation, AddConstraintOperation, RemoveConstraintOperation,
  CreateEnumOperation, DeleteEnumOperation, AlterEnumOperation, RunSQLOperation, RunCodeOperation,
} from './operations.js';
export { migrate, type MigrateOptions, type MigrateResult, type MigrateEvent } from './runner.js';
export { showMigrations, sqlMigrate, type MigrationStatus, type ShowMigrationsOptions, type SqlMigrateOptions } from './show.js';
export { makeMigrations, suggestName, type MakeMigrationsOptions, type MakeMigrationsResult, type PlannedMigration } from './make.js';
export { loadMigrations, writeMigrations, writeIndex, migrationNames, type MigrationFolder } from './files.js';
export { MigrationGraph } from './graph.js';
export { migrationPlan, type PlanStep } from './plan.js';
export { MigrationRecorder, MIGRATIONS_TABLE } from './recorder.js';
export { buildHistoricalModels, type HistoricalApps } from './historical.js';
export { parseRename } from './autodetector.js';
export { appModelState, appTables, managedModels } from './model-state.js';
export { loadKit, type Kit } from './kit.js';
export { migratedApps, type MigratedApps } from './migrated-apps.js';
export {
  MigrationError, NodeNotFoundError, CircularDependencyError, InconsistentMigrationHistory, IrreversibleError, BadMigrationError, ConflictingMigrationsError,
} from './errors.js';
export type * from './types.js';
