/**
 * The memory cache backend: a `Map` in this process (or isolate), with expiry. For tests, for Node
 * servers that want the second tier without a service, and as the reference implementation of
 * the backend contract.
 *
 * ```ts
 * configureContentTypeCache({ backend: memoryCacheBackend(), ttl: 3600 });
 * ```
 */
import type { CacheBackend } from './types.js';

export interface MemoryCacheBackendOptions {
  /** The clock, in milliseconds (tests pass their own to expire entries). Default `Date.now`. */
  now?: () => number;
}

export interface MemoryCacheBackend extends CacheBackend {
  /** Entries currently stored (expired ones included until read). */
  readonly size: number;
  /** Removes every entry. */
  clear(): void;
}

export function memoryCacheBackend(options: MemoryCacheBackendOptions = {}): MemoryCacheBackend {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: string; expires: number }>();
  return {
    name: 'memory',
    get size() {
      return entries.size;
    },
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expires <= now()) {
        entries.delete(key);
        return null;
      }
      return entry.value;
    },
    async set(key, value, { ttl }) {
      entries.set(key, { value, expires: now() + ttl * 1000 });
    },
    async delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
