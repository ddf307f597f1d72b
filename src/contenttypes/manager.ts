/**
 * `ContentType.objects`: Django's `ContentTypeManager`, with the content-type cache in three
 * tiers (see `cache.ts`): the isolate's memory (per manager and database alias, by id and natural
 * key), the configured edge backend, then the database (`get`, then `getOrCreate`, as Django).
 *
 * ```ts
 * const ct = await ContentType.objects.getForModel(Article);              // get_for_model(Article)
 * const map = await ContentType.objects.getForModels(Article, Reporter);  // {Article: ct, Reporter: ct}
 * await ContentType.objects.getForId(ct.id);                              // get_for_id(ct.id)
 * await ContentType.objects.getByNaturalKey('news', 'article');           // get_by_natural_key('news', 'article')
 * ContentType.objects.clearCache();                                       // clear_cache(): tier 1 only
 * ```
 */
import { ObjectDoesNotExist } from '../core/errors.js';
import { activeSession } from '../core/ports.js';
import { getConnection, hasConnection } from '../db/connect.js';
import { onCommit } from '../db/transaction.js';
import type { AnyModelClass } from '../models/field.js';
import { isModelClass, isModelInstance } from '../models/model.js';
import type { Options } from '../models/options.js';
import { apps } from '../models/registry.js';
import { Q, type QNode } from '../query/expressions.js';
import { Manager } from '../query/manager.js';
import { type ContentTypeRow, edgeById, edgeByNaturalKey, edgeStore, LocalCache, localCaches, requireInteger } from './cache.js';
import type { ContentType } from './models.js';

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  return `${value === null ? 'null' : typeof value} (${JSON.stringify(value) ?? String(value)})`;
}

/** The `_meta` a lookup is keyed by: of a model class, an instance, or an `'app_label.ModelName'` label. */
export function optionsFor(model: unknown, forConcreteModel: boolean, method: string): Options {
  let cls: AnyModelClass;
  if (isModelClass(model)) cls = model;
  else if (isModelInstance(model)) cls = (model as object).constructor;
  else if (typeof model === 'string') cls = apps.getModel(model); // LookupError naming the app or the model
  else throw new TypeError(`${method}() takes a model class, a model instance or an 'app_label.ModelName' label, not ${describe(model)}.`);
  const meta = cls._meta as Options;
  return forConcreteModel ? (meta.concreteModel._meta as Options) : meta;
}

