/**
 * Related managers: `reporter.articles` (reverse foreign key) and `article.publications`
 * (many-to-many, either side). Managers plus Django's `add`, `remove`, `clear`, `set`, `create`,
 * `getOrCreate`, `updateOrCreate`; many-to-many changes send `m2mChanged` with Django's `pkSet`.
 *
 * ```ts
 * await article.publications.add(p1, p2, { throughDefaults: { since: now } }); // add(p1, p2, through_defaults=…)
 * await reporter.articles.set([a1, a2], { bulk: false });
 * ```
 */
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import { activeSession } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import { coerceValue } from '../models/coerce.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE, type HasState } from '../models/state.js';
import { m2mChanged } from '../signals/builtins.js';
import { runOps } from './collector.js';
import { Manager } from './manager.js';
import type { QuerySet } from './queryset.js';

type Instance = HasState & Record<string, unknown>;

function requirePk(instance: Instance, relation: string): unknown {
  const meta = (instance.constructor as AnyModelClass)._meta as Options;
  const pk = instance[meta.pk.attname];
  if (pk === null || pk === undefined) {
    throw new TypeError(`'${meta.objectName}' instance needs to have a primary key value before this relationship (${relation}) can be used.`);
  }
  return pk;
}

function splitOptions<O extends object>(args: unknown[]): [unknown[], O] {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && !(STATE in last) && !Array.isArray(last)) return [args.slice(0, -1), last as O];
  return [args, {} as O];
}

/** Common base: a Manager whose QuerySets are limited to one instance's related rows. */
// Covariant like Manager, so `declare friends: RelatedManager<Person>` narrows a 'self' relation.
// @ts-expect-error TS2636: variance declared, see QuerySet
export abstract class RelatedManager<out M = unknown> extends Manager<M> {
  readonly instance: Instance;
  readonly field: Field;

  constructor(instance: object, field: Field, model: AnyModelClass) {
    super();
    this.instance = instance as Instance;
    this.field = field;
    const defaultManager = model._meta.model.objects as Manager;
    this.querysetClass = (defaultManager as unknown as { querysetClass: never }).querysetClass;
    this.contributeToClass(model, field.accessorName);
    this.baseManager = defaultManager;
  }

  protected baseManager: Manager;

  /** The related rows' QuerySet without this manager's restriction (the related model's default manager). */
  protected baseQueryset(): QuerySet<M, M> {
    const qs = this.baseManager.getQueryset() as QuerySet<M, M>;
    // Django's router: related rows live on the instance's database
    const db = this.instance[STATE].db;
    return db && !activeSession() ? qs.using(db) : qs;
  }

  protected abstract coreFilters(): Record<string, unknown>;

  override getQueryset(): QuerySet<M, M> {
    const prefetched = this.instance[STATE].prefetched?.get(this.field.accessorName);
    const qs = this.baseQueryset().filter(this.coreFilters());
    return prefetched ? qs.setResultCache(prefetched as M[]) : qs;
  }

  protected forgetPrefetched(): void {
    this.instance[STATE].prefetched?.delete(this.field.accessorName);
  }

  abstract add(...args: unknown[]): Promise<void>;
  abstract remove(...args: unknown[]): Promise<void>;
  abstract clear(options?: { bulk?: boolean }): Promise<void>;
  abstract set(objs: Iterable<unknown>, options?: { bulk?: boolean; clear?: boolean; throughDefaults?: Record<string, unknown> }): Promise<void>;
}

/** `reporter.articleSet`: the reverse side of a foreign key. */
export class ReverseManyToOneManager<M = unknown> extends RelatedManager<M> {
  readonly remote: Field;

  constructor(instance: object, field: Field) {
    super(instance, field, field.relatedModel);
    this.remote = field.remoteField!;
  }

  protected coreFilters(): Record<string, unknown> {
    requirePk(this.instance, this.field.accessorName);
    return { [this.remote.name]: this.instance[this.remote.targetField!.attname] };
  }

