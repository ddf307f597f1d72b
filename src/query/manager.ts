/**
 * `Manager`: Django's `models.Manager`, the door from a model class to its QuerySets.
 *
 * ```ts
 * class PublishedManager extends Manager<Article> {
 *   override getQueryset() { return super.getQueryset().filter({ status: 'published' }); }
 * }
 * class Article extends Model(articles, { app: 'news', manager: new PublishedManager() }) {}
 * const ArticleManager = Manager.fromQueryset(ArticleQuerySet); // Manager.from_queryset(ArticleQuerySet)
 * ```
 */
import { ImproperlyConfigured } from '../core/errors.js';
import type { AnyModelClass } from '../models/field.js';
import { MANAGER_BRAND } from '../models/model.js';
import type { Expression } from './expressions.js';
import type { Prefetch } from './prefetch-spec.js';
import { type BulkCreateOptions, QuerySet } from './queryset.js';
import type { CheckedLookups, FilterArg } from './types.js';
import type { QNode } from './expressions.js';

// Covariant in M (see QuerySet): a subclass may narrow `objects` with `declare static objects: Manager<Article>`.
// @ts-expect-error TS2636: variance declared, see QuerySet
export class Manager<out M = unknown> {
  readonly [MANAGER_BRAND] = true;
  #model: AnyModelClass | undefined;
  /** The attribute name on the model (`'objects'`). */
  name: string | undefined;
  /** The QuerySet class this manager builds (`Manager.fromQueryset`). */
  protected querysetClass: new (model: AnyModelClass) => QuerySet<M, M> = QuerySet as never;

  /** Django's `contribute_to_class`: binds the manager to a model. */
  contributeToClass(model: AnyModelClass, name: string): void {
    this.#model = model;
    this.name = name;
  }

  get model(): AnyModelClass {
    if (!this.#model) {
      throw new ImproperlyConfigured(`${this.constructor.name} is not bound to a model: pass it as Model(table, { manager }) or list the model in defineApp().`);
    }
    return this.#model;
  }

  /** Django: `get_queryset()`, the override point for custom managers. */
  getQueryset(): QuerySet<M, M> {
    return new this.querysetClass(this.model);
  }

