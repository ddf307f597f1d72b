/**
 * Relation declarations: `ForeignKey`, `OneToOne`, `ManyToMany`. They are specs given in a
 * model's `fields`; the model layer resolves them into Fields once the target model exists.
 *
 * ```ts
 * fields: {
 *   reporter: ForeignKey(() => Reporter, { onDelete: CASCADE, relatedName: 'articles' }),
 *   // reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name='articles')
 *   publications: ManyToMany(() => Publication),
 * }
 * ```
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import type { OnDelete } from './on-delete.js';

/** A relation target: a thunk, a model class, `'self'`, or an `'app.Model'` label. */
export type RelationTarget<T = unknown> = (() => T) | T | 'self' | string;

export interface CommonRelationOptions {
  relatedName?: string;
  relatedQueryName?: string;
  verboseName?: string;
  helpText?: string;
  blank?: boolean;
  editable?: boolean;
  limitChoicesTo?: Record<string, unknown> | (() => Record<string, unknown>);
}

export interface ForeignKeyOptions extends CommonRelationOptions {
  onDelete?: OnDelete;
  /** The target field the column points at (default: the target's primary key). */
  toField?: string;
  /** The Drizzle key holding the value (default `<name>Id`). */
  column?: string;
  null?: boolean;
  /** Whether djazzle declares a database constraint for it in `createTables` (default true). */
  dbConstraint?: boolean;
}

export interface ManyToManyOptions extends CommonRelationOptions {
  /** A Drizzle table or model for the junction; djazzle defines `<app>_<model>_<field>` when absent. */
  through?: PgTable | (() => unknown) | object | string;
  /** With a `through`: the two foreign keys on it, `[source, target]`. */
  throughFields?: [string, string];
  /** Self relations are symmetrical unless `false` (Django's default). */
  symmetrical?: boolean;
}

export type RelationKind = 'foreignKey' | 'oneToOne' | 'manyToMany';

export interface RelationSpec<K extends RelationKind = RelationKind, T = unknown> {
  readonly kind: K;
  readonly to: RelationTarget<T>;
  readonly options: K extends 'manyToMany' ? ManyToManyOptions : ForeignKeyOptions;
  /** Type-level marker for the target (never set at run time). */
  readonly __target?: T;
}

export const RELATION_SPEC = Symbol.for('djazzle.relationSpec');

function spec<K extends RelationKind, T>(kind: K, to: RelationTarget<T>, options: object): RelationSpec<K, T> {
  return Object.freeze({ kind, to, options, [RELATION_SPEC]: true }) as unknown as RelationSpec<K, T>;
}

/** Django: `models.ForeignKey(to, on_delete=…)`. */
export function ForeignKey<T>(to: RelationTarget<T>, options: ForeignKeyOptions = {}): RelationSpec<'foreignKey', T> {
  return spec('foreignKey', to, options);
}

/** Django: `models.OneToOneField(to, on_delete=…)`. */
export function OneToOne<T>(to: RelationTarget<T>, options: ForeignKeyOptions = {}): RelationSpec<'oneToOne', T> {
  return spec('oneToOne', to, options);
}

/** Django: `models.ManyToManyField(to, through=…, symmetrical=…)`. */
export function ManyToMany<T>(to: RelationTarget<T>, options: ManyToManyOptions = {}): RelationSpec<'manyToMany', T> {
  return spec('manyToMany', to, options);
}

export function isRelationSpec(value: unknown): value is RelationSpec {
  return typeof value === 'object' && value !== null && RELATION_SPEC in value;
}
