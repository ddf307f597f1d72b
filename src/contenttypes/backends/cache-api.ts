/**
 * The Workers Cache API backend (`caches.default`, or a named cache): per data centre, free, and
 * fast; entries may be evicted early, which only costs a database read. Keys become URLs under
 * `baseUrl`; the TTL is the response's `Cache-Control: max-age`.
 *
 * ```ts
 * configureContentTypeCache({ backend: cacheApiBackend(), ttl: 3600 });           // caches.default
 * configureContentTypeCache({ backend: cacheApiBackend({ cacheName: 'djazzle' }) });
 * ```
 */
import type { CacheBackend } from './types.js';

/** The part of a Workers `Cache` this backend uses (structural: no workers types needed). */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
  delete(request: Request): Promise<boolean>;
}

export interface CacheApiBackendOptions {
  /** A cache to use (default: `caches.default`, or `caches.open(cacheName)` when `cacheName` is set). */
  cache?: CacheLike;
  cacheName?: string;
  /** The URL prefix of keys. Default `https://djazzle.cache/`. */
  baseUrl?: string;
}

interface CacheStorageLike {
  readonly default?: CacheLike;
  open(name: string): Promise<CacheLike>;
}

export function cacheApiBackend(options: CacheApiBackendOptions = {}): CacheBackend {
  const baseUrl = options.baseUrl ?? 'https://djazzle.cache/';
  if (!/^https?:\/\/[^/]+\/(.*\/)?$/.test(baseUrl)) throw new TypeError(`cacheApiBackend(): baseUrl must be an http(s) URL ending with '/', not '${baseUrl}'.`);
  let opened: Promise<CacheLike> | undefined;
  const cache = (): Promise<CacheLike> => {
    if (options.cache) return Promise.resolve(options.cache);
    opened ??= (async () => {
      const storage = (globalThis as { caches?: CacheStorageLike }).caches;
      if (!storage) throw new TypeError('cacheApiBackend(): the Cache API (globalThis.caches) is not available here; it exists inside Workers (workerd).');
      if (options.cacheName) return storage.open(options.cacheName);
      if (!storage.default) throw new TypeError('cacheApiBackend(): caches.default is not available; pass { cacheName } to open a named cache.');
      return storage.default;
    })();
    return opened;
  };
  const request = (key: string) => new Request(baseUrl + encodeURIComponent(key));
  return {
    name: 'cache-api',
    async get(key) {
      const response = await (await cache()).match(request(key));
      return response ? response.text() : null;
    },
    async set(key, value, { ttl }) {
      const response = new Response(value, { headers: { 'Content-Type': 'application/json', 'Cache-Control': `max-age=${Math.max(1, Math.ceil(ttl))}` } });
      await (await cache()).put(request(key), response);
    },
    async delete(key) {
      await (await cache()).delete(request(key));
    },
  };
}
