/**
 * Keeping `django_content_type` in step with the installed models (Django's
 * `contenttypes.management`): a `postMigrate` receiver creates the content types of the migrated
 * apps' models, `createTables` does the same in tests when `ContentType` is among the models,
 * `truncate()` clears tier 1 of the cache, and `removeStaleContentTypes()` deletes the rows of
 * models that no longer exist (the `remove_stale_contenttypes` command).
 *
 * ```ts
 * await createContentTypes(news.getModels());                    // create_contenttypes(app_config)
 * const { contentTypes } = await removeStaleContentTypes({ dryRun: true });
 * ```
 */
import { createTablesHooks, truncateHooks } from '../db/connection.js';
import type { DdlSource } from '../db/ddl.js';
import type { AnyModelClass } from '../models/field.js';
import { isModelClass } from '../models/model.js';
import type { Options } from '../models/options.js';
import { type AppConfig, apps } from '../models/registry.js';
import { Q, type QNode } from '../query/expressions.js';
import { QuerySet } from '../query/queryset.js';
import { postDelete, postMigrate, postSave, type MigratePayload } from '../signals/builtins.js';
import { contentTypeCacheConfig, evictContentType, localCaches } from './cache.js';
import { ContentType, contentTypeTable } from './models.js';

/**
 * Creates the missing content types of `models` (proxies included, auto-created through models
 * left out, as Django): one SELECT, then one INSERT for all the missing rows. Returns those created.
 */
export async function createContentTypes(models: Iterable<AnyModelClass> | AppConfig, options: { using?: string } = {}): Promise<ContentType[]> {
  const list = isAppConfig(models) ? models.getModels() : [...models];
  for (const model of list) if (!isModelClass(model)) throw new TypeError(`createContentTypes() takes model classes or an app config, not ${typeof model === 'object' ? String(model) : typeof model}.`);
  const wanted = new Map<string, { appLabel: string; model: string }>();
  for (const model of list) {
    const meta = model._meta as Options;
    if (meta.autoCreated) continue;
    wanted.set(`${meta.appLabel}.${meta.modelName}`, { appLabel: meta.appLabel, model: meta.modelName });
  }
  const manager = ContentType.objects.dbManager(options.using);
  manager.clearCache(); // Django's create_contenttypes starts from a clear cache
  if (wanted.size === 0) return [];
  const byApp = new Map<string, string[]>();
  for (const { appLabel, model } of wanted.values()) byApp.set(appLabel, [...(byApp.get(appLabel) ?? []), model]);
  const condition = [...byApp.entries()].map(([appLabel, names]) => Q({ appLabel, model__in: names })).reduce((a: QNode, b: QNode) => a.or(b));
  const qs = options.using ? new QuerySet(ContentType).using(options.using) : new QuerySet(ContentType);
  for (const ct of (await qs.filter(condition).orderBy()) as ContentType[]) wanted.delete(`${ct.appLabel}.${ct.model}`);
  if (wanted.size === 0) return [];
  return (await qs.bulkCreate([...wanted.values()].map((row) => new ContentType(row)))) as ContentType[];
}

function isAppConfig(value: unknown): value is AppConfig {
  return typeof value === 'object' && value !== null && typeof (value as AppConfig).getModels === 'function' && typeof (value as AppConfig).label === 'string';
}

function appKnown(label: string): boolean {
  return apps.isInstalled(label) || apps.getModels({ includeAutoCreated: true }).some((m) => m._meta.appLabel === label);
}

export interface RemoveStaleContentTypesOptions {
  using?: string;
  /** Also remove the content types of apps that are no longer installed (Django's `--include-stale-apps`). */
  includeStaleApps?: boolean;
  /** Only report what would be removed. */
  dryRun?: boolean;
}

/**
 * Django's `remove_stale_contenttypes`: deletes the content types whose model is gone (of
 * installed apps, or of any app with `includeStaleApps`), and with them, through the deletion
 * collector, the rows pointing at them (generic rows with a CASCADE foreign key). The caches
 * forget them. Returns the stale content types and the deletion counts.
 */
export async function removeStaleContentTypes(
  options: RemoveStaleContentTypesOptions = {},
): Promise<{ contentTypes: ContentType[]; deleted: [number, Record<string, number>] }> {
  const qs = options.using ? new QuerySet(ContentType).using(options.using) : new QuerySet(ContentType);
  const all = (await qs.orderBy('appLabel', 'model')) as ContentType[];
  const stale = all.filter((ct) => ct.modelClass() === null && (options.includeStaleApps || appKnown(ct.appLabel)));
  if (stale.length === 0 || options.dryRun) return { contentTypes: stale, deleted: [0, {}] };
  const deleted = await qs.filter({ pk__in: stale.map((ct) => ct.id) }).delete();
  return { contentTypes: stale, deleted };
}

/** Django's `create_contenttypes` post_migrate receiver: the migrated app's models (every installed model when no app is given). */
export async function createContentTypesAfterMigrate(payload: Partial<MigratePayload>): Promise<void> {
  const state = payload.apps as { getModel?(app: string, model: string): unknown } | undefined;
  if (state && typeof state.getModel === 'function') {
    try {
      state.getModel('contenttypes', 'ContentType'); // not migrated (yet): nothing to create into
    } catch {
      return;
    }
  }
  const config = isAppConfig(payload.appConfig) ? payload.appConfig : undefined;
  const models = config ? config.getModels() : apps.getModels();
  await createContentTypes(models, { using: payload.using });
}

postMigrate.connect(createContentTypesAfterMigrate as never, { dispatchUid: 'djazzle.contenttypes.createContentTypes' });

// testDatabase() / createTables(): the content types of the models, when ContentType is among them
createTablesHooks.add(async (connection, models: readonly DdlSource[]) => {
  if (!models.some((m) => m === ContentType || m === contentTypeTable || (isModelClass(m) && (m as AnyModelClass)._meta.concreteModel === ContentType))) return;
  await createContentTypes(models.filter((m): m is AnyModelClass => isModelClass(m)), { using: connection.alias });
});

// truncate() (tests) empties django_content_type: tier 1 forgets its rows, and so does a tier-2
// backend that can be cleared (memory); rows of other backends are found stale when used
truncateHooks.add(async (connection) => {
  for (const cache of localCaches) cache.clear(connection.alias);
  await contentTypeCacheConfig()?.backend.clear?.();
});

// rows djazzle deletes or changes leave both tiers at once
postDelete.connect(
  async ({ instance, using }) => {
    const ct = instance as ContentType;
    if (typeof ct.id === 'number') await evictContentType(using, ct.id, { appLabel: ct.appLabel, model: ct.model });
  },
  { sender: ContentType, dispatchUid: 'djazzle.contenttypes.evictDeleted' },
);
postSave.connect(
  async ({ instance, using, created }) => {
    if (!created) await evictContentType(using, (instance as ContentType).id);
  },
  { sender: ContentType, dispatchUid: 'djazzle.contenttypes.evictChanged' },
);
