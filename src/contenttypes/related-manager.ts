/**
 * `bookmark.tags`: the related manager of a `GenericRelation` (Django's
 * `GenericRelatedObjectManager`). Its QuerySets carry the content-type restriction and the object
 * id; `create`, `getOrCreate`, `updateOrCreate` and `add` set both; `remove`, `clear` and `set`
 * delete the related rows (a generic row cannot exist without its object), as Django does.
 *
 * ```ts
 * await bookmark.tags.create({ tag: 'django' });       // bookmark.tags.create(tag='django')
 * await bookmark.tags.add(t1, t2);                      // one UPDATE
 * await bookmark.tags.add(t3, { bulk: false });         // bookmark.tags.add(t3, bulk=False): save() each
 * await bookmark.tags.filter({ tag__startswith: 'd' }).count();
 * ```
 */
import { activeSession } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import { atomicIfSupported } from '../db/transaction.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE } from '../models/state.js';
import { RawSQL } from '../query/expressions.js';
import { isQuerySetLike } from '../query/lookups.js';
import { QuerySet } from '../query/queryset.js';
import { RelatedManager } from '../query/related-managers.js';
import { evictContentType } from './cache.js';
import { ContentType } from './models.js';
import { cacheTarget, contentTypeSubquery, type Instance, isMissingContentType, restrictionMeta } from './shared.js';

/** What a GenericRelation knows once resolved (filled in by `generic-relation.ts`). */
export interface GenericRelationInfo {
  readonly field: Field;
  readonly model: AnyModelClass;
  readonly ctName: string;
  readonly idName: string;
  readonly forConcreteModel: boolean;
  readonly relatedQueryName: string | undefined;
  readonly target?: AnyModelClass;
  readonly ctField?: Field;
  readonly idField?: Field;
  /** The related model's GenericForeignKey over the same two fields. */
  readonly gfk?: string;
}

function describe(obj: unknown): string {
  if (obj === null || obj === undefined) return String(obj);
  if (typeof obj === 'object') return `<${(obj as object).constructor.name}: ${String(obj)}>`;
  return JSON.stringify(obj) ?? String(obj);
}

function splitOptions<O extends object>(args: unknown[]): [unknown[], O] {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && !(STATE in last) && !Array.isArray(last)) return [args.slice(0, -1), last as O];
  return [args, {} as O];
}

export class GenericRelatedObjectManager<M = unknown> extends RelatedManager<M> {
  readonly #info: GenericRelationInfo;

  constructor(instance: object, info: GenericRelationInfo) {
    super(instance, info.field, info.target!);
    this.#info = info;
  }

