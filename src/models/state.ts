/**
 * Per-instance state, Django's `instance._state`: whether the row is still to be inserted
 * (`adding`), the database alias it came from, the related-object cache and, inside a session,
 * the values last read from or written to the database (for change tracking).
 */
export const STATE: unique symbol = Symbol.for('djazzle.state');

export class ModelState {
  /** Django's `_state.adding`: not saved yet. */
  adding = true;
  /** Django's `_state.db`: the alias the instance was loaded from or saved to. */
  db: string | null = null;
  /** Django's `_state.fields_cache`: related objects by field name (`null` = known to be absent). */
  cache: Map<string, unknown> | undefined = undefined;
  /** Column values as last seen in the database (tracked inside a session only). */
  loaded: Record<string, unknown> | undefined = undefined;
  /** Fields not loaded (`only()` / `defer()`). */
  deferred: ReadonlySet<string> | undefined = undefined;
  /** Prefetched related querysets / lists by name (`prefetchRelated`). */
  prefetched: Map<string, unknown[]> | undefined = undefined;

  cacheGet(name: string): unknown {
    return this.cache?.get(name);
  }

  cacheHas(name: string): boolean {
    return this.cache?.has(name) ?? false;
  }

  cacheSet(name: string, value: unknown): void {
    (this.cache ??= new Map()).set(name, value);
  }

  cacheDelete(name: string): void {
    this.cache?.delete(name);
  }
}

export interface HasState {
  [STATE]: ModelState;
}

export function stateOf(instance: object): ModelState {
  return (instance as HasState)[STATE];
}