  /** Django: `Manager.from_queryset(QuerySetClass)`: a manager class with the QuerySet's methods. */
  static fromQueryset<Q extends QuerySet<any, any>>(querysetClass: new (model: AnyModelClass) => Q): new () => Manager<Q extends QuerySet<infer M, any> ? M : unknown> & Omit<Q, keyof QuerySet<any, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const Base = this as unknown as new () => Manager;
    class FromQueryset extends Base {
      protected override querysetClass = querysetClass as never;
    }
    for (let proto = querysetClass.prototype; proto && proto !== QuerySet.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key === 'constructor' || key in FromQueryset.prototype || key.startsWith('_')) continue;
        const descriptor = Object.getOwnPropertyDescriptor(proto, key);
        if (typeof descriptor?.value !== 'function') continue;
        Object.defineProperty(FromQueryset.prototype, key, {
          configurable: true,
          value(this: Manager, ...args: unknown[]) {
            const qs = this.getQueryset() as unknown as Record<string, (...a: unknown[]) => unknown>;
            return qs[key]!(...args);
          },
        });
      }
    }
    Object.defineProperty(FromQueryset, 'name', { value: `${this.name}From${querysetClass.name}` });
    return FromQueryset as never;
  }

  all(): QuerySet<M, M> {
    return this.getQueryset();
  }
  filter<L extends Record<string, unknown> = Record<string, unknown>>(lookups?: CheckedLookups<M, L> | QNode | Expression, ...more: FilterArg<M>[]): QuerySet<M, M>;
  filter(...conditions: FilterArg<M>[]): QuerySet<M, M> {
    return this.getQueryset().filter(...conditions);
  }
  exclude<L extends Record<string, unknown> = Record<string, unknown>>(lookups?: CheckedLookups<M, L> | QNode | Expression, ...more: FilterArg<M>[]): QuerySet<M, M>;
  exclude(...conditions: FilterArg<M>[]): QuerySet<M, M> {
    return this.getQueryset().exclude(...conditions);
  }
  orderBy(...fields: Array<string | Expression>): QuerySet<M, M> {
    return this.getQueryset().orderBy(...fields);
  }
  reverse(): QuerySet<M, M> {
    return this.getQueryset().reverse();
  }
  distinct(...fields: string[]): QuerySet<M, M> {
    return this.getQueryset().distinct(...fields);
  }
  values<K extends string>(...fields: Array<K | Record<string, unknown>>) {
    return this.getQueryset().values<K>(...fields);
  }
  valuesList(...args: Array<string | { flat?: boolean; named?: boolean }>) {
    return this.getQueryset().valuesList(...args);
  }
  annotate<A extends Record<string, unknown>>(...args: Array<A | Expression>) {
    return this.getQueryset().annotate<A>(...args);
  }
  alias(annotations: Record<string, unknown>): QuerySet<M, M> {
    return this.getQueryset().alias(annotations);
  }
  selectRelated(...fields: string[]): QuerySet<M, M> {
    return this.getQueryset().selectRelated(...fields);
  }
  prefetchRelated(...lookups: Array<string | Prefetch | null>): QuerySet<M, M> {
    return this.getQueryset().prefetchRelated(...lookups);
  }
  only(...fields: string[]): QuerySet<M, M> {
    return this.getQueryset().only(...fields);
  }
  defer(...fields: Array<string | null>): QuerySet<M, M> {
    return this.getQueryset().defer(...fields);
  }
  none(): QuerySet<M, M> {
    return this.getQueryset().none();
  }
  using(alias: string): QuerySet<M, M> {
    return this.getQueryset().using(alias);
  }
  union(...args: Array<QuerySet<M, M> | { all?: boolean }>): QuerySet<M, M> {
    return this.getQueryset().union(...args);
  }
  intersection(...others: QuerySet<M, M>[]): QuerySet<M, M> {
    return this.getQueryset().intersection(...others);
  }
  difference(...others: QuerySet<M, M>[]): QuerySet<M, M> {
    return this.getQueryset().difference(...others);
  }
  selectForUpdate(options?: { nowait?: boolean; skipLocked?: boolean; of?: readonly string[]; noKey?: boolean }): QuerySet<M, M> {
    return this.getQueryset().selectForUpdate(options);
  }
  slice(start: number, end?: number): QuerySet<M, M> {
    return this.getQueryset().slice(start, end);
  }
  get<L extends Record<string, unknown> = Record<string, unknown>>(lookups?: CheckedLookups<M, L> | QNode | Expression, ...more: FilterArg<M>[]): Promise<M>;
  get(...conditions: FilterArg<M>[]): Promise<M> {
    return this.getQueryset().get(...conditions);
  }
  create(values: Record<string, unknown> = {}): Promise<M> {
    return this.getQueryset().create(values);
  }
  getOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    return this.getQueryset().getOrCreate(lookups, options);
  }
  updateOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown>; createDefaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    return this.getQueryset().updateOrCreate(lookups, options);
  }
  bulkCreate(objs: readonly M[], options?: BulkCreateOptions): Promise<M[]> {
    return this.getQueryset().bulkCreate(objs, options);
  }
  bulkUpdate(objs: readonly M[], fields: readonly string[], options?: { batchSize?: number }): Promise<number> {
    return this.getQueryset().bulkUpdate(objs, fields, options);
  }
  count(): Promise<number> {
    return this.getQueryset().count();
  }
  exists(): Promise<boolean> {
    return this.getQueryset().exists();
  }
  contains(obj: unknown): Promise<boolean> {
    return this.getQueryset().contains(obj);
  }
  first(): Promise<M | null> {
    return this.getQueryset().first();
  }
  last(): Promise<M | null> {
    return this.getQueryset().last();
  }
  latest(...fields: string[]): Promise<M> {
    return this.getQueryset().latest(...fields);
  }
  earliest(...fields: string[]): Promise<M> {
    return this.getQueryset().earliest(...fields);
  }
  inBulk(ids?: Iterable<unknown> | null, options?: { fieldName?: string }): Promise<Map<unknown, M>> {
    return this.getQueryset().inBulk(ids, options);
  }
  aggregate(...args: Array<Expression | Record<string, Expression>>): Promise<Record<string, unknown>> {
    return this.getQueryset().aggregate(...args);
  }
  update(values: Record<string, unknown>): Promise<number> {
    return this.getQueryset().update(values);
  }
  delete(): Promise<[number, Record<string, number>]> {
    return this.getQueryset().delete();
  }
  iterator(options?: { chunkSize?: number }): AsyncIterable<M> {
    return this.getQueryset().iterator(options);
  }
  explain(options?: Parameters<QuerySet['explain']>[0]): Promise<string> {
    return this.getQueryset().explain(options);
  }
  toSQL(): { sql: string; params: unknown[] } {
    return this.getQueryset().toSQL();
  }
}