  get #ctField(): Field {
    return this.#info.ctField!;
  }

  get #idField(): Field {
    return this.#info.idField!;
  }

  #pk(): unknown {
    const meta = (this.instance.constructor as AnyModelClass)._meta as Options;
    const pk = this.instance[meta.pk.attname];
    if (pk === null || pk === undefined) {
      throw new TypeError(`'${meta.objectName}' instance needs to have a primary key value before this relationship (${this.field.name}) can be used.`);
    }
    return pk;
  }

  /** The database writes go to (Django's router: the instance's). */
  get db(): string {
    return activeSession()?.alias ?? this.instance[STATE].db ?? 'default';
  }

  protected coreFilters(): Record<string, unknown> {
    const restriction = contentTypeSubquery(restrictionMeta(this.instance.constructor as AnyModelClass, this.#info.forConcreteModel));
    return { [this.#ctField.name]: new RawSQL(restriction), [this.#idField.name]: this.#pk() };
  }

  /** The content type of the instance's model (cached: usually no query). */
  contentType(): Promise<ContentType> {
    return ContentType.objects.dbManager(this.db).getForModel(this.instance.constructor, { forConcreteModel: this.#info.forConcreteModel });
  }

  /** Runs a write that uses `ct`'s id; a foreign-key failure on it means the cached entry was stale. */
  async #write<T>(ct: ContentType, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isMissingContentType(error)) await evictContentType(this.db, ct.id);
      throw error;
    }
  }

  #values(ct: ContentType): Record<string, unknown> {
    return { [this.#ctField.name]: ct, [this.#idField.name]: this.#pk() };
  }

  /** Points `obj` at the instance (both columns) and caches the instance as its generic foreign key's value. */
  #attach(obj: Instance, ct: ContentType): void {
    obj[this.#ctField.name] = ct;
    obj[this.#idField.attname] = this.#pk();
    if (this.#info.gfk) cacheTarget(obj, this.#info.gfk, this.instance, ct.id);
  }

  #check(obj: unknown): Instance {
    const target = this.#info.target!._meta.concreteModel as new () => object;
    if (!(obj instanceof target)) throw new TypeError(`'${(this.#info.target!._meta as Options).objectName}' instance expected, got ${describe(obj)}`);
    return obj as Instance;
  }

  override async create(values: Record<string, unknown> = {}): Promise<M> {
    this.forgetPrefetched();
    const ct = await this.contentType();
    const created = await this.#write(ct, () => this.baseQueryset().using(this.db).create({ ...values, ...this.#values(ct) }));
    if (this.#info.gfk) cacheTarget(created as Instance, this.#info.gfk, this.instance, ct.id);
    return created;
  }

  override async getOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    this.forgetPrefetched();
    const ct = await this.contentType();
    const [obj, created] = await this.#write(ct, () => this.baseQueryset().using(this.db).getOrCreate({ ...lookups, ...this.#values(ct) }, options));
    if (this.#info.gfk) cacheTarget(obj as Instance, this.#info.gfk, this.instance, ct.id);
    return [obj, created];
  }

  override async updateOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown>; createDefaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    this.forgetPrefetched();
    const ct = await this.contentType();
    const [obj, created] = await this.#write(ct, () => this.baseQueryset().using(this.db).updateOrCreate({ ...lookups, ...this.#values(ct) }, options));
    if (this.#info.gfk) cacheTarget(obj as Instance, this.#info.gfk, this.instance, ct.id);
    return [obj, created];
  }

  /** Django: `add(*objs, bulk=True)`: one UPDATE of saved objects, or `save()` of each with `bulk: false`. */
  async add(...args: unknown[]): Promise<void> {
    const [objs, options] = splitOptions<{ bulk?: boolean }>(args);
    this.forgetPrefetched();
    const instances = objs.map((o) => this.#check(o));
    const db = this.db;
    if (options.bulk ?? true) {
      for (const obj of instances) {
        if (obj[STATE].adding || (obj[STATE].db !== null && obj[STATE].db !== db)) throw new TypeError(`${String(obj)} instance isn't saved. Use bulk=False or save the object first.`);
      }
      if (instances.length === 0) return;
      const ct = await this.contentType();
      for (const obj of instances) this.#attach(obj, ct);
      const meta = this.#info.target!._meta as Options;
      const pks = instances.map((o) => o[meta.pk.attname]);
      await this.#write(ct, () => new QuerySet(this.#info.target!).using(db).filter({ pk__in: pks }).update(this.#values(ct)));
      return;
    }
    if (instances.length === 0) return;
    const ct = await this.contentType();
    await atomicIfSupported(getConnection(db), async () => {
      for (const obj of instances) {
        this.#attach(obj, ct);
        await (obj as unknown as { save(o: object): Promise<void> }).save({ using: db });
      }
    });
  }

  /** Django's `_clear`: deletes the rows (`delete()` of the QuerySet, or of each object with `bulk: false`). */
  async #clear(qs: QuerySet<M, M>, bulk: boolean): Promise<void> {
    this.forgetPrefetched();
    const db = this.db;
    if (bulk) {
      await qs.using(db).delete();
      return;
    }
    await atomicIfSupported(getConnection(db), async () => {
      for (const obj of (await qs.using(db)) as unknown as Array<{ delete(): Promise<unknown> }>) await obj.delete();
    });
  }

  /** Django: `remove(*objs, bulk=True)`: deletes those related rows. */
  async remove(...args: unknown[]): Promise<void> {
    const [objs, options] = splitOptions<{ bulk?: boolean }>(args);
    const instances = objs.map((o) => this.#check(o));
    if (instances.length === 0) return;
    const meta = this.#info.target!._meta as Options;
    await this.#clear(this.baseQueryset().filter(this.coreFilters()).filter({ pk__in: instances.map((o) => o[meta.pk.attname]) } as never), options.bulk ?? true);
  }

  /** Django: `clear(bulk=True)`: deletes every related row. */
  async clear(options: { bulk?: boolean } = {}): Promise<void> {
    await this.#clear(this.baseQueryset().filter(this.coreFilters()), options.bulk ?? true);
  }

  /** Django: `set(objs, bulk=True, clear=False)`. A QuerySet is evaluated first. */
  async set(objs: Iterable<unknown> | PromiseLike<unknown[]>, options: { bulk?: boolean; clear?: boolean } = {}): Promise<void> {
    const list = isQuerySetLike(objs) || !(Symbol.iterator in (objs as object)) ? [...((await objs) as unknown[])] : [...(objs as Iterable<unknown>)];
    const instances = list.map((o) => this.#check(o));
    const meta = this.#info.target!._meta as Options;
    await atomicIfSupported(getConnection(this.db), async () => {
      if (options.clear) {
        await this.clear({ bulk: options.bulk });
        await this.add(...instances, { bulk: options.bulk });
        return;
      }
      const old = new Map(((await this.baseQueryset().filter(this.coreFilters()).orderBy()) as Instance[]).map((o) => [String(o[meta.pk.attname]), o]));
      const added: Instance[] = [];
      for (const obj of instances) {
        if (old.delete(String(obj[meta.pk.attname]))) continue;
        added.push(obj);
      }
      if (old.size > 0) await this.remove(...old.values());
      await this.add(...added, { bulk: options.bulk });
    });
  }
}
