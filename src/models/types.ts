/**
 * The public types of models: what `Model(table, opts)` returns and what its instances hold.
 * Row types come from the Drizzle table (`$inferSelect`), never declared twice.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import type { MultipleObjectsReturned, ObjectDoesNotExist } from '../core/errors.js';
import type { Manager } from '../query/manager.js';
import type { RelatedManager } from '../query/related-managers.js';
import type { FieldOptions } from './field.js';
import type { ModelBase } from './model.js';
import type { MetaOptions, Options } from './options.js';
import type { RelationSpec } from './relations.js';
import type { VirtualFieldSpec } from './virtual.js';

/** The instance methods every model has (`save`, `delete`, `pk`, …). */
export type ModelInstance = ModelBase;

export interface ModelOptions<T extends PgTable> {
  /** The app label (Django's `app_label`). */
  app: string;
  /** The model name; defaults to the class name. */
  name?: string;
  /** Django field options by column key, and relations. */
  fields?: { [K in keyof T['$inferSelect']]?: FieldOptions } & { [key: string]: FieldOptions | RelationSpec<any, any> | VirtualFieldSpec<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  meta?: MetaOptions;
  /** The default manager (a Manager instance), exposed as `objects`. */
  manager?: unknown;
}

export interface ProxyOptions {
  app?: string;
  name?: string;
  meta?: Omit<MetaOptions, 'proxy'>;
  manager?: unknown;
}

type FieldsOf<O> = O extends { fields: infer F } ? F : {}; // eslint-disable-line @typescript-eslint/no-empty-object-type

/** The instance type of a relation target: a model class, a thunk of one, or (for labels) any model. */
export type TargetInstance<C> = C extends abstract new (...args: any) => infer I // eslint-disable-line @typescript-eslint/no-explicit-any
  ? I
  : C extends () => infer R
    ? R extends abstract new (...args: any) => infer I // eslint-disable-line @typescript-eslint/no-explicit-any
      ? I
      : ModelInstance
    : ModelInstance;

type ForwardRelations<F> = {
  -readonly [K in keyof F as F[K] extends RelationSpec<'foreignKey' | 'oneToOne', any> ? K : never]: F[K] extends RelationSpec<any, infer C> // eslint-disable-line @typescript-eslint/no-explicit-any
    ? TargetInstance<C> | null
    : never;
};

type ManyRelations<F> = {
  readonly [K in keyof F as F[K] extends RelationSpec<'manyToMany', any> ? K : never]: F[K] extends RelationSpec<any, infer C> // eslint-disable-line @typescript-eslint/no-explicit-any
    ? RelatedManager<TargetInstance<C>>
    : never;
};

/** Virtual fields (generic relations): the property type their spec declares. */
type VirtualFields<F> = {
  -readonly [K in keyof F as F[K] extends VirtualFieldSpec<any> ? K : never]: F[K] extends VirtualFieldSpec<infer V> ? V : never; // eslint-disable-line @typescript-eslint/no-explicit-any
};

/** Instance type of `Model(table, opts)`: the row's columns, forward relations, many-to-many managers, virtual fields. */
export type InstanceOf<T extends PgTable, O> = ModelInstance & T['$inferSelect'] & ForwardRelations<FieldsOf<O>> & ManyRelations<FieldsOf<O>> & VirtualFields<FieldsOf<O>>;

/** What `new Model({...})` accepts: column values and related instances. */
export type InitOf<I> = { [K in keyof I as K extends keyof ModelInstance ? never : K]?: I[K] | null };

/** The instance type of a model class (the subclass's, with its own getters and declared members). */
export type InstanceOfClass<C> = C extends abstract new (...args: any) => infer R ? R : never; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ModelStatics<I, T extends PgTable> {
  /**
   * The default manager (Django's `Model.objects`). Typed by the class it is read from:
   * `Article.objects` is a `Manager<Article>` with the subclass's getters and declared members.
   */
  readonly objects: Manager<InstanceOfClass<this>>;
  readonly _meta: Options;
  readonly DoesNotExist: typeof ObjectDoesNotExist;
  readonly MultipleObjectsReturned: typeof MultipleObjectsReturned;
  /** The Drizzle table. */
  readonly table: T;
  fromDb(values: Record<string, unknown>, alias: string): InstanceOfClass<this>;
}

export type ModelClass<I, T extends PgTable = PgTable> = (new (init?: InitOf<I>) => I) & ModelStatics<I, T>;

/** Any model class. */
export type AnyModel = ModelClass<any, PgTable>; // eslint-disable-line @typescript-eslint/no-explicit-any
