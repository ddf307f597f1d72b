/**
 * The CLI's link to the content-types app (`src/contenttypes`): the cache backend setting and
 * `remove_stale_contenttypes`.
 */
import { ImproperlyConfigured } from '../core/errors.js';

export async function setContentTypeCache(cache: unknown): Promise<void> {
  void cache;
  throw new ImproperlyConfigured("'contentTypes.cache' is set but the content-types app is not available in this build.");
}

export interface StaleContentTypesResult {
  readonly removed: readonly string[];
}

export async function removeStaleContentTypes(options: { using: string; includeStaleApps: boolean; dryRun: boolean }): Promise<StaleContentTypesResult> {
  void options;
  throw new ImproperlyConfigured('remove_stale_contenttypes needs the content-types app (djazzle/contenttypes), which is not available in this build.');
}
