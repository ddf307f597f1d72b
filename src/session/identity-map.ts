/**
 * The identity map: one instance per (model, primary key) per session, as SQLAlchemy's Session
 * keeps it. Keys are the model class as queried (a proxy has its own instances).
 */
export class IdentityMap {
  readonly #maps = new Map<object, Map<unknown, object>>();

  get(model: object, pk: unknown): object | undefined {
    return this.#maps.get(model)?.get(pk);
  }

  set(model: object, pk: unknown, instance: object): void {
    let map = this.#maps.get(model);
    if (!map) this.#maps.set(model, (map = new Map()));
    map.set(pk, instance);
  }

  delete(model: object, pk: unknown): void {
    this.#maps.get(model)?.delete(pk);
  }

  /** Every tracked instance. */
  *instances(): IterableIterator<object> {
    for (const map of this.#maps.values()) yield* map.values();
  }

  get size(): number {
    let n = 0;
    for (const map of this.#maps.values()) n += map.size;
    return n;
  }

  clear(): void {
    this.#maps.clear();
  }
}
