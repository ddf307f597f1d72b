/**
 * Django's deletion `Collector`: follows `onDelete` handlers from the objects being deleted,
 * refuses with `ProtectedError` / `RestrictedError`, nulls or sets foreign keys, sends
 * `preDelete` (ascending pk) and `postDelete` (descending pk) per object, deletes children
 * before parents, and answers `[total, { 'app.Model': n }]`.
 *
 * When nothing listens for delete signals and the cascade needs no per-object work, nothing is
 * loaded: `Book.objects.filter(…).delete()` is `DELETE … WHERE …` (children first, by subquery).
 */
import { inArray, type SQL, sql } from 'drizzle-orm';
import { ProtectedError, RestrictedError } from '../core/errors.js';
import { activeSession } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import type { Connection } from '../db/connection.js';
import type { AnyDrizzle } from '../db/driver.js';
import { atomic } from '../db/transaction.js';
import { coerceValue } from '../models/coerce.js';
import { requireTransactionsForDurable } from '../models/instance-methods.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE, type HasState } from '../models/state.js';
import { postDelete, preDelete } from '../signals/builtins.js';
import { batches } from './batching.js';
import { NOTHING } from './lookups.js';
import type { QuerySet } from './queryset.js';
import { affectedRows, writeCondition } from './write.js';

type Instance = HasState & Record<string, unknown>;
type AnyQuerySet = QuerySet<unknown, unknown>;
type Op = (db: AnyDrizzle) => PromiseLike<unknown>;

const metaOf = (model: AnyModelClass): Options => model._meta as Options;

function hasDeleteListeners(model: AnyModelClass): boolean {
  return preDelete.hasListeners(model) || postDelete.hasListeners(model);
}

/** Reverse foreign keys / one-to-ones pointing at `meta` (Django's `get_candidate_relations_to_delete`). */
function candidateRelations(meta: Options): Field[] {
  return meta.getFields({ includeHidden: true }).filter((f) => (f.kind === 'reverseForeignKey' || f.kind === 'reverseOneToOne') && f.remoteField);
}

/** Private fields whose related rows go with the object (Django: `bulk_related_objects`, a GenericRelation). */
function privateCascades(meta: Options): Field[] {
  return meta.privateFields.filter((f) => f.hooks?.bulkRelatedObjects);
}

/** Whether rows of `model` can be deleted by query alone (no signals, nothing to follow). */
function canFastDelete(model: AnyModelClass, fromField?: Field): boolean {
  if (fromField && fromField.onDelete?.name !== 'CASCADE') return false;
  if (hasDeleteListeners(model)) return false;
  if (privateCascades(metaOf(model)).length > 0) return false;
  return candidateRelations(metaOf(model)).every((rel) => rel.remoteField!.onDelete?.name === 'DO_NOTHING');
}

const affected = affectedRows;

interface FieldUpdate {
  readonly field: Field;
  readonly value: unknown;
  readonly instances: Instance[];
}

class Collector {
  /** Concrete model → pk → instance, in collection order. */
  readonly data = new Map<AnyModelClass, Map<unknown, Instance>>();
  readonly fastDeletes: Array<{ model: AnyModelClass; where: SQL }> = [];
  readonly fieldUpdates: FieldUpdate[] = [];
  readonly dependencies = new Map<AnyModelClass, Set<AnyModelClass>>();
  readonly restricted = new Map<Field, Instance[]>();

  constructor(readonly connection: Connection, readonly origin: unknown) {}

