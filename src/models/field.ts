/**
 * A model field, Django's `Field` / `ForeignObjectRel` in one class: concrete columns, forward
 * relations and the reverse side of relations are all Fields, so `_meta.getFields()` is uniform.
 *
 * ```ts
 * Article._meta.getField('reporter').remoteField   // Article._meta.get_field('reporter').remote_field
 * ```
 */
import type { SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { OnDelete } from './on-delete.js';

export type FieldKind =
  | 'column'
  | 'foreignKey'
  | 'oneToOne'
  | 'manyToMany'
  | 'reverseForeignKey'
  | 'reverseOneToOne'
  | 'reverseManyToMany'
  /** Django's private fields (`_meta.private_fields`): relations added by a virtual field spec, e.g. generic relations. */
  | 'private'
  /** The reverse side of a private relation (Django's `GenericRel`). */
  | 'reversePrivate';

/** One side of a join, as a private field's `joinCondition` sees it (an `Options`, typed loosely here). */
export interface JoinSide {
  readonly model: AnyModelClass;
}

/**
 * What a private relation field (kind `'private'` / `'reversePrivate'`) tells the layers that
 * handle plain relations themselves. Every hook is optional; the field's owner (a higher layer,
 * e.g. `src/contenttypes`) implements them. Django's names are in brackets.
 */
export interface PrivateFieldHooks {
  /** `await obj.fetch(name)`: loads the related object, caches it (absence included) and returns it. */
  fetch?(instance: object, refresh: boolean): Promise<unknown>;
  /**
   * The ON condition of a join across this relation (`get_extra_restriction` included), given
   * column references of the model the path comes from (`near`) and of the model joined (`far`),
   * and those two models' `_meta` (a proxy's when the query is on a proxy).
   */
  joinCondition?(near: (field: Field) => SQL, far: (field: Field) => SQL, models: { near: JoinSide; far: JoinSide }): SQL;
  /** `prefetchRelated(name)` over `instances` (one model): fills their caches, returns the objects loaded. */
  prefetch?(instances: object[], queryset: unknown, toAttr: string | undefined): Promise<object[]>;
  /** [`bulk_related_objects`] The rows the deletion collector deletes along with `objs` (cascade). */
  bulkRelatedObjects?(objs: readonly object[], using: string): Promise<object[]>;
  /** A `save()` of an instance of the field's model failed with `error` (e.g. to drop a stale cache entry). */
  saveFailed?(instance: object, error: unknown, using: string): void | Promise<void>;
}

/** A validator: a function that throws `ValidationError` (or returns `false`), or a valibot action. */
export type FieldValidator = ((value: unknown) => unknown) | { readonly kind: string; readonly '~run'?: unknown };

export type Choices = ReadonlyArray<readonly [unknown, string]>;

/** Django field options given in `Model(table, { fields: { name: { … } } })`. */
export interface FieldOptions {
  verboseName?: string;
  helpText?: string;
  blank?: boolean;
  choices?: Choices;
  editable?: boolean;
  validators?: FieldValidator[];
  autoNow?: boolean;
  autoNowAdd?: boolean;
  default?: unknown;
  unique?: boolean;
  dbIndex?: boolean;
}

export const FIELD_OPTION_KEYS: ReadonlySet<string> = new Set([
  'verboseName', 'helpText', 'blank', 'choices', 'editable', 'validators', 'autoNow', 'autoNowAdd', 'default', 'unique', 'dbIndex',
]);

// Model classes are typed loosely inside the metadata layer; the public types live in model.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModelClass = any;

const NO_DEFAULT = Symbol('NOT_PROVIDED');

export interface FieldInit {
  kind: FieldKind;
  name: string;
  attname?: string;
  column?: string | null;
  drizzleColumn?: PgColumn;
  model: AnyModelClass;
  options?: FieldOptions;
  internalType: string;
  null?: boolean;
  primaryKey?: boolean;
  unique?: boolean;
  maxLength?: number | null;
  default?: unknown;
  dbDefault?: boolean;
  relatedModel?: AnyModelClass;
  autoCreated?: boolean;
  hidden?: boolean;
  onDelete?: OnDelete;
  relatedName?: string | undefined;
  relatedQueryName?: string | undefined;
  limitChoicesTo?: unknown;
  symmetrical?: boolean;
  /** Private relations only: Django's cardinality flags (other kinds derive them from `kind`). */
  manyToOne?: boolean;
  oneToMany?: boolean;
  hooks?: PrivateFieldHooks;
}

export class Field {
  readonly kind: FieldKind;
  readonly name: string;
  /** The instance property holding the value (`reporterId` for the `reporter` foreign key). */
  readonly attname: string;
  /** The SQL column (`reporter_id`); `null` for reverse relations and many-to-many. */
  readonly column: string | null;
  /** The Drizzle column, for concrete fields. */
  readonly drizzleColumn: PgColumn | undefined;
  readonly model: AnyModelClass;
  readonly verboseName: string;
  readonly helpText: string;
  readonly blank: boolean;
  readonly null: boolean;
  readonly choices: Choices | null;
  readonly editable: boolean;
  readonly maxLength: number | null;
  readonly unique: boolean;
  readonly primaryKey: boolean;
  readonly validators: readonly FieldValidator[];
  readonly autoNow: boolean;
  readonly autoNowAdd: boolean;
  readonly dbIndex: boolean;
  /** Django's `get_internal_type()`: `'CharField'`, `'ForeignKey'`, `'ManyToOneRel'`, … */
  readonly internalType: string;
  readonly isRelation: boolean;
  readonly concrete: boolean;
  hidden: boolean;
  readonly autoCreated: boolean;
  readonly manyToOne: boolean;
  readonly oneToMany: boolean;
  readonly oneToOne: boolean;
  readonly manyToMany: boolean;
  /** The model on the other side (resolved when the app registry is ready). */
  relatedModel: AnyModelClass | null;
  /** Instance property of a reverse relation (`articleSet`, `articles`); forward fields use `name`. */
  accessorName: string;
  /** The Field of the other side of a relation. */
  remoteField: Field | null = null;
  readonly onDelete: OnDelete | undefined;
  readonly relatedName: string | undefined;
  readonly limitChoicesTo: unknown;
  readonly symmetrical: boolean;
  /** For a foreign key: the target field its column points at (`toField`, default the pk). */
  targetField: Field | null = null;
  /** For many-to-many: the through model and the names of its two foreign keys. */
  through: AnyModelClass | null = null;
  throughFields: [string, string] | null = null;
  /** Django's `related_query_name()` on a forward relation: the name its reverse side answers to in lookups. */
  relatedQueryNameValue: string | undefined;
  readonly #default: unknown;
  /** The column has a database-side default (serial, `defaultNow()`, `default(sql…)`). */
  readonly dbDefault: boolean;
  /** Hooks of a private relation (see {@link PrivateFieldHooks}); `undefined` for every other field. */
  hooks: PrivateFieldHooks | undefined;

  constructor(init: FieldInit) {
    const options = init.options ?? {};
    this.kind = init.kind;
    this.name = init.name;
    this.attname = init.attname ?? init.name;
    this.column = init.column ?? null;
    this.drizzleColumn = init.drizzleColumn;
    this.model = init.model;
    this.verboseName = options.verboseName ?? humanize(init.name);
    this.helpText = options.helpText ?? '';
    this.null = init.null ?? false;
    this.primaryKey = init.primaryKey ?? false;
    this.unique = (options.unique ?? init.unique ?? false) || this.primaryKey;
    this.maxLength = init.maxLength ?? null;
    this.choices = options.choices ?? null;
    this.validators = options.validators ?? [];
    this.autoNow = options.autoNow ?? false;
    this.autoNowAdd = options.autoNowAdd ?? false;
    this.dbIndex = options.dbIndex ?? false;
    this.editable = options.editable ?? !(this.autoNow || this.autoNowAdd || init.internalType.endsWith('AutoField'));
    this.blank = options.blank ?? (this.autoNow || this.autoNowAdd || init.internalType.endsWith('AutoField') || init.kind === 'manyToMany');
    this.internalType = init.internalType;
    this.isRelation = init.kind !== 'column';
    this.concrete = init.kind === 'column' || init.kind === 'foreignKey' || init.kind === 'oneToOne' || init.kind === 'manyToMany';
    this.hidden = init.hidden ?? false;
    this.autoCreated = init.autoCreated ?? init.kind.startsWith('reverse');
    const isPrivate = init.kind === 'private' || init.kind === 'reversePrivate';
    this.manyToOne = isPrivate ? (init.manyToOne ?? false) : init.kind === 'foreignKey';
    this.oneToMany = isPrivate ? (init.oneToMany ?? false) : init.kind === 'reverseForeignKey';
    this.oneToOne = init.kind === 'oneToOne' || init.kind === 'reverseOneToOne';
    this.manyToMany = init.kind === 'manyToMany' || init.kind === 'reverseManyToMany';
    this.relatedModel = init.relatedModel ?? null;
    this.accessorName = init.name;
    this.onDelete = init.onDelete;
    this.relatedName = init.relatedName;
    this.relatedQueryNameValue = init.relatedQueryName;
    this.limitChoicesTo = init.limitChoicesTo;
    this.symmetrical = init.symmetrical ?? false;
    this.#default = 'default' in options ? options.default : 'default' in init ? init.default : NO_DEFAULT;
    this.dbDefault = init.dbDefault ?? false;
    this.hooks = init.hooks;
  }

  /** Whether the field has a default (a value, a function, or a database default). */
  hasDefault(): boolean {
    return this.#default !== NO_DEFAULT || this.dbDefault;
  }

  /** The default value (a function default is called); `undefined` when the database provides it. */
  getDefault(): unknown {
    if (this.#default === NO_DEFAULT) return this.dbDefault ? undefined : null;
    return typeof this.#default === 'function' ? (this.#default as () => unknown)() : this.#default;
  }

  /** Django's `field.default` (`NOT_PROVIDED` is `undefined` here). */
  get default(): unknown {
    return this.#default === NO_DEFAULT ? undefined : this.#default;
  }

  /** A reverse relation (`ManyToOneRel`, `OneToOneRel`, `ManyToManyRel`). */
  get isReverse(): boolean {
    return this.kind.startsWith('reverse');
  }

  /** A relation whose value lives in this model's row (foreign key, one-to-one). */
  get isForwardSingle(): boolean {
    return this.kind === 'foreignKey' || this.kind === 'oneToOne';
  }

  /** A private field (Django's `_meta.private_fields`) or the reverse side of one. */
  get isPrivate(): boolean {
    return this.kind === 'private' || this.kind === 'reversePrivate';
  }

  /** Whether following this field can give several rows (reverse FK, many-to-many, a one-to-many private relation). */
  get isMultiValued(): boolean {
    return this.kind === 'reverseForeignKey' || this.manyToMany || (this.isPrivate && this.oneToMany);
  }

  toString(): string {
    const label = (this.model as { _meta?: { label?: string } } | undefined)?._meta?.label ?? '?';
    return `${label}.${this.name}`;
  }
}

/** Django's default `verbose_name`: `pubDate` → `pub date`. */
export function humanize(name: string): string {
  return name
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
}
