/**
 * The CLI's link to the content-types app (`djazzle/contenttypes`), imported only when a command
 * needs it (importing it connects its `postMigrate` receiver and defines the `contenttypes` app).
 */
import type { CacheBackend } from '../contenttypes/backends/types.js';

export interface ContentTypesSetting {
  cache?: unknown;
  ttl?: number;
  prefix?: string;
}

/** `contentTypes: { cache, ttl?, prefix? }` → `configureContentTypeCache({ backend: cache, ttl, prefix })`. */
export async function setContentTypeCache(setting: ContentTypesSetting): Promise<void> {
  const { configureContentTypeCache } = await import('../contenttypes/index.js');
  configureContentTypeCache({
    backend: (setting.cache ?? null) as CacheBackend | null,
    ...(setting.ttl !== undefined ? { ttl: setting.ttl } : {}),
    ...(setting.prefix !== undefined ? { prefix: setting.prefix } : {}),
  });
}

export interface StaleContentTypesResult {
  /** `app.model` of each stale content type. */
  readonly removed: readonly string[];
  /** Objects deleted with them, by model label. */
  readonly deleted: Readonly<Record<string, number>>;
}

export async function removeStaleContentTypes(options: { using: string; includeStaleApps: boolean; dryRun: boolean }): Promise<StaleContentTypesResult> {
  const contenttypes = await import('../contenttypes/index.js');
  const result = await contenttypes.removeStaleContentTypes(options);
  return { removed: result.contentTypes.map((ct) => `${ct.appLabel}.${ct.model}`), deleted: result.deleted[1] };
}
