/**
 * The unit of work's flush: pending inserts in foreign-key order (parents first, self references
 * and nullable cycles broken by a follow-up UPDATE), updates of changed columns only, deletes
 * through Django's collector (children first), all as one unit: a transaction (a savepoint inside
 * an atomic session), or one HTTP batch on `neon-http`. `preSave` is sent per object before any
 * statement, `postSave` after the unit succeeded.
 *
 * On `neon-http` every statement must be known before the one request is sent, so a row that
 * other pending rows point at records its new key in a transaction-local temp table, and the
 * children read it back with a subselect.
 */
import { eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { activeSession } from '../core/ports.js';
import type { Connection } from '../db/connection.js';
import { rowsOf } from '../db/connection.js';
import { quoteIdent } from '../db/ddl.js';
import type { AnyDrizzle } from '../db/driver.js';
import { atomic } from '../db/transaction.js';
import { coerceValue } from '../models/coerce.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE, type HasState } from '../models/state.js';
import { prepareDelete, type PreparedDelete } from '../query/collector.js';
import { postDelete, postSave, preSave } from '../signals/builtins.js';
import { requireTransactionsForDurable } from '../models/instance-methods.js';
import { concreteColumns, takeSnapshot, type Snapshot } from './tracking.js';

type Instance = HasState & Record<string, unknown>;
type Op = (db: AnyDrizzle) => PromiseLike<unknown>;
/** One statement of the flush and what to do with its result. */
interface Step {
  readonly op: Op;
  readonly after?: (result: unknown) => void;
}

export interface FlushWork {
  readonly inserts: readonly object[];
  readonly updates: ReadonlyArray<{ readonly instance: object; readonly changed: readonly string[] }>;
  readonly deletes: readonly object[];
}

const KEY_TABLE = 'djazzle_flush_keys';
const metaOf = (instance: object): Options => (instance.constructor as AnyModelClass)._meta as Options;
const isEmpty = (v: unknown) => v === null || v === undefined;

/** The pending rows an instance's forward relations point at (edges child → parent). */
function pendingParents(instance: Instance, pending: ReadonlySet<object>): Array<{ field: Field; parent: Instance }> {
  const out: Array<{ field: Field; parent: Instance }> = [];
  const cache = instance[STATE].cache;
  if (!cache) return out;
  for (const field of metaOf(instance).fields) {
    if (!field.isForwardSingle || !cache.has(field.name)) continue;
    const parent = cache.get(field.name) as Instance | null;
    if (parent && pending.has(parent)) out.push({ field, parent });
  }
  return out;
}

interface InsertLevel {
  readonly model: AnyModelClass;
  readonly instances: Instance[];
}

/**
 * Orders pending inserts by level: a row comes after the rows it points at. A cycle is broken at
 * a nullable edge (inserted NULL, then updated); a cycle of non-nullable keys is refused.
 */
export function planInserts(inserts: readonly object[]): { levels: InsertLevel[]; deferred: Array<{ child: Instance; field: Field; parent: Instance }> } {
  const pending = new Set(inserts);
  const remaining = new Set(inserts as Instance[]);
  const deferred: Array<{ child: Instance; field: Field; parent: Instance }> = [];
  const cut = new Set<string>();
  const edgeKey = (child: Instance, field: Field) => `${inserts.indexOf(child)}:${field.name}`;
  const levels: InsertLevel[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter((instance) =>
      pendingParents(instance, pending).every(({ field, parent }) => !remaining.has(parent) || cut.has(edgeKey(instance, field))),
    );
    if (ready.length === 0) {
      const breakable = [...remaining].flatMap((child) =>
        pendingParents(child, pending)
          .filter(({ field, parent }) => remaining.has(parent) && field.null && !cut.has(edgeKey(child, field)))
          .map(({ field, parent }) => ({ child, field, parent })),
      )[0];
      if (!breakable) {
        const names = [...remaining].map((i) => `${metaOf(i).label}`).join(', ');
        throw new TypeError(`Cannot flush: the pending objects (${names}) form a cycle through non-nullable foreign keys; save one of them first or make a key nullable.`);
      }
      cut.add(edgeKey(breakable.child, breakable.field));
      deferred.push(breakable);
      continue;
    }
    // Hold back a model's ready rows while other rows of that model still wait for their parents
    // (and nothing waits for them), so that each model gets one multi-row INSERT, not one per level.
    const waitingModels = new Set([...remaining].filter((i) => !ready.includes(i)).map((i) => metaOf(i).concreteModel));
    const needed = new Set([...remaining].flatMap((i) => pendingParents(i, pending).map((e) => e.parent as object)));
    const held = ready.filter((i) => waitingModels.has(metaOf(i).concreteModel) && !needed.has(i));
    if (held.length < ready.length) for (const instance of held) ready.splice(ready.indexOf(instance), 1);
    const byModel = new Map<AnyModelClass, Instance[]>();
    for (const instance of ready) {
      remaining.delete(instance);
      const model = metaOf(instance).concreteModel;
      const list = byModel.get(model) ?? [];
      list.push(instance);
      byModel.set(model, list);
    }
    for (const [model, instances] of byModel) levels.push({ model, instances });
  }
  return { levels, deferred };
}

/** Restores instances to their state before a failed flush (no pk the database does not have). */
interface Undo {
  readonly instance: Instance;
  readonly values: Snapshot;
  readonly adding: boolean;
}

export class FlushExecution {
  readonly #connection: Connection;
  readonly #work: FlushWork;
  readonly #batch: boolean;
  readonly #keys = new Map<object, string>();
  readonly #undo: Undo[] = [];
  #deletion: PreparedDelete | undefined;

  /** The session whose flush this is (pending objects go back to it when the flush fails). */
  readonly #session: { expunge(o: object): void; add(o: object): void } | undefined;

  constructor(connection: Connection, work: FlushWork, session?: { expunge(o: object): void; add(o: object): void }) {
    this.#session = session;
    this.#connection = connection;
    this.#work = work;
    this.#batch = !connection.capabilities.interactiveTransactions;
  }

  /** The value of `field` on `instance`, or (batch mode) SQL reading a pending parent's new key. */
  #foreignValue(instance: Instance, field: Field, skip: ReadonlySet<string>): unknown {
    if (skip.has(field.name)) return null;
    const related = instance[STATE].cache?.get(field.name) as Instance | null | undefined;
    if (related && this.#keys.has(related) && isEmpty(related[field.targetField!.attname])) {
      const column = field.drizzleColumn!;
      return sql`(SELECT v FROM ${sql.identifier(KEY_TABLE)} WHERE k = ${this.#keys.get(related)!})::${sql.raw(column.getSQLType())}`;
    }
    if (related) {
      const value = related[field.targetField!.attname];
      if (isEmpty(value)) throw new TypeError(`save() prohibited to prevent data loss due to unsaved related object '${field.name}'.`);
      instance[field.attname] = value;
    }
    return instance[field.attname];
  }

  #rowValues(instance: Instance, fields: readonly Field[], now: Date, skip: ReadonlySet<string>, adding: boolean): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const field of fields) {
      if (field.autoNow || (field.autoNowAdd && adding)) instance[field.attname] = now;
      let value: unknown = field.isForwardSingle ? this.#foreignValue(instance, field, skip) : instance[field.attname];
      if (value === undefined) continue;
      if (!(value instanceof Object && 'getSQL' in (value as object))) value = coerceValue(field, value);
      row[field.attname] = value;
    }
    return row;
  }

  #assignReturned(instance: Instance, row: Record<string, unknown>): void {
    for (const field of concreteColumns(instance.constructor as AnyModelClass)) {
      if (field.attname in row) instance[field.attname] = row[field.attname];
      else if (field.column && field.column in row && field.drizzleColumn) {
        const raw = row[field.column];
        instance[field.attname] = raw === null ? null : field.drizzleColumn.mapFromDriverValue(raw);
      }
    }
  }

  /** Statements of the inserts, in level order. */
  #insertSteps(now: Date): Step[] {
    const { levels, deferred } = planInserts(this.#work.inserts);
    const skipFor = new Map<Instance, Set<string>>();
    for (const { child, field } of deferred) {
      const set = skipFor.get(child) ?? new Set<string>();
      set.add(field.name);
      skipFor.set(child, set);
    }
    if (this.#batch) {
      // rows that other pending rows point at get a key in the temp table
      const pending = new Set(this.#work.inserts);
      for (const instance of this.#work.inserts as Instance[]) {
        for (const { parent } of pendingParents(instance, pending)) if (!this.#keys.has(parent)) this.#keys.set(parent, `k${this.#keys.size}`);
      }
      for (const update of this.#work.updates) {
        for (const { parent } of pendingParents(update.instance as Instance, pending)) if (!this.#keys.has(parent)) this.#keys.set(parent, `k${this.#keys.size}`);
      }
    }
    const steps: Step[] = [];
    if (this.#keys.size > 0) {
      steps.push({ op: (db) => db.execute(sql.raw(`CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(KEY_TABLE)} (k text PRIMARY KEY, v text) ON COMMIT DROP`)) });
    }
    for (const { model, instances } of levels) {
      const meta = model._meta as Options;
      const fields = concreteColumns(model);
      const pk = meta.pk;
      for (const instance of instances) {
        this.#undo.push({ instance, values: takeSnapshot(instance), adding: instance[STATE].adding });
        if (isEmpty(instance[pk.attname]) && pk.default !== undefined) instance[pk.attname] = pk.getDefault();
      }
      const keyed = instances.filter((i) => this.#keys.has(i));
      const plain = instances.filter((i) => !this.#keys.has(i));
      if (plain.length > 0) {
        steps.push({
          op: (db) => db.insert(meta.table).values(plain.map((i) => this.#rowValues(i, fields, now, skipFor.get(i) ?? new Set(), true)) as never).returning(),
          after: (result) => (rowsOf(result) as Record<string, unknown>[]).forEach((row, i) => this.#assignReturned(plain[i]!, row)),
        });
      }
      for (const instance of keyed) {
        steps.push({
          op: (db) => {
            const row = this.#rowValues(instance, fields, now, skipFor.get(instance) ?? new Set(), true);
            const insert = db.insert(meta.table).values(row as never).returning();
            const pkColumn = sql.identifier(pk.column!);
            return db.execute(sql`WITH ins AS (${insert.getSQL()}), rec AS (INSERT INTO ${sql.identifier(KEY_TABLE)} (k, v) SELECT ${this.#keys.get(instance)!}, ${pkColumn}::text FROM ins) SELECT * FROM ins`);
          },
          after: (result) => {
            const [row] = rowsOf(result);
            if (row) this.#assignReturned(instance, row);
          },
        });
      }
    }
    for (const { child, field, parent } of deferred) {
      const meta = metaOf(child);
      steps.push({
        op: (db) => {
          const value = this.#foreignValue(child, field, new Set());
          const where = this.#batch && this.#keys.has(child)
            ? sql`${meta.pk.drizzleColumn!} = (SELECT v FROM ${sql.identifier(KEY_TABLE)} WHERE k = ${this.#keys.get(child)!})::${sql.raw(meta.pk.drizzleColumn!.getSQLType())}`
            : eq(meta.pk.drizzleColumn!, coerceValue(meta.pk, child[meta.pk.attname]));
          return db.update(meta.table).set({ [field.attname]: value } as never).where(where);
        },
        after: () => void (child[field.attname] = parent[field.targetField!.attname]),
      });
    }
    return steps;
  }

  #updateSteps(now: Date): Step[] {
    const steps: Step[] = [];
    for (const { instance: target, changed } of this.#work.updates) {
      const instance = target as Instance;
      const meta = metaOf(instance);
      this.#undo.push({ instance, values: takeSnapshot(instance), adding: false });
      const names = new Set(changed);
      for (const field of meta.concreteFields) if (field.autoNow) names.add(field.attname);
      const fields = meta.concreteFields.filter((f) => names.has(f.attname) && !f.primaryKey);
      const pkValue = coerceValue(meta.pk, instance[meta.pk.attname]);
      steps.push({ op: (db) => db.update(meta.table).set(this.#rowValues(instance, fields, now, new Set(), false) as never).where(eq(meta.pk.drizzleColumn! as PgColumn, pkValue)) });
    }
    return steps;
  }

  /** Runs the flush as one unit; on failure every instance is put back as it was. */
  async run(): Promise<void> {
    const using = this.#connection.alias;
    const saved = [
      ...this.#work.inserts.map((instance) => ({ instance: instance as Instance, created: true })),
      ...this.#work.updates.map(({ instance }) => ({ instance: instance as Instance, created: false })),
    ];
    if (this.#batch) {
      for (const instance of [...saved.map((s) => s.instance), ...(this.#work.deletes as Instance[])]) {
        const model = instance.constructor as AnyModelClass;
        if (postSave.hasDurableListeners(model) || postDelete.hasDurableListeners(model)) requireTransactionsForDurable(this.#connection, metaOf(instance).label);
      }
    }
    for (const { instance } of saved) {
      const model = instance.constructor as AnyModelClass;
      if (preSave.hasListeners(model)) await preSave.send(model, { instance, raw: false, using, updateFields: null });
    }
    const sendPostSave = async () => {
      for (const { instance, created } of saved) {
        instance[STATE].adding = false;
        instance[STATE].db = using;
        activeSession()?.saved(instance, created);
      }
      for (const { instance, created } of saved) {
        const model = instance.constructor as AnyModelClass;
        if (postSave.hasListeners(model)) await postSave.send(model, { instance, raw: false, using, updateFields: null, created });
      }
    };
    const now = new Date();
    try {
      const execute = async () => {
        const steps = [...this.#insertSteps(now), ...this.#updateSteps(now)];
        if (this.#work.deletes.length > 0) {
          const origin = this.#work.deletes.length === 1 ? this.#work.deletes[0] : this.#work.deletes;
          this.#deletion = await prepareDelete(this.#connection, this.#work.deletes, origin);
        }
        const deleteOps = this.#deletion?.ops ?? [];
        if (this.#batch) {
          // one request: every statement is built now (pending parents' keys come from the temp table)
          const all = [...steps.map((s) => s.op), ...deleteOps];
          if (all.length === 0) return [];
          const results = all.length === 1 ? [await this.#connection.run((db) => all[0]!(db))] : await this.#connection.batch(all.map((op) => op(this.#connection.drizzle)));
          steps.forEach((step, i) => step.after?.(results[i]));
          return results.slice(steps.length);
        }
        // statements run one after the other, each built when its parents have their keys
        for (const step of steps) {
          const result = await this.#connection.run((db) => step.op(db)); // not inside `after?.(…)`: that would skip it
          step.after?.(result);
        }
        const results: unknown[] = [];
        for (const op of deleteOps) results.push(await this.#connection.run((db) => op(db)));
        // inside the transaction: a durable receiver's event commits with the rows
        await sendPostSave();
        if (this.#deletion) {
          await this.#deletion.complete(results);
          this.#deletion = undefined;
        }
        return results;
      };
      const deleteResults = this.#batch ? await execute() : await atomic(execute, { using });
      if (this.#deletion) await this.#deletion.complete(deleteResults);
    } catch (error) {
      const session = this.#session;
      for (const { instance, values, adding } of this.#undo) {
        Object.assign(instance, values);
        instance[STATE].adding = adding;
        // a failure at COMMIT comes after the rows were marked saved: they are pending again
        if (adding && session) {
          session.expunge(instance);
          session.add(instance);
        }
      }
      throw error;
    }
    if (this.#batch) await sendPostSave();
  }
}

export type { SQL };
