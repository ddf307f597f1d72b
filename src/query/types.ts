/**
 * Types of QuerySet arguments and results: lookup keys checked against the model's own columns,
 * `values()` rows typed by the fields named, annotations added to the row type.
 */
import type { ModelInstance } from '../models/types.js';
import type { Expression, OrderBy, QNode } from './expressions.js';
import type { LookupName, TransformName } from './lookups.js';

type Scalar = string | number | boolean | bigint | Date;

/** Keys of an instance holding column values (not methods, relations or managers). */
export type ScalarKeys<M> = {
  [K in Exclude<keyof M, keyof ModelInstance> & string]: NonNullable<M[K]> extends Scalar ? K : never;
}[Exclude<keyof M, keyof ModelInstance> & string];

type LookupSuffix = LookupName | TransformName | `${TransformName}__${LookupName}`;

/** `unknown` when `K` is a valid lookup key for `M`, `never` when it names an unknown column or lookup. */
export type CheckLookupKey<M, K extends string> = string extends K
  ? unknown // computed keys are checked at run time
  : unknown extends M
    ? unknown
    : CheckKnownKey<M, K>;

type CheckKnownKey<M, K extends string> = K extends ScalarKeys<M> | 'pk'
  ? unknown
  : K extends `${infer Head}__${infer Rest}`
    ? Head extends ScalarKeys<M> | 'pk'
      ? Rest extends LookupSuffix
        ? unknown
        : never
      : unknown // a relation (or an unknown head): spanning paths are checked at run time
    : K extends Exclude<keyof M, keyof ModelInstance> & string
      ? unknown
      : string extends ScalarKeys<M>
        ? unknown
        : never;

/** A lookups object whose keys are checked where the field is known. */
export type CheckedLookups<M, L> = L & { [K in keyof L]: CheckLookupKey<M, K & string> extends never ? never : L[K] };

/** What `filter()`, `exclude()` and `get()` take. */
export type FilterArg<_M = unknown> = Record<string, unknown> | QNode | Expression;

export type OrderArg<M> = (ScalarKeys<M> | `-${ScalarKeys<M>}`) | string | OrderBy | Expression;

/** A `values('id', 'headline')` row: typed by the fields named (spanning paths are `unknown`). */
export type ValuesRow<M, K extends string> = [K] extends [never] ? Record<string, unknown> : { [P in K]: P extends keyof M ? M[P] : unknown };

/** The row type after `annotate({ n: Count('x') })`. */
export type AnnotatedRow<R, A> = R & { [K in keyof A]: A[K] extends Expression<infer T> ? (unknown extends T ? number | string | null : T) : unknown };
