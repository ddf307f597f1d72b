/**
 * The edge cache backend interface: a small driver object with a name and three methods, in the
 * manner of unstorage's drivers. Values are strings (the content-type layer stores JSON); a
 * missing or expired key answers `null`. One contract suite (`test/shared/cache-backend-suite.ts`)
 * runs against every backend: memory on Node, Cloudflare KV and the Cache API inside workerd.
 *
 * ```ts
 * const backend: CacheBackend = {
 *   name: 'redis',
 *   get: (key) => redis.get(key),
 *   set: (key, value, { ttl }) => redis.set(key, value, { EX: ttl }).then(() => undefined),
 *   delete: (key) => redis.del(key).then(() => undefined),
 * };
 * ```
 */
export interface CacheBackend {
  /** Shown in messages and errors (`'memory'`, `'cloudflare-kv'`, `'cache-api'`). */
  readonly name: string;
  /** The value stored under `key`, or `null` when there is none (or it expired). */
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key` for `ttl` seconds (a backend may round it up to its minimum). */
  set(key: string, value: string, options: { ttl: number }): Promise<void>;
  /** Removes `key` (no error when it is absent). */
  delete(key: string): Promise<void>;
  /** Optional: removes every entry (`db.truncate()` in tests calls it; KV and the Cache API have none). */
  clear?(): void | Promise<void>;
}

/** Checks that `value` is a usable backend, with a message naming what is missing. */
export function assertCacheBackend(value: unknown, where: string): asserts value is CacheBackend {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${where}: the backend must be an object with name, get, set and delete, not ${value === null ? 'null' : typeof value}.`);
  }
  const backend = value as Record<string, unknown>;
  const missing = ['get', 'set', 'delete'].filter((method) => typeof backend[method] !== 'function');
  if (typeof backend['name'] !== 'string' || backend['name'] === '') missing.unshift('name');
  if (missing.length > 0) throw new TypeError(`${where}: the backend lacks ${missing.join(', ')} (a cache backend has a name and get, set, delete methods).`);
}
