/**
 * The interface expressions compile against. The compiler implements it for one query; a
 * subquery gets its own, whose `outer` resolves `OuterRef`s against the enclosing query.
 */
import type { SQL } from 'drizzle-orm';
import type { Field } from '../models/field.js';
import type { Options } from '../models/options.js';

export interface ResolvedRef {
  readonly sql: SQL;
  /** The field at the end of the path (for value coercion and result mapping). */
  readonly field: Field | undefined;
  /** Whether the referenced value may be NULL (a nullable column or a LEFT JOIN). */
  readonly nullable: boolean;
}

export interface CompileContext {
  readonly meta: Options;
  /** Resolves `F('reporter__firstName')`, joining as needed; annotations by name too. */
  resolveRef(name: string): ResolvedRef;
  /** The enclosing query, for `OuterRef`. */
  readonly outer: CompileContext | undefined;
  /** Compiles a QuerySet used as a subquery inside this query. */
  compileSubquery(queryset: unknown, mode: 'scalar' | 'exists' | 'in'): SQL;
  /** Compiles a filter condition (lookups object or Q) in this query (used by `When`, `Count(filter)`). */
  compileCondition(condition: unknown): SQL;
}
