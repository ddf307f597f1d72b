/**
 * Errors of the migration system, named as Django's (`django.db.migrations.exceptions`). Every one
 * says which app, migration, operation or statement it is about.
 */
import { DjazzleError } from '../core/errors.js';

/** Django: `NodeNotFoundError`: a dependency or a target names a migration that does not exist. */
export class NodeNotFoundError extends DjazzleError {}

/** Django: `CircularDependencyError`. */
export class CircularDependencyError extends DjazzleError {}

/** Django: `InconsistentMigrationHistory`: an applied migration has an unapplied dependency. */
export class InconsistentMigrationHistory extends DjazzleError {}

/** Django: `IrreversibleError`: migrating backwards over an operation without reverse SQL or code. */
export class IrreversibleError extends DjazzleError {}

/** Django: `BadMigrationError`: a migration file that is not a migration. */
export class BadMigrationError extends DjazzleError {}

/** Two leaf migrations in one app (Django's "Conflicting migrations detected"). */
export class ConflictingMigrationsError extends DjazzleError {}

/**
 * A migration that failed while being applied (or unapplied). The database is at the last
 * migration that completed: the failed one ran in a transaction (one batch on `neon-http`).
 */
export class MigrationError extends DjazzleError {
  readonly app: string;
  readonly migration: string;
  /** The statement that failed (`undefined` when the failure was in code, a `RunCode`). */
  readonly statement: string | undefined;
  /** Django's description of the operation that failed (`'Add field subtitle to article'`). */
  readonly operation: string | undefined;
  readonly backwards: boolean;

  constructor(
    message: string,
    init: { app: string; migration: string; statement?: string; operation?: string; backwards?: boolean; cause?: unknown },
  ) {
    super(message, { cause: init.cause });
    this.app = init.app;
    this.migration = init.migration;
    this.statement = init.statement;
    this.operation = init.operation;
    this.backwards = init.backwards ?? false;
  }
}
