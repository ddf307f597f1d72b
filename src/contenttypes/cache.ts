/**
 * The content-type cache, three tiers (see `ContentTypeManager`):
 *
 * 1. the isolate's memory: per manager, per database alias, by id and by natural key (Django's
 *    `ContentTypeManager._cache`); `clearCache()` empties it;
 * 2. an edge cache backend shared by isolates (memory, Cloudflare KV, Cache API), configured with
 *    `configureContentTypeCache({ backend, ttl })`;
 * 3. the database.
 *
 * Tier-2 keys: `<prefix>:v1:<alias>:id:<id>` and `<prefix>:v1:<alias>:nk:<app_label>.<model>`
 * (components URI-encoded), each holding the whole row as JSON `{"id":…,"appLabel":…,"model":…}`,
 * so a lookup by either key is one read. A miss is never cached (no negative entries). An entry
 * is dropped when it is found stale: when it does not match its key, when djazzle deletes or
 * changes the row, and when a write with its id fails because the row is gone.
 */
import { assertCacheBackend, type CacheBackend } from './backends/types.js';

/** A content type as the tiers hold it. */
export interface ContentTypeRow {
  readonly id: number;
  readonly appLabel: string;
  readonly model: string;
}

export interface ContentTypeCacheOptions {
  /** The tier-2 backend; `null` turns tier 2 off. */
  backend: CacheBackend | null;
  /** Seconds an entry lives in tier 2. Default 86 400 (one day). */
  ttl?: number;
  /** Key prefix, to share one namespace between projects or databases. Default `'djazzle:ct'`. */
  prefix?: string;
  /** Called when the backend fails (the lookup then goes on as a miss). Default: `console.warn`. */
  onError?: (error: unknown, operation: 'get' | 'set' | 'delete', key: string) => void;
}

export const DEFAULT_TTL = 86_400;

interface EdgeConfig {
  readonly backend: CacheBackend;
  readonly ttl: number;
  readonly prefix: string;
  readonly onError: (error: unknown, operation: 'get' | 'set' | 'delete', key: string) => void;
}

let edge: EdgeConfig | null = null;

/**
 * Configures tier 2 of the content-type cache (process- or isolate-wide).
 *
 * ```ts
 * configureContentTypeCache({ backend: kvCacheBackend(env.CONTENT_TYPES), ttl: 86_400 });
 * configureContentTypeCache(null); // tier 2 off
 * ```
 */
export function configureContentTypeCache(options: ContentTypeCacheOptions | null): void {
  if (options === null || options.backend === null) {
    edge = null;
    return;
  }
  if (typeof options !== 'object') throw new TypeError(`configureContentTypeCache() takes { backend, ttl?, prefix?, onError? } or null, not ${typeof options}.`);
  const known = new Set(['backend', 'ttl', 'prefix', 'onError']);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new TypeError(`configureContentTypeCache() got unknown option(s): ${unknown.join(', ')}. Valid options: backend, ttl, prefix, onError.`);
  assertCacheBackend(options.backend, 'configureContentTypeCache()');
  const ttl = options.ttl ?? DEFAULT_TTL;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw new RangeError(`configureContentTypeCache(): ttl must be a positive number of seconds, not ${String(ttl)}.`);
  const prefix = options.prefix ?? 'djazzle:ct';
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError('configureContentTypeCache(): prefix must be a non-empty string.');
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('configureContentTypeCache(): onError must be a function.');
  const onError = options.onError ?? ((error, operation, key) => console.warn(`djazzle: content-type cache (${options.backend!.name}) ${operation} '${key}' failed; going on without it.`, error));
  edge = { backend: options.backend, ttl, prefix, onError };
}

/** The tier-2 settings in force (`null` when tier 2 is off). */
export function contentTypeCacheConfig(): { readonly backend: CacheBackend; readonly ttl: number; readonly prefix: string } | null {
  return edge;
}

const enc = encodeURIComponent;

export function idKey(config: { prefix: string }, alias: string, id: number): string {
  return `${config.prefix}:v1:${enc(alias)}:id:${id}`;
}

export function naturalKey(config: { prefix: string }, alias: string, appLabel: string, model: string): string {
  return `${config.prefix}:v1:${enc(alias)}:nk:${enc(appLabel)}.${enc(model)}`;
}

function parse(text: string): ContentTypeRow | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null) return null;
    const { id, appLabel, model } = value;
    if (typeof id !== 'number' || !Number.isInteger(id) || typeof appLabel !== 'string' || typeof model !== 'string') return null;
    return { id, appLabel, model };
  } catch {
    return null;
  }
}

async function read(config: EdgeConfig, key: string, matches: (row: ContentTypeRow) => boolean): Promise<ContentTypeRow | null> {
  let text: string | null;
  try {
    text = await config.backend.get(key);
  } catch (error) {
    config.onError(error, 'get', key);
    return null;
  }
  if (text === null) return null;
  const row = parse(text);
  if (row && matches(row)) return row;
  await remove(config, [key]); // found stale (or corrupt): drop it, answer a miss
  return null;
}

