/**
 * The Cloudflare KV cache backend: a KV namespace binding (`env.CONTENT_TYPES`). KV is global
 * and eventually consistent, which suits content types (rows that are created once and almost
 * never change). KV refuses a TTL under 60 seconds, so shorter ones are raised to 60.
 *
 * ```ts
 * // wrangler.toml: [[kv_namespaces]] binding = "CONTENT_TYPES" id = "…"
 * configureContentTypeCache({ backend: kvCacheBackend(env.CONTENT_TYPES), ttl: 86_400 });
 * ```
 */
import { assertCacheBackend, type CacheBackend } from './types.js';

/** The part of a `KVNamespace` binding this backend uses (structural: no workers types needed). */
export interface KVNamespaceLike {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** KV's smallest `expirationTtl`, in seconds. */
export const KV_MIN_TTL = 60;

export function kvCacheBackend(namespace: KVNamespaceLike): CacheBackend {
  if (!namespace || typeof namespace.get !== 'function' || typeof namespace.put !== 'function' || typeof namespace.delete !== 'function') {
    throw new TypeError('kvCacheBackend() needs a KV namespace binding (env.<BINDING> with get, put and delete); check the kv_namespaces section of wrangler.toml.');
  }
  const backend: CacheBackend = {
    name: 'cloudflare-kv',
    get: (key) => namespace.get(key, 'text'),
    set: (key, value, { ttl }) => namespace.put(key, value, { expirationTtl: Math.max(KV_MIN_TTL, Math.ceil(ttl)) }),
    delete: (key) => namespace.delete(key),
  };
  assertCacheBackend(backend, 'kvCacheBackend()');
  return backend;
}
