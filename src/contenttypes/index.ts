/**
 * `djazzle/contenttypes`: Django's `django.contrib.contenttypes`. The `ContentType` model and its
 * cached manager, generic relations, and the edge cache backends of the content-type cache.
 * Import it after `djazzle` (the root entry does not import it, so a Worker bundle only carries
 * it when it is used).
 *
 * ```ts
 * import 'djazzle';
 * import { ContentType, GenericForeignKey, GenericRelation, configureContentTypeCache, kvCacheBackend } from 'djazzle/contenttypes';
 * configureContentTypeCache({ backend: kvCacheBackend(env.CONTENT_TYPES), ttl: 86_400 });
 * ```
 */
import '../query/model-port.js';

export { ContentType, contentTypeTable, contenttypesApp } from './models.js';
export { ContentTypeManager } from './manager.js';
export { GenericForeignKey } from './generic-foreign-key.js';
export { GenericRelation, type GenericRelationOptions } from './generic-relation.js';
export { GenericRelatedObjectManager } from './related-manager.js';
export { createContentTypes, removeStaleContentTypes, createContentTypesAfterMigrate, type RemoveStaleContentTypesOptions } from './management.js';
export { configureContentTypeCache, contentTypeCacheConfig, DEFAULT_TTL, type ContentTypeCacheOptions } from './cache.js';
export type { CacheBackend } from './backends/types.js';
export { memoryCacheBackend, type MemoryCacheBackend, type MemoryCacheBackendOptions } from './backends/memory.js';
export { kvCacheBackend, KV_MIN_TTL, type KVNamespaceLike } from './backends/cloudflare-kv.js';
export { cacheApiBackend, type CacheApiBackendOptions, type CacheLike } from './backends/cache-api.js';