  #check(obj: unknown): Instance {
    const model = this.remote.model as AnyModelClass;
    if (!(obj instanceof (model._meta.concreteModel as new () => object))) {
      throw new TypeError(`'${model._meta.objectName}' instance expected, got ${obj === null ? 'null' : typeof obj === 'object' ? (obj as object).constructor.name : JSON.stringify(obj)}`);
    }
    return obj as Instance;
  }

  override async create(values: Record<string, unknown> = {}): Promise<M> {
    this.forgetPrefetched();
    return this.baseQueryset().create({ ...values, [this.remote.name]: this.instance });
  }

  override async getOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    this.forgetPrefetched();
    return this.baseQueryset().getOrCreate({ ...lookups, [this.remote.name]: this.instance }, options);
  }

  override async updateOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown>; createDefaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    this.forgetPrefetched();
    return this.baseQueryset().updateOrCreate({ ...lookups, [this.remote.name]: this.instance }, options);
  }

  /** Django: `add(*objs, bulk=True)`. */
  async add(...args: unknown[]): Promise<void> {
    const [objs, options] = splitOptions<{ bulk?: boolean }>(args);
    requirePk(this.instance, this.field.accessorName);
    this.forgetPrefetched();
    const value = this.instance[this.remote.targetField!.attname];
    const instances = objs.map((o) => this.#check(o));
    if (options.bulk ?? true) {
      const meta = (this.remote.model as AnyModelClass)._meta as Options;
      for (const obj of instances) {
        if (obj[STATE].adding) throw new TypeError(`${String(obj)} instance isn't saved. Use bulk=False or save the object first.`);
      }
      if (instances.length === 0) return;
      const ids = instances.map((o) => coerceValue(meta.pk, o[meta.pk.attname]));
      await this.baseQueryset().filter({ pk__in: ids } as Record<string, unknown>).update({ [this.remote.name]: value });
      for (const obj of instances) obj[this.remote.attname] = value;
    } else {
      for (const obj of instances) {
        obj[this.remote.attname] = value;
        await (obj as unknown as { save(): Promise<void> }).save();
      }
    }
  }

  #requireNullable(method: string): void {
    if (!this.remote.null) {
      throw new TypeError(`'RelatedManager' object has no attribute '${method}': ${this.remote.model._meta.objectName}.${this.remote.name} is not nullable, so related objects cannot be ${method === 'clear' ? 'cleared' : 'removed'}.`);
    }
  }

  /** Django: `remove(*objs, bulk=True)` (nullable foreign keys only). */
  async remove(...args: unknown[]): Promise<void> {
    this.#requireNullable('remove');
    const [objs, options] = splitOptions<{ bulk?: boolean }>(args);
    this.forgetPrefetched();
    const value = this.instance[this.remote.targetField!.attname];
    const instances = objs.map((o) => this.#check(o));
    for (const obj of instances) {
      if (obj[this.remote.attname] !== value) {
        const Related = this.remote.model as AnyModelClass;
        throw new Related.DoesNotExist(`${String(obj)} is not related to ${String(this.instance)}.`);
      }
    }
    if (instances.length === 0) return;
    if (options.bulk ?? true) {
      const meta = (this.remote.model as AnyModelClass)._meta as Options;
      await this.baseQueryset().filter({ pk__in: instances.map((o) => o[meta.pk.attname]) } as Record<string, unknown>).update({ [this.remote.name]: null });
      for (const obj of instances) obj[this.remote.attname] = null;
    } else {
      for (const obj of instances) {
        obj[this.remote.attname] = null;
        await (obj as unknown as { save(o: object): Promise<void> }).save({ updateFields: [this.remote.name] });
      }
    }
  }

  /** Django: `clear(bulk=True)` (nullable foreign keys only). */
  async clear(options: { bulk?: boolean } = {}): Promise<void> {
    this.#requireNullable('clear');
    this.forgetPrefetched();
    if (options.bulk ?? true) {
      await this.baseQueryset().filter(this.coreFilters()).update({ [this.remote.name]: null });
      return;
    }
    for (const obj of (await this.baseQueryset().filter(this.coreFilters())) as Instance[]) {
      obj[this.remote.attname] = null;
      await (obj as unknown as { save(o: object): Promise<void> }).save({ updateFields: [this.remote.name] });
    }
  }

  /** Django: `set(objs, bulk=True, clear=False)`. */
  async set(objs: Iterable<unknown>, options: { bulk?: boolean; clear?: boolean } = {}): Promise<void> {
    const list = [...objs].map((o) => this.#check(o));
    if (options.clear) {
      await this.clear({ bulk: options.bulk });
      await this.add(...list, { bulk: options.bulk });
      return;
    }
    const meta = (this.remote.model as AnyModelClass)._meta as Options;
    const old = new Map(((await this.baseQueryset().filter(this.coreFilters()).orderBy()) as Instance[]).map((o) => [o[meta.pk.attname], o]));
    const added: Instance[] = [];
    for (const obj of list) {
      if (old.has(obj[meta.pk.attname])) old.delete(obj[meta.pk.attname]);
      else added.push(obj);
    }
    if (old.size > 0) {
      if (this.remote.null) await this.remove(...old.values(), { bulk: options.bulk });
    }
    await this.add(...added, { bulk: options.bulk });
  }
}

/** `article.publications` / `publication.articleSet`: either side of a many-to-many. */
export class ManyRelatedManager<M = unknown> extends RelatedManager<M> {
  readonly forward: Field;
  readonly isReverse: boolean;
  readonly through: AnyModelClass;
  readonly sourceFk: Field;
  readonly targetFk: Field;
  readonly symmetrical: boolean;

  constructor(instance: object, field: Field) {
    const forward = field.kind === 'manyToMany' ? field : field.remoteField!;
    const reverse = field.kind !== 'manyToMany';
    super(instance, field, reverse ? forward.model : forward.relatedModel);
    this.forward = forward;
    this.isReverse = reverse;
    this.through = forward.through;
    const throughMeta = this.through._meta as Options;
    const [source, target] = forward.throughFields!;
    this.sourceFk = throughMeta.getField(reverse ? target : source);
    this.targetFk = throughMeta.getField(reverse ? source : target);
    this.symmetrical = forward.symmetrical && !reverse;
  }

  protected coreFilters(): Record<string, unknown> {
    requirePk(this.instance, this.field.accessorName);
    const name = this.isReverse ? this.forward.name : this.forward.remoteField!.name;
    return { [name]: this.instance[this.sourceFk.targetField!.attname] };
  }

  #sourceValue(): unknown {
    requirePk(this.instance, this.field.accessorName);
    return coerceValue(this.sourceFk, this.instance[this.sourceFk.targetField!.attname]);
  }

  #targetValue(obj: unknown): unknown {
    const Related = this.model;
    if (obj !== null && typeof obj === 'object' && STATE in obj) {
      if (!(obj instanceof (Related._meta.concreteModel as new () => object))) {
        throw new TypeError(`'${Related._meta.objectName}' instance expected, got ${(obj as object).constructor.name}`);
      }
      const value = (obj as Instance)[this.targetFk.targetField!.attname];
      if (value === null || value === undefined) throw new TypeError(`Cannot add "${String(obj)}": the value for field "${this.targetFk.targetField!.name}" is null`);
      return coerceValue(this.targetFk, value);
    }
    return coerceValue(this.targetFk, obj);
  }

  #send(action: 'pre_add' | 'post_add' | 'pre_remove' | 'post_remove' | 'pre_clear' | 'post_clear', pkSet: Set<unknown> | null, using: string): Promise<unknown> | undefined {
    if (!m2mChanged.hasListeners(this.through)) return undefined;
    return m2mChanged.send(this.through, { instance: this.instance, action, reverse: this.isReverse, model: this.model, pkSet, using });
  }

  async #insert(source: Field, target: Field, sourceValue: unknown, targetIds: unknown[], throughDefaults: Record<string, unknown>, ignoreConflicts: boolean): Promise<void> {
    if (targetIds.length === 0) return;
    const Through = this.through as new (v: Record<string, unknown>) => object;
    const rows = targetIds.map((id) => new Through({ ...resolveDefaults(throughDefaults), [source.attname]: sourceValue, [target.attname]: id }));
    await (this.through.objects as Manager).using(this.db).bulkCreate(rows, { ignoreConflicts });
  }

  get db(): string {
    return activeSession()?.alias ?? this.instance[STATE].db ?? 'default';
  }

  /** Django: `add(*objs, through_defaults=None)`. */
  async add(...args: unknown[]): Promise<void> {
    const [objs, options] = splitOptions<{ throughDefaults?: Record<string, unknown> }>(args);
    const source = this.#sourceValue();
    this.forgetPrefetched();
    const ids = [...new Set(objs.map((o) => this.#targetValue(o)))];
    if (ids.length === 0) return;
    const using = this.db;
    const throughMeta = this.through._meta as Options;
    const autoCreated = throughMeta.autoCreated;
    const listening = m2mChanged.hasListeners(this.through);
    if (autoCreated && !listening && !this.symmetrical) {
      await this.#insert(this.sourceFk, this.targetFk, source, ids, options.throughDefaults ?? {}, true);
      return;
    }
    const existing = new Set(
      (await (this.through.objects as Manager).using(using).filter({ [this.sourceFk.attname]: source, [`${this.targetFk.attname}__in`]: ids }).valuesList(this.targetFk.attname, { flat: true })) as unknown[],
    );
    const missing = ids.filter((id) => !existing.has(id));
    await this.#send('pre_add', new Set(missing), using);
    await this.#insert(this.sourceFk, this.targetFk, source, missing, options.throughDefaults ?? {}, autoCreated);
    if (this.symmetrical) {
      const reverseExisting = new Set(
        (await (this.through.objects as Manager).using(using).filter({ [this.targetFk.attname]: source, [`${this.sourceFk.attname}__in`]: ids }).valuesList(this.sourceFk.attname, { flat: true })) as unknown[],
      );
      const reverseMissing = ids.filter((id) => !reverseExisting.has(id) && id !== source);
      await this.#insert(this.targetFk, this.sourceFk, source, reverseMissing, options.throughDefaults ?? {}, autoCreated);
    }
    await this.#send('post_add', new Set(missing), using);
  }

  #rowsFor(ids: unknown[] | null): SQL {
    const source = this.#sourceValue();
    const s = this.sourceFk.drizzleColumn!;
    const t = this.targetFk.drizzleColumn!;
    const forward = ids ? and(eq(s, source), inArray(t, ids))! : eq(s, source);
    if (!this.symmetrical) return forward;
    const backward = ids ? and(eq(t, source), inArray(s, ids))! : eq(t, source);
    return or(forward, backward)!;
  }

  /** Django: `remove(*objs)`. */
  async remove(...args: unknown[]): Promise<void> {
    const [objs] = splitOptions<object>(args);
    this.forgetPrefetched();
    const ids = [...new Set(objs.map((o) => this.#targetValue(o)))];
    if (ids.length === 0) return;
    const using = this.db;
    await this.#send('pre_remove', new Set(ids), using);
    const table = (this.through._meta as Options).table;
    const where = this.#rowsFor(ids);
    await runOps(getConnection(using), [(db) => db.delete(table).where(where)]);
    await this.#send('post_remove', new Set(ids), using);
  }

  /** Django: `clear()`. */
  async clear(): Promise<void> {
    this.forgetPrefetched();
    const using = this.db;
    await this.#send('pre_clear', null, using);
    const table = (this.through._meta as Options).table;
    const where = this.#rowsFor(null);
    await runOps(getConnection(using), [(db) => db.delete(table).where(where)]);
    await this.#send('post_clear', null, using);
  }

  /** Django: `set(objs, clear=False, through_defaults=None)`. */
  async set(objs: Iterable<unknown>, options: { clear?: boolean; throughDefaults?: Record<string, unknown> } = {}): Promise<void> {
    const list = [...objs];
    if (options.clear) {
      await this.clear();
      await this.add(...list, { throughDefaults: options.throughDefaults });
      return;
    }
    const source = this.#sourceValue();
    const old = new Set(
      (await (this.through.objects as Manager).using(this.db).filter({ [this.sourceFk.attname]: source }).valuesList(this.targetFk.attname, { flat: true })) as unknown[],
    );
    const added: unknown[] = [];
    for (const obj of list) {
      const id = this.#targetValue(obj);
      if (old.has(id)) old.delete(id);
      else added.push(obj);
    }
    await this.remove(...old);
    await this.add(...added, { throughDefaults: options.throughDefaults });
  }

  /** Django: `create(through_defaults=None, **kwargs)`. */
  override async create(values: Record<string, unknown> = {}, options: { throughDefaults?: Record<string, unknown> } = {}): Promise<M> {
    const created = await this.baseQueryset().create(values);
    await this.add(created, { throughDefaults: options.throughDefaults ?? {} });
    return created;
  }

  override async getOrCreate(lookups: Record<string, unknown> = {}, options: { defaults?: Record<string, unknown>; throughDefaults?: Record<string, unknown> } = {}): Promise<[M, boolean]> {
    const [obj, created] = await this.baseQueryset().getOrCreate(lookups, options);
    if (created) await this.add(obj, { throughDefaults: options.throughDefaults ?? {} });
    return [obj, created];
  }

  override async updateOrCreate(
    lookups: Record<string, unknown> = {},
    options: { defaults?: Record<string, unknown>; createDefaults?: Record<string, unknown>; throughDefaults?: Record<string, unknown> } = {},
  ): Promise<[M, boolean]> {
    const [obj, created] = await this.baseQueryset().updateOrCreate(lookups, options);
    if (created) await this.add(obj, { throughDefaults: options.throughDefaults ?? {} });
    return [obj, created];
  }
}

function resolveDefaults(defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) out[key] = typeof value === 'function' ? (value as () => unknown)() : value;
  return out;
}

/** The related manager for `instance.<field.accessorName>`. */
export function relatedManagerFor(instance: object, field: Field): RelatedManager {
  return field.manyToMany ? new ManyRelatedManager(instance, field) : new ReverseManyToOneManager(instance, field);
}
