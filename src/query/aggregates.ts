/**
 * Aggregates: Django's `Count`, `Sum`, `Avg`, `Min`, `Max`, `StdDev`, `Variance`, with
 * `distinct`, `filter` (`FILTER (WHERE …)`) and `default` (`COALESCE`).
 *
 * ```ts
 * Author.objects.annotate({ n: Count('books', { distinct: true, filter: Q({ books__pages__gt: 300 }) }) })
 * Book.objects.aggregate(Avg('price'))   // { price__avg }
 * ```
 */
import { type SQL, sql } from 'drizzle-orm';
import type { CompileContext } from './context.js';
import { callable, compileOperand, Expression, FExpr, type Lookups, type QNode, type ResultMapper, toExpression, toNumber } from './expressions.js';

export interface AggregateOptions {
  distinct?: boolean;
  /** Django's `filter=Q(…)`. */
  filter?: QNode | Lookups;
  /** Django 4.0's `default=`: the value instead of NULL on no rows. */
  default?: unknown;
}

export class Aggregate extends Expression {
  readonly source: Expression | '*';
  constructor(readonly functionName: string, source: unknown, readonly options: AggregateOptions = {}, readonly sourceName?: string) {
    super();
    this.source = source === '*' ? '*' : typeof source === 'string' ? new FExpr(source) : toExpression(source);
  }
  override get containsAggregate(): boolean {
    return true;
  }
  /** Results typed by the source field: MIN/MAX decode like the column, SUM/AVG of integers are numbers. */
  #mapFrom(field: { internalType: string; drizzleColumn?: { mapFromDriverValue(v: unknown): unknown } } | undefined): void {
    if (!field || this.mapper) return;
    const name = this.functionName;
    if ((name === 'MIN' || name === 'MAX') && field.drizzleColumn) {
      const column = field.drizzleColumn;
      this.mapper = (v) => (v === null || v === undefined ? v : column.mapFromDriverValue(v));
    } else if ((name === 'SUM' || name === 'AVG') && field.internalType !== 'DecimalField') this.mapper = toNumber;
  }

  override defaultAlias(): string | undefined {
    return this.sourceName ? `${this.sourceName}__${this.functionName.toLowerCase().replace('stddev_pop', 'stddev').replace('var_pop', 'variance')}` : undefined;
  }
  compile(ctx: CompileContext): SQL {
    if (this.source instanceof FExpr) this.#mapFrom(ctx.resolveRef(this.source.name).field);
    const argument = this.source === '*' ? sql`*` : this.source.compile(ctx);
    const distinct = this.options.distinct ? sql`DISTINCT ` : sql``;
    const filter = this.options.filter ? sql` FILTER (WHERE ${ctx.compileCondition(this.options.filter)})` : sql``;
    const call = sql`${sql.raw(this.functionName)}(${distinct}${argument})${filter}`;
    return this.options.default === undefined ? call : sql`COALESCE(${call}, ${compileOperand(this.options.default, ctx)})`;
  }
}

function aggregate(functionName: string, mapper: ResultMapper | undefined) {
  return callable(
    class extends Aggregate {
      constructor(source: unknown, options: AggregateOptions = {}) {
        super(functionName, source, options, typeof source === 'string' && source !== '*' ? source : undefined);
        this.mapper = mapper;
      }
    },
  );
}

/** Django: `Count('books', distinct=True, filter=Q(…))`. */
export const Count = aggregate('COUNT', toNumber);
/** Django: `Sum('pages')`. */
export const Sum = aggregate('SUM', undefined);
/** Django: `Avg('price')`. */
export const Avg = aggregate('AVG', undefined);
/** Django: `Min('price')`. */
export const Min = aggregate('MIN', undefined);
/** Django: `Max('price')`. */
export const Max = aggregate('MAX', undefined);
/** Django: `StdDev('x')` (population). */
export const StdDev = aggregate('STDDEV_POP', toNumber);
/** Django: `Variance('x')` (population). */
export const Variance = aggregate('VAR_POP', toNumber);