async function remove(config: EdgeConfig, keys: string[]): Promise<void> {
  await Promise.all(
    keys.map(async (key) => {
      try {
        await config.backend.delete(key);
      } catch (error) {
        config.onError(error, 'delete', key);
      }
    }),
  );
}

/** Tier 2 by id: one read. */
export function edgeById(alias: string, id: number): Promise<ContentTypeRow | null> {
  const config = edge;
  if (!config) return Promise.resolve(null);
  return read(config, idKey(config, alias, id), (row) => row.id === id);
}

/** Tier 2 by natural key: one read. */
export function edgeByNaturalKey(alias: string, appLabel: string, model: string): Promise<ContentTypeRow | null> {
  const config = edge;
  if (!config) return Promise.resolve(null);
  return read(config, naturalKey(config, alias, appLabel, model), (row) => row.appLabel === appLabel && row.model === model);
}

/** Stores rows read from the database under both keys. */
export async function edgeStore(alias: string, rows: readonly ContentTypeRow[]): Promise<void> {
  const config = edge;
  if (!config || rows.length === 0) return;
  const writes: Array<[string, string]> = [];
  for (const row of rows) {
    const value = JSON.stringify({ id: row.id, appLabel: row.appLabel, model: row.model });
    writes.push([idKey(config, alias, row.id), value], [naturalKey(config, alias, row.appLabel, row.model), value]);
  }
  await Promise.all(
    writes.map(async ([key, value]) => {
      try {
        await config.backend.set(key, value, { ttl: config.ttl });
      } catch (error) {
        config.onError(error, 'set', key);
      }
    }),
  );
}

/** Drops the entries of a row (by id, and by natural key when it is known). */
export async function edgeEvict(alias: string, id: number | undefined, natural: { appLabel: string; model: string } | undefined): Promise<void> {
  const config = edge;
  if (!config) return;
  const keys: string[] = [];
  if (id !== undefined) keys.push(idKey(config, alias, id));
  if (natural) keys.push(naturalKey(config, alias, natural.appLabel, natural.model));
  await remove(config, keys);
}

/** Tier 1 of one manager (shared by its `dbManager()` copies): alias → id / natural key → instance. */
export class LocalCache<T extends ContentTypeRow = ContentTypeRow> {
  readonly #byAlias = new Map<string, { byId: Map<number, T>; byKey: Map<string, T> }>();

  static key(appLabel: string, model: string): string {
    return `${appLabel}.${model}`;
  }

  #bucket(alias: string) {
    let bucket = this.#byAlias.get(alias);
    if (!bucket) this.#byAlias.set(alias, (bucket = { byId: new Map(), byKey: new Map() }));
    return bucket;
  }

  byId(alias: string, id: number): T | undefined {
    return this.#byAlias.get(alias)?.byId.get(id);
  }

  byKey(alias: string, appLabel: string, model: string): T | undefined {
    return this.#byAlias.get(alias)?.byKey.get(LocalCache.key(appLabel, model));
  }

  add(alias: string, ct: T): void {
    const bucket = this.#bucket(alias);
    bucket.byId.set(ct.id, ct);
    bucket.byKey.set(LocalCache.key(ct.appLabel, ct.model), ct);
  }

  /** Forgets a row by id; answers its natural key when it was held. */
  evict(alias: string, id: number): ContentTypeRow | undefined {
    const bucket = this.#byAlias.get(alias);
    const held = bucket?.byId.get(id);
    if (!bucket || !held) return undefined;
    bucket.byId.delete(id);
    let natural: ContentTypeRow | undefined;
    for (const [key, ct] of bucket.byKey) {
      if (ct !== held && ct.id !== id) continue;
      bucket.byKey.delete(key); // by identity too: the held instance may have been changed in place
      const dot = key.indexOf('.');
      natural = { id, appLabel: key.slice(0, dot), model: key.slice(dot + 1) };
    }
    return natural ?? { id: held.id, appLabel: held.appLabel, model: held.model };
  }

  clear(alias?: string): void {
    if (alias === undefined) this.#byAlias.clear();
    else this.#byAlias.delete(alias);
  }
}

/** Every tier-1 cache of this isolate, so that `truncate()` and staleness reach them all. */
export const localCaches = new Set<LocalCache>();

/** Forgets a content type in every tier-1 cache and in tier 2 (it was found stale, deleted or changed). */
export async function evictContentType(alias: string, id: number, natural?: { appLabel: string; model: string }): Promise<void> {
  let known = natural;
  for (const cache of localCaches) known = cache.evict(alias, id) ?? known;
  await edgeEvict(alias, id, known);
}

export function requireInteger(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  const shown = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  throw new TypeError(`Field '${what}' expected a number but got ${shown}.`);
}
