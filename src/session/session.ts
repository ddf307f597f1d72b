/**
 * `Session`: SQLAlchemy's session under the Django facade. One instance per (model, pk), change
 * tracking of loaded instances, a unit of work flushed in foreign-key order, autoflush before
 * queries, and the statements it ran in `queries`.
 *
 * ```ts
 * await db.session(async (session) => {
 *   const a = await Article.objects.get({ pk: 1 });   // tracked
 *   a.headline = 'New';                              // dirty
 *   session.add(new Reporter({ … }));                // pending
 *   await session.commit();                          // one flush, in one transaction
 * });
 * ```
 */
import { sql } from 'drizzle-orm';
import { TransactionManagementError } from '../core/errors.js';
import type { SessionPort } from '../core/ports.js';
import type { Connection, SessionOptions } from '../db/connection.js';
import type { LoggedQuery } from '../db/query-log.js';
import { coerceValue } from '../models/coerce.js';
import type { AnyModelClass } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE, type HasState } from '../models/state.js';
import { FlushExecution } from './flush.js';
import { IdentityMap } from './identity-map.js';
import { changedFields, restoreSnapshot, type Snapshot, takeSnapshot } from './tracking.js';

type Instance = HasState & Record<string, unknown>;

const modelKey = (instance: object): AnyModelClass => ((instance.constructor as AnyModelClass)._meta as Options).model;
const pkOf = (instance: object): unknown => (instance as Instance)[((instance.constructor as AnyModelClass)._meta as Options).pk.attname];

export const SESSION_SAVEPOINT = 'djazzle_session';

export class Session implements SessionPort {
  readonly connection: Connection;
  readonly options: Readonly<Required<SessionOptions>>;
  /** The statements the session ran, `{ sql, params }` (transaction control excluded). */
  readonly queries: LoggedQuery[] = [];
  readonly #map = new IdentityMap();
  /** Instances whose changes the session tracks, with their last flushed values. */
  readonly #tracked = new Map<object, Snapshot>();
  readonly #new = new Set<object>();
  readonly #deleted = new Set<object>();
  #flushing = false;
  #closed = false;

  constructor(connection: Connection, options: SessionOptions = {}) {
    this.connection = connection;
    this.options = { identityMap: options.identityMap ?? true, atomic: options.atomic ?? false, autoflush: options.autoflush ?? true };
  }

  get alias(): string {
    return this.connection.alias;
  }