  #add(objs: Instance[], source: AnyModelClass | undefined, nullable: boolean, reverseDependency = false): Instance[] {
    if (objs.length === 0) return [];
    const model = metaOf(objs[0]!.constructor as AnyModelClass).concreteModel;
    let bucket = this.data.get(model);
    if (!bucket) this.data.set(model, (bucket = new Map()));
    const added: Instance[] = [];
    const pkName = metaOf(model).pk.attname;
    for (const obj of objs) {
      if (bucket.has(obj[pkName])) continue;
      bucket.set(obj[pkName], obj);
      added.push(obj);
    }
    if (source && !nullable) this.#dependency(source, model, reverseDependency);
    return added;
  }

  #dependency(model: AnyModelClass, dependency: AnyModelClass, reverse = false): void {
    const [from, to] = reverse ? [dependency, model] : [model, dependency];
    const key = metaOf(from).concreteModel;
    let set = this.dependencies.get(key);
    if (!set) this.dependencies.set(key, (set = new Set()));
    set.add(metaOf(to).concreteModel);
    if (!this.data.has(metaOf(to).concreteModel)) this.data.set(metaOf(to).concreteModel, new Map());
  }

  async #related(field: Field, objs: Instance[]): Promise<Instance[]> {
    const relatedModel = field.model as AnyModelClass;
    const target = field.targetField!.attname;
    const values = [...new Set(objs.map((o) => o[target]))];
    const manager = relatedModel._meta.concreteModel.objects as { getQueryset(): AnyQuerySet } | undefined;
    const base = (manager?.getQueryset?.() ?? (relatedModel.objects as AnyQuerySet)).using(this.connection.alias).orderBy();
    const found: Instance[] = [];
    for (const batch of batches(values)) found.push(...((await base.filter({ [`${field.attname}__in`]: batch })) as Instance[]));
    return found;
  }

  async collect(objs: Instance[], source?: AnyModelClass, nullable = false, reverseDependency = false): Promise<void> {
    const added = this.#add(objs, source, nullable, reverseDependency);
    if (added.length === 0) return;
    const meta = metaOf(added[0]!.constructor as AnyModelClass);
    const protectedObjects = new Map<string, Instance[]>();
    for (const relation of candidateRelations(metaOf(meta.concreteModel))) {
      const field = relation.remoteField!;
      const handler = field.onDelete;
      if (!handler || handler.name === 'DO_NOTHING') continue;
      const relatedModel = field.model as AnyModelClass;
      if (canFastDelete(relatedModel, field)) {
        const values = added.map((o) => coerceValue(field, o[field.targetField!.attname]));
        for (const batch of batches(values)) this.fastDeletes.push({ model: relatedModel, where: inArray(field.drizzleColumn!, batch) });
        continue;
      }
      const subObjs = await this.#related(field, added);
      if (subObjs.length === 0) continue;
      switch (handler.name) {
        case 'CASCADE':
          await this.collect(subObjs, meta.concreteModel, field.null);
          break;
        case 'PROTECT': {
          const key = `'${metaOf(relatedModel).objectName}.${field.name}'`;
          protectedObjects.set(key, [...(protectedObjects.get(key) ?? []), ...subObjs]);
          break;
        }
        case 'RESTRICT':
          this.restricted.set(field, [...(this.restricted.get(field) ?? []), ...subObjs]);
          this.#dependency(meta.concreteModel, relatedModel);
          break;
        case 'SET_NULL':
          this.fieldUpdates.push({ field, value: null, instances: subObjs });
          break;
        case 'SET_DEFAULT':
          this.fieldUpdates.push({ field, value: field.getDefault(), instances: subObjs });
          break;
        case 'SET':
          this.fieldUpdates.push({ field, value: typeof handler.value === 'function' ? (handler.value as () => unknown)() : handler.value, instances: subObjs });
          break;
      }
    }
    // Django's `private_fields` with `bulk_related_objects` (generic relations): their rows go too
    for (const field of privateCascades(metaOf(meta.concreteModel))) {
      const subObjs = (await field.hooks!.bulkRelatedObjects!(added, this.connection.alias)) as Instance[];
      if (subObjs.length > 0) await this.collect(subObjs, meta.concreteModel, true);
    }
    if (protectedObjects.size > 0) {
      const all = [...protectedObjects.values()].flat();
      throw new ProtectedError(
        `Cannot delete some instances of model '${meta.objectName}' because they are referenced through protected foreign keys: ${[...protectedObjects.keys()].join(', ')}.`,
        all,
      );
    }
  }

  /** RESTRICT allows a row that is also reached through CASCADE; anything else is refused. */
  async checkRestricted(model: AnyModelClass): Promise<void> {
    const remaining = new Map<string, Instance[]>();
    for (const [field, objs] of this.restricted) {
      const meta = metaOf(field.model);
      const bucket = this.data.get(meta.concreteModel);
      const pkName = meta.pk.attname;
      let left = objs.filter((o) => !bucket?.has(o[pkName]));
      // rows that a fast (query-only) cascade deletes are also candidates (Django's clear_restricted_objects_from_queryset)
      for (const fast of this.fastDeletes) {
        if (left.length === 0 || metaOf(fast.model).concreteModel !== meta.concreteModel) continue;
        const ids = left.map((o) => coerceValue(meta.pk, o[pkName]));
        const pkColumn = meta.pk.drizzleColumn!;
        const deleted = new Set<unknown>();
        for (const batch of batches(ids)) {
          const rows = (await this.connection.run((db) => db.select({ pk: pkColumn }).from(meta.table).where(sql`${fast.where} AND ${inArray(pkColumn, batch)}`))) as Array<{ pk: unknown }>;
          for (const row of rows) deleted.add(row.pk);
        }
        left = left.filter((o) => !deleted.has(o[pkName]));
      }
      if (left.length > 0) {
        const key = `'${metaOf(field.model).objectName}.${field.name}'`;
        remaining.set(key, [...(remaining.get(key) ?? []), ...left]);
      }
    }
    if (remaining.size > 0) {
      throw new RestrictedError(
        `Cannot delete some instances of model '${metaOf(model).objectName}' because they are referenced through restricted foreign keys: ${[...remaining.keys()].join(', ')}.`,
        [...remaining.values()].flat(),
      );
    }
  }

  /** Children before parents (Django's `Collector.sort`). */
  sortedModels(): AnyModelClass[] {
    const models = [...this.data.keys()];
    const sorted: AnyModelClass[] = [];
    const done = new Set<AnyModelClass>();
    while (sorted.length < models.length) {
      let found = false;
      for (const model of models) {
        if (done.has(model)) continue;
        const deps = this.dependencies.get(model);
        if (!deps || [...deps].every((d) => done.has(d) || d === model)) {
          sorted.push(model);
          done.add(model);
          found = true;
        }
      }
      if (!found) {
        for (const model of models) if (!done.has(model)) sorted.push(model);
        break;
      }
    }
    return sorted;
  }

  async delete(): Promise<[number, Record<string, number>]> {
    const prepared = await this.prepare();
    return prepared.complete(await runOps(this.connection, prepared.ops));
  }

  /**
   * Sends `preDelete` and returns the statements in Django's order, with `complete(results)`
   * which sends `postDelete` and answers the counts. A session folds `ops` into its flush.
   */
  async prepare(): Promise<PreparedDelete> {
    const counts: Record<string, number> = {};
    const bump = (model: AnyModelClass, n: number) => {
      if (n > 0) counts[metaOf(model).label] = (counts[metaOf(model).label] ?? 0) + n;
    };
    const models = this.sortedModels();
    const instances = new Map<AnyModelClass, Instance[]>();
    for (const model of models) {
      const pkName = metaOf(model).pk.attname;
      instances.set(model, [...(this.data.get(model)?.values() ?? [])].sort((a, b) => comparePk(a[pkName], b[pkName])));
    }
    const alias = this.connection.alias;
    const senderOf = (obj: Instance) => obj.constructor as AnyModelClass;
    for (const model of models) {
      if (metaOf(model).autoCreated) continue;
      for (const obj of instances.get(model)!) {
        if (preDelete.hasListeners(senderOf(obj))) await preDelete.send(senderOf(obj), { instance: obj, using: alias, origin: this.origin });
      }
    }
    const ops: Array<{ op: Op; count?: AnyModelClass }> = [];
    for (const fast of this.fastDeletes) ops.push({ op: (db) => db.delete(metaOf(fast.model).table).where(fast.where), count: fast.model });
    for (const update of this.fieldUpdates) {
      const meta = metaOf(update.field.model);
      const ids = update.instances.map((o) => coerceValue(meta.pk, o[meta.pk.attname]));
      // a database-side default is written as DEFAULT
      const value = update.value === undefined ? sql`DEFAULT` : update.value === null ? null : coerceValue(update.field, update.value);
      for (const batch of batches(ids)) ops.push({ op: (db) => db.update(meta.table).set({ [update.field.attname]: value } as never).where(inArray(meta.pk.drizzleColumn!, batch)) });
    }
    for (const model of models) {
      const meta = metaOf(model);
      const ids = instances.get(model)!.map((o) => coerceValue(meta.pk, o[meta.pk.attname]));
      if (ids.length === 0) continue;
      for (const batch of batches(ids)) ops.push({ op: (db) => db.delete(meta.table).where(inArray(meta.pk.drizzleColumn!, batch)), count: model });
    }
    const complete = async (results: unknown[]): Promise<[number, Record<string, number>]> => {
      results.forEach((result, index) => {
        const model = ops[index]!.count;
        if (model) bump(model, affected(result));
      });
      for (const update of this.fieldUpdates) for (const obj of update.instances) if (update.value !== undefined) obj[update.field.attname] = update.value;
      const session = activeSession();
      for (const model of models) {
        if (metaOf(model).autoCreated) continue;
        for (const obj of [...instances.get(model)!].reverse()) {
          if (postDelete.hasListeners(senderOf(obj))) await postDelete.send(senderOf(obj), { instance: obj, using: alias, origin: this.origin });
        }
      }
      for (const model of models) {
        const pkName = metaOf(model).pk.attname;
        for (const obj of instances.get(model)!) {
          session?.deleted(obj);
          obj[pkName] = null;
          obj[STATE].adding = true;
        }
      }
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return [total, counts];
    };
    return { ops: ops.map((o) => o.op), complete };
  }
}

