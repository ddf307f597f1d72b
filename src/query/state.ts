/**
 * The frozen state of a QuerySet (Kysely's model: an immutable state object, a compiler, an
 * executor). Every chained call copies the state with one change.
 */
import type { AnyModelClass } from '../models/field.js';
import type { Expression, OrderBy, QNode } from './expressions.js';
import type { Prefetch } from './prefetch-spec.js';

/** One `filter()` / `exclude()` call, or one `annotate()` / `alias()` call, in call order. */
export type Step =
  | { readonly kind: 'filter'; readonly node: QNode; readonly negated: boolean }
  | { readonly kind: 'annotate'; readonly name: string; readonly expression: Expression; readonly select: boolean };

export type ValuesKind = 'dict' | 'tuple' | 'flat' | 'named';

export interface ValuesSpec {
  readonly kind: ValuesKind;
  /** Field paths and annotation names, in order. */
  readonly fields: readonly string[];
  /** Expressions given to `values({ name: expr })`. */
  readonly expressions: ReadonlyMap<string, Expression>;
}

export interface CombinatorSpec {
  readonly kind: 'union' | 'intersection' | 'difference';
  readonly all: boolean;
  readonly others: readonly unknown[];
}

export interface LockSpec {
  readonly nowait: boolean;
  readonly skipLocked: boolean;
  readonly of: readonly string[];
  readonly noKey: boolean;
}

export interface QueryState {
  readonly model: AnyModelClass;
  readonly using: string | undefined;
  readonly steps: readonly Step[];
  /** `undefined`: the model's default ordering; `[]`: unordered (`orderBy()`). */
  readonly ordering: readonly (string | OrderBy)[] | undefined;
  readonly reversed: boolean;
  readonly distinct: boolean;
  readonly distinctFields: readonly string[];
  readonly low: number;
  readonly high: number | undefined;
  /** `true`: every non-null forward relation (Django's `select_related()` with no args). */
  readonly selectRelated: readonly string[] | true;
  readonly prefetch: readonly (string | Prefetch)[];
  readonly values: ValuesSpec | undefined;
  readonly only: ReadonlySet<string> | undefined;
  readonly defer: ReadonlySet<string>;
  readonly empty: boolean;
  readonly combinator: CombinatorSpec | undefined;
  readonly lock: LockSpec | undefined;
}

export function initialState(model: AnyModelClass): QueryState {
  return {
    model,
    using: undefined,
    steps: [],
    ordering: undefined,
    reversed: false,
    distinct: false,
    distinctFields: [],
    low: 0,
    high: undefined,
    selectRelated: [],
    prefetch: [],
    values: undefined,
    only: undefined,
    defer: new Set(),
    empty: false,
    combinator: undefined,
    lock: undefined,
  };
}

export function isSliced(state: QueryState): boolean {
  return state.low !== 0 || state.high !== undefined;
}