  /** Whether the session was closed (its function returned); it keeps nothing then. */
  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new TransactionManagementError('This session is closed: use it inside the db.session() callback only.');
  }

  // ---- the port models and QuerySets call ------------------------------------------------

  identityLookup(model: object, pk: unknown): object | undefined {
    return this.options.identityMap ? this.#map.get(model, pk) : undefined;
  }

  identityRegister(model: object, pk: unknown, instance: object): void {
    if (this.options.identityMap && pk !== null && pk !== undefined) this.#map.set(model, pk, instance);
  }

  identityForget(model: object, pk: unknown): void {
    this.#map.delete(model, pk);
  }

  async beforeQuery(): Promise<void> {
    if (this.options.autoflush && !this.#flushing && !this.#closed && this.#hasPending()) await this.flush();
  }

  hasPendingChanges(instance: object): boolean {
    return this.isModified(instance);
  }

  saved(instance: object, created = false): void {
    if (this.#closed) return;
    this.#new.delete(instance);
    if (this.options.atomic && !this.#baseline.has(instance)) {
      const before = this.#tracked.get(instance);
      if (created) this.#baseline.set(instance, 'inserted');
      else if (before) this.#baseline.set(instance, before);
    }
    this.#tracked.set(instance, takeSnapshot(instance));
    this.identityRegister(modelKey(instance), pkOf(instance), instance);
  }

  deleted(instance: object): void {
    const before = this.#tracked.get(instance);
    if (this.options.atomic && before && !this.#baseline.has(instance)) this.#baseline.set(instance, before);
    this.#map.delete(modelKey(instance), pkOf(instance));
    this.#tracked.delete(instance);
    this.#new.delete(instance);
    this.#deleted.delete(instance);
  }

  // ---- the public API -------------------------------------------------------------------

  /** SQLAlchemy's `session.add(obj)`: a new object is inserted at the next flush; a loaded one is tracked. */
  add(instance: object): void {
    this.#check();
    this.#deleted.delete(instance);
    if ((instance as Instance)[STATE].adding) this.#new.add(instance);
    else if (!this.#tracked.has(instance)) this.saved(instance);
  }

  /** `session.delete(obj)`: deleted (with Django's on-delete handling) at the next flush. */
  delete(instance: object): void {
    this.#check();
    if (this.#new.delete(instance)) return; // never written: nothing to delete
    if ((instance as Instance)[STATE].adding) throw new TypeError(`${String(instance)} is not saved: there is nothing to delete.`);
    this.#deleted.add(instance);
  }

  /** `session.expunge(obj)`: the session forgets the object (it stays as it is). */
  expunge(instance: object): void {
    this.#map.delete(modelKey(instance), pkOf(instance));
    this.#tracked.delete(instance);
    this.#new.delete(instance);
    this.#deleted.delete(instance);
  }

  /** Whether the object has changes not flushed yet (new, to delete, or changed columns). */
  isModified(instance: object): boolean {
    if (this.#new.has(instance) || this.#deleted.has(instance)) return true;
    const snapshot = this.#tracked.get(instance);
    return snapshot !== undefined && changedFields(instance, snapshot).length > 0;
  }

  /** `session.get(Model, pk)`: from the identity map without a query, else one query. */
  async get<M>(model: abstract new (...args: never[]) => M, pk: unknown): Promise<M | null> {
    this.#check();
    const meta = (model as unknown as AnyModelClass)._meta as Options;
    const value = coerceValue(meta.pk, pk);
    const hit = this.identityLookup(meta.model, value);
    if (hit && !this.#deleted.has(hit)) return hit as M;
    const manager = (model as unknown as { objects: { filter(l: object): { first(): Promise<M | null> } } }).objects;
    return manager.filter({ pk: value }).first();
  }

  #hasPending(): boolean {
    if (this.#new.size > 0 || this.#deleted.size > 0) return true;
    for (const [instance, snapshot] of this.#tracked) if (changedFields(instance, snapshot).length > 0) return true;
    return false;
  }

  /** The objects a flush would write: new ones (and unsaved objects they point at), changed ones, deleted ones. */
  #work() {
    const inserts = new Set<object>();
    const visit = (instance: Instance) => {
      if (inserts.has(instance)) return;
      inserts.add(instance);
      for (const related of instance[STATE].cache?.values() ?? []) {
        if (related && typeof related === 'object' && STATE in related && (related as Instance)[STATE].adding) visit(related as Instance);
      }
    };
    for (const instance of this.#new) visit(instance as Instance);
    const updates: Array<{ instance: object; changed: string[] }> = [];
    for (const [instance, snapshot] of this.#tracked) {
      if (this.#deleted.has(instance) || inserts.has(instance)) continue;
      const changed = changedFields(instance, snapshot);
      if (changed.length > 0) updates.push({ instance, changed });
    }
    return { inserts: [...inserts], updates, deletes: [...this.#deleted] };
  }

  /** Writes every pending change as one unit (a transaction, or one batch on `neon-http`). */
  async flush(): Promise<void> {
    this.#check();
    if (this.#flushing) return;
    const work = this.#work();
    if (work.inserts.length === 0 && work.updates.length === 0 && work.deletes.length === 0) return;
    this.#flushing = true;
    try {
      await new FlushExecution(this.connection, work, this).run();
      for (const instance of work.deletes) this.deleted(instance);
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * Flushes, and in an atomic session makes the work so far the point `rollback()` returns to
   * (the transaction itself commits when the session's function returns).
   */
  async commit(): Promise<void> {
    await this.flush();
    if (this.options.atomic) {
      await this.connection.execute(`RELEASE SAVEPOINT ${SESSION_SAVEPOINT}`);
      await this.connection.execute(`SAVEPOINT ${SESSION_SAVEPOINT}`);
    }
    this.#baseline.clear();
  }

  /**
   * Atomic sessions: how each instance written since the last commit point looked before
   * (`'inserted'`: it did not exist), so that `rollback()` can put it back.
   */
  readonly #baseline = new Map<object, Snapshot | 'inserted'>();

  /**
   * Discards pending adds and deletes and returns changed instances to their last flushed state;
   * in an atomic session, also undoes in the database what was flushed since the last commit.
   */
  async rollback(): Promise<void> {
    this.#check();
    this.#new.clear();
    this.#deleted.clear();
    for (const [instance, snapshot] of this.#tracked) restoreSnapshot(instance, snapshot);
    if (!this.options.atomic) return;
    for (const [instance, before] of this.#baseline) {
      if (before === 'inserted') {
        // the row is gone again: the instance is new, without the key the database gave it
        this.expunge(instance);
        const meta = (instance.constructor as AnyModelClass)._meta as Options;
        (instance as Instance)[meta.pk.attname] = undefined;
        (instance as Instance)[STATE].adding = true;
        continue;
      }
      restoreSnapshot(instance, before);
      (instance as Instance)[STATE].adding = false;
      this.#tracked.set(instance, { ...before });
      this.identityRegister(modelKey(instance), pkOf(instance), instance);
    }
    this.#baseline.clear();
    // back to the commit point in the database too; this also clears a failed statement's mark
    const frame = this.connection.frame;
    if (frame) {
      await frame.tx.execute(sql.raw(`ROLLBACK TO SAVEPOINT ${SESSION_SAVEPOINT}`));
      await frame.tx.execute(sql.raw(`SAVEPOINT ${SESSION_SAVEPOINT}`));
      frame.needsRollback = false;
    }
  }

  /** Ends the session: it forgets every instance (nothing stays reachable through it). */
  close(): void {
    this.#closed = true;
    this.#map.clear();
    this.#tracked.clear();
    this.#new.clear();
    this.#deleted.clear();
    this.#baseline.clear();
  }

  /** The number of instances in the identity map (for tests and diagnostics). */
  get size(): number {
    return this.#map.size;
  }
}