function checkOptions(options: unknown, allowed: readonly string[], method: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${method}() options must be an object, not ${describe(options)}.`);
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new TypeError(`${method}() got unexpected option(s): ${unknown.join(', ')}. Valid options: ${allowed.join(', ')}.`);
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`getByNaturalKey() expects ${what} as a string, not ${describe(value)}.`);
  return value;
}

export class ContentTypeManager extends Manager<ContentType> {
  #local: LocalCache<ContentType> | undefined;
  #using: string | undefined;
  /** `dbManager()` copies by alias, shared by every copy (one per alias, made once). */
  #copies: Map<string, ContentTypeManager> | undefined;

  /** Tier 1: created on first use, shared with the `dbManager()` copies (Django's `_cache`). */
  get #cache(): LocalCache<ContentType> {
    if (!this.#local) {
      this.#local = new LocalCache<ContentType>();
      localCaches.add(this.#local as LocalCache);
    }
    return this.#local;
  }

  /** Django's `manager.db`: the alias lookups run on (and are cached for). */
  get db(): string {
    return this.#using ?? activeSession()?.alias ?? 'default';
  }

  /** Django's `db_manager(using)`: the same manager (and cache) on another database. */
  dbManager(using: string | null | undefined): ContentTypeManager {
    if (!using || using === this.#using) return this;
    const copies = (this.#copies ??= new Map());
    let copy = copies.get(using);
    if (!copy || copy.model !== this.model) {
      copy = new (this.constructor as new () => ContentTypeManager)();
      copy.contributeToClass(this.model, this.name ?? 'objects');
      copy.#local = this.#cache;
      copy.#using = using;
      copy.#copies = copies;
      copies.set(using, copy);
    }
    return copy;
  }

  override getQueryset() {
    const qs = super.getQueryset();
    return this.#using ? qs.using(this.#using) : qs;
  }

  #fromRow(row: ContentTypeRow, alias: string): ContentType {
    return (this.model as { fromDb(values: Record<string, unknown>, alias: string): ContentType }).fromDb({ id: row.id, appLabel: row.appLabel, model: row.model }, alias);
  }

  /** Tier 2 gets rows read from the database; inside a transaction only once it commits. */
  async #publish(alias: string, cts: readonly ContentType[]): Promise<void> {
    if (cts.length === 0) return;
    const rows = cts.map((ct) => ({ id: ct.id, appLabel: ct.appLabel, model: ct.model }));
    if (hasConnection(alias) && getConnection(alias).inAtomicBlock) {
      onCommit(() => edgeStore(alias, rows), { using: alias, robust: true });
      return;
    }
    await edgeStore(alias, rows);
  }

  /**
   * Django: `get_for_model(model, for_concrete_model=True)`. A proxy answers its concrete
   * model's content type unless `forConcreteModel: false`. Creates the row when it is missing.
   */
  async getForModel(model: unknown, options: { forConcreteModel?: boolean } = {}): Promise<ContentType> {
    checkOptions(options, ['forConcreteModel'], 'getForModel');
    const meta = optionsFor(model, options.forConcreteModel ?? true, 'getForModel');
    const alias = this.db;
    const cache = this.#cache;
    const hit = cache.byKey(alias, meta.appLabel, meta.modelName);
    if (hit) return hit;
    const row = await edgeByNaturalKey(alias, meta.appLabel, meta.modelName);
    if (row) {
      const ct = this.#fromRow(row, alias);
      cache.add(alias, ct);
      return ct;
    }
    const lookups = { appLabel: meta.appLabel, model: meta.modelName };
    const qs = this.getQueryset();
    let ct: ContentType;
    try {
      ct = await qs.get(lookups); // get() first, getOrCreate() only when missing (Django, #20401)
    } catch (error) {
      if (!(error instanceof ObjectDoesNotExist)) throw error;
      [ct] = await qs.getOrCreate(lookups);
    }
    cache.add(alias, ct);
    await this.#publish(alias, [ct]);
    return ct;
  }

  /**
   * Django: `get_for_models(*models, for_concrete_models=True)` → a `Map` of model → content
   * type: one SELECT for every model missing from the caches, then one INSERT per missing row.
   */
  async getForModels(...args: unknown[]): Promise<Map<AnyModelClass, ContentType>> {
    const last = args[args.length - 1];
    let options: { forConcreteModels?: boolean } = {};
    if (last !== null && typeof last === 'object' && !isModelInstance(last)) {
      options = args.pop() as typeof options;
      checkOptions(options, ['forConcreteModels'], 'getForModels');
    }
    const forConcrete = options.forConcreteModels ?? true;
    const alias = this.db;
    const cache = this.#cache;
    const results = new Map<AnyModelClass, ContentType>();
    const needed = new Map<string, { appLabel: string; model: string; models: AnyModelClass[] }>();
    const order: AnyModelClass[] = [];
    for (const given of args) {
      const meta = optionsFor(given, forConcrete, 'getForModels');
      const cls = isModelInstance(given) ? (given.constructor as AnyModelClass) : isModelClass(given) ? given : (meta.model as AnyModelClass);
      order.push(cls);
      const hit = cache.byKey(alias, meta.appLabel, meta.modelName);
      if (hit) {
        results.set(cls, hit);
        continue;
      }
      const key = LocalCache.key(meta.appLabel, meta.modelName);
      const entry = needed.get(key) ?? { appLabel: meta.appLabel, model: meta.modelName, models: [] };
      entry.models.push(cls);
      needed.set(key, entry);
    }
    const found = (key: string, ct: ContentType) => {
      for (const cls of needed.get(key)!.models) results.set(cls, ct);
      cache.add(alias, ct);
      needed.delete(key);
    };
    if (needed.size > 0) {
      const rows = await Promise.all([...needed.entries()].map(async ([key, e]) => [key, await edgeByNaturalKey(alias, e.appLabel, e.model)] as const));
      for (const [key, row] of rows) if (row) found(key, this.#fromRow(row, alias));
    }
    const loaded: ContentType[] = [];
    if (needed.size > 0) {
      const byApp = new Map<string, string[]>();
      for (const e of needed.values()) byApp.set(e.appLabel, [...(byApp.get(e.appLabel) ?? []), e.model]);
      const condition = [...byApp.entries()].map(([appLabel, models]) => Q({ appLabel, model__in: models })).reduce((a: QNode, b: QNode) => a.or(b));
      for (const ct of await this.getQueryset().filter(condition)) {
        const key = LocalCache.key(ct.appLabel, ct.model);
        if (!needed.has(key)) continue;
        found(key, ct);
        loaded.push(ct);
      }
      for (const [key, e] of [...needed.entries()]) {
        const ct = await this.getQueryset().create({ appLabel: e.appLabel, model: e.model });
        found(key, ct);
        loaded.push(ct);
      }
    }
    await this.#publish(alias, loaded);
    return new Map([...results.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((cls) => [cls, results.get(cls)!]));
  }

  /** Django: `get_for_id(id)`. An unknown id throws `ContentType.DoesNotExist` (and caches nothing). */
  async getForId(id: unknown): Promise<ContentType> {
    const key = requireInteger(id, 'id');
    const alias = this.db;
    const cache = this.#cache;
    const hit = cache.byId(alias, key);
    if (hit) return hit;
    const row = await edgeById(alias, key);
    if (row) {
      const ct = this.#fromRow(row, alias);
      cache.add(alias, ct);
      return ct;
    }
    const ct = await this.getQueryset().get({ pk: key });
    cache.add(alias, ct);
    await this.#publish(alias, [ct]);
    return ct;
  }

  /** Several ids at once (generic prefetch): the caches first, then one SELECT for the rest. Unknown ids are left out. */
  async getForIds(ids: Iterable<unknown>): Promise<Map<number, ContentType>> {
    const alias = this.db;
    const cache = this.#cache;
    const results = new Map<number, ContentType>();
    const missing: number[] = [];
    for (const id of new Set([...ids].map((v) => requireInteger(v, 'id')))) {
      const hit = cache.byId(alias, id);
      if (hit) results.set(id, hit);
      else missing.push(id);
    }
    const edgeRows = await Promise.all(missing.map((id) => edgeById(alias, id)));
    const rest: number[] = [];
    missing.forEach((id, i) => {
      const row = edgeRows[i];
      if (!row) return void rest.push(id);
      const ct = this.#fromRow(row, alias);
      cache.add(alias, ct);
      results.set(id, ct);
    });
    if (rest.length > 0) {
      const loaded = await this.getQueryset().filter({ pk__in: rest }).orderBy();
      for (const ct of loaded) {
        cache.add(alias, ct);
        results.set(ct.id, ct);
      }
      await this.#publish(alias, loaded);
    }
    return results;
  }

  /** Django: `get_by_natural_key(app_label, model)`. */
  async getByNaturalKey(appLabel: string, model: string): Promise<ContentType> {
    requireString(appLabel, 'the app label');
    requireString(model, 'the model name');
    const alias = this.db;
    const cache = this.#cache;
    const hit = cache.byKey(alias, appLabel, model);
    if (hit) return hit;
    const row = await edgeByNaturalKey(alias, appLabel, model);
    if (row) {
      const ct = this.#fromRow(row, alias);
      cache.add(alias, ct);
      return ct;
    }
    const ct = await this.getQueryset().get({ appLabel, model });
    cache.add(alias, ct);
    await this.#publish(alias, [ct]);
    return ct;
  }

  /** Django: `clear_cache()`. Forgets tier 1 (this isolate's memory) only; the edge cache keeps its entries. */
  clearCache(): void {
    this.#local?.clear();
  }

  /** Tier 1 only, synchronously (a generic foreign key's setter and getter): `undefined` when not cached. */
  cachedForModel(model: unknown, forConcreteModel = true): ContentType | undefined {
    const meta = optionsFor(model, forConcreteModel, 'cachedForModel');
    return this.#local?.byKey(this.db, meta.appLabel, meta.modelName);
  }

  /** Tier 1 only, synchronously: `undefined` when not cached. */
  cachedForId(id: unknown): ContentType | undefined {
    return this.#local?.byId(this.db, requireInteger(id, 'id'));
  }
}