export interface PreparedDelete {
  readonly ops: Op[];
  complete(results: unknown[]): Promise<[number, Record<string, number>]>;
}

/** Collects `objs` (any models) for deletion and prepares the statements (a session's flush). */
export async function prepareDelete(connection: Connection, objs: readonly object[], origin: unknown): Promise<PreparedDelete> {
  const collector = new Collector(connection, origin);
  const groups = new Map<AnyModelClass, Instance[]>();
  for (const obj of objs as Instance[]) {
    const model = metaOf(obj.constructor as AnyModelClass).concreteModel;
    const list = groups.get(model) ?? [];
    list.push(obj);
    groups.set(model, list);
  }
  for (const group of groups.values()) await collector.collect(group);
  for (const group of groups.values()) await collector.checkRestricted(group[0]!.constructor as AnyModelClass);
  return collector.prepare();
}

export type { Op };

function comparePk(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Runs write statements as one unit: a transaction where the driver has them, one batch on `neon-http`. */
export async function runOps(connection: Connection, ops: Op[]): Promise<unknown[]> {
  if (ops.length === 0) return [];
  if (ops.length === 1) return [await connection.run((db) => ops[0]!(db))];
  if (!connection.capabilities.interactiveTransactions) return connection.batch(ops.map((op) => op(connection.drizzle)));
  return atomic(
    async () => {
      const results: unknown[] = [];
      for (const op of ops) results.push(await connection.run((db) => op(db)));
      return results;
    },
    { using: connection.alias, savepoint: false },
  );
}

/**
 * Whether the whole cascade from `model` can run as statements without loading rows: nobody
 * listens for delete signals anywhere in it and every handler on the way is CASCADE or
 * DO_NOTHING (a cycle, such as a self reference, needs the collector).
 */
function fastCascade(model: AnyModelClass, path: ReadonlySet<AnyModelClass> = new Set()): boolean {
  if (path.has(model)) return false;
  if (hasDeleteListeners(model) || privateCascades(metaOf(model)).length > 0) return false;
  const next = new Set(path).add(model);
  return candidateRelations(metaOf(model)).every((relation) => {
    const handler = relation.remoteField!.onDelete?.name;
    if (handler === 'DO_NOTHING') return true;
    return handler === 'CASCADE' && fastCascade(relation.remoteField!.model as AnyModelClass, next);
  });
}

/** `DELETE … WHERE fk IN (SELECT key FROM parent WHERE …)` for each cascading relation, grandchildren first. */
function cascadeDeletes(meta: Options, where: SQL | undefined, ops: Array<{ op: Op; model: AnyModelClass }>): void {
  for (const relation of candidateRelations(meta)) {
    const field = relation.remoteField!;
    if (field.onDelete?.name !== 'CASCADE') continue;
    const childMeta = metaOf(field.model);
    const parentKeys = sql`SELECT ${meta.table[field.targetField!.attname as never]} FROM ${meta.table}${where ? sql` WHERE ${where}` : sql``}`;
    const childWhere = sql`${field.drizzleColumn!} IN (${parentKeys})`;
    cascadeDeletes(childMeta, childWhere, ops);
    ops.push({ op: (db) => db.delete(childMeta.table).where(childWhere), model: childMeta.concreteModel });
  }
}

export async function deleteQuerySet(qs: AnyQuerySet): Promise<[number, Record<string, number>]> {
  const meta = qs.meta;
  const connection = getConnection(qs.db);
  const session = activeSession();
  if (session) await session.beforeQuery();
  if (fastCascade(meta.concreteModel) && !session) {
    const where = writeCondition(qs);
    if (where === NOTHING) return [0, {}];
    const ops: Array<{ op: Op; model: AnyModelClass }> = [];
    cascadeDeletes(meta, where, ops);
    ops.push({ op: (db) => { const q = db.delete(meta.table); return where ? q.where(where) : q; }, model: meta.concreteModel });
    const results = await runOps(connection, ops.map((o) => o.op));
    const counts: Record<string, number> = {};
    results.forEach((result, i) => {
      const n = affected(result);
      if (n > 0) counts[metaOf(ops[i]!.model).label] = (counts[metaOf(ops[i]!.model).label] ?? 0) + n;
    });
    return [Object.values(counts).reduce((a, b) => a + b, 0), counts];
  }
  const objs = (await qs.orderBy()) as Instance[];
  return collectAndDelete(connection, objs, qs);
}

export async function deleteInstances(objs: Instance[], origin: unknown): Promise<[number, Record<string, number>]> {
  if (objs.length === 0) return [0, {}];
  const alias = activeSession()?.alias ?? objs[0]![STATE].db ?? 'default';
  return collectAndDelete(getConnection(alias), objs, origin);
}

async function collectAndDelete(connection: Connection, objs: Instance[], origin: unknown): Promise<[number, Record<string, number>]> {
  if (objs.length === 0) return [0, {}];
  const model = objs[0]!.constructor as AnyModelClass;
  if (preDelete.hasDurableListeners(model) || postDelete.hasDurableListeners(model)) requireTransactionsForDurable(connection, metaOf(model).label);
  const run = async () => {
    const collector = new Collector(connection, origin);
    await collector.collect(objs);
    await collector.checkRestricted(objs[0]!.constructor as AnyModelClass);
    return collector.delete();
  };
  return connection.capabilities.interactiveTransactions ? atomic(run, { using: connection.alias, savepoint: false }) : run();
}

