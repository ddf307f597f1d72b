/**
 * The query layer's answers to what model instances ask (`src/models/ports.ts`): managers,
 * related managers, `fetch()`, `delete()` and `refreshFromDb()`.
 */
import { RelatedObjectNotLoaded } from '../core/errors.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { provideModelQueries } from '../models/ports.js';
import { STATE, type HasState } from '../models/state.js';
import { deleteInstances } from './collector.js';
import { Manager } from './manager.js';
import { QuerySet } from './queryset.js';
import { relatedManagerFor } from './related-managers.js';

type Instance = HasState & Record<string, unknown>;

async function fetchRelated(instance: Instance, field: Field, refresh: boolean): Promise<unknown> {
  if (field.hooks?.fetch) return field.hooks.fetch(instance, refresh); // a generic foreign key
  const state = instance[STATE];
  if (field.isForwardSingle) {
    if (!refresh) {
      try {
        return instance[field.name];
      } catch (error) {
        if (!(error instanceof RelatedObjectNotLoaded)) throw error;
      }
    }
    const value = instance[field.attname];
    if (value === null || value === undefined) {
      state.cacheSet(field.name, null);
      return null;
    }
    const target = field.relatedModel as AnyModelClass;
    const qs = new QuerySet(target._meta.model).using(state.db ?? 'default');
    const found = (await qs.filter({ [field.targetField!.name]: value }).orderBy().slice(0, 1))[0] ?? null;
    state.cacheSet(field.name, found);
    return found;
  }
  if (field.kind === 'reverseOneToOne') {
    if (!refresh && state.cacheHas(field.accessorName)) return state.cacheGet(field.accessorName);
    const remote = field.remoteField!;
    const qs = new QuerySet((field.relatedModel as AnyModelClass)._meta.model).using(state.db ?? 'default');
    const found = ((await qs.filter({ [remote.name]: instance[remote.targetField!.attname] }).orderBy().slice(0, 1))[0] ?? null) as Instance | null;
    state.cacheSet(field.accessorName, found);
    if (found) found[STATE].cacheSet(remote.name, instance);
    return found;
  }
  throw new TypeError(`${field.model._meta.objectName}.${field.accessorName} is a related manager: use \`await obj.${field.accessorName}.all()\` instead of fetch('${field.name}').`);
}

async function refreshFromDb(instance: Instance, fields: readonly string[] | undefined): Promise<void> {
  const Model = instance.constructor as AnyModelClass;
  const meta = Model._meta as Options;
  const pk = instance[meta.pk.attname];
  const state = instance[STATE];
  const targets = fields
    ? fields.map((name) => {
        const field = meta.findField(name);
        if (!field || field.column === null) {
          if (field && (field.isReverse || field.manyToMany)) return undefined;
          throw new TypeError(`Found "${name}" in fields argument. Relations and transforms are not allowed in fields.`);
        }
        return field;
      })
    : meta.concreteFields.filter((f) => !f.manyToMany && !state.deferred?.has(f.attname));
  const columns = targets.filter((f): f is Field => f !== undefined);
  for (const name of fields ?? []) state.prefetched?.delete(name);
  if (!fields) state.prefetched?.clear();
  if (columns.length === 0) return;
  const rows = (await new QuerySet(meta.model).using(state.db ?? 'default').filter({ pk }).orderBy().values(...columns.map((f) => f.attname))) as Record<string, unknown>[];
  if (rows.length === 0) throw new Model.DoesNotExist(`${meta.objectName} matching query does not exist.`);
  const row = rows[0]!;
  for (const field of columns) {
    const before = instance[field.attname];
    instance[field.attname] = row[field.attname];
    if (field.isForwardSingle && before !== row[field.attname]) state.cacheDelete(field.name);
    state.deferred = state.deferred && new Set([...state.deferred].filter((a) => a !== field.attname));
  }
  for (const related of meta.relatedObjects) if (related.oneToOne) state.cacheDelete(related.accessorName);
  if (!fields) for (const field of meta.privateFields) state.cacheDelete(field.name); // Django: cached private relations
}

provideModelQueries({
  createManager(model) {
    const manager = new Manager();
    manager.contributeToClass(model, 'objects');
    return manager;
  },
  relatedManager: (instance, field) => relatedManagerFor(instance, field),
  fetchRelated: (instance, field, refresh) => fetchRelated(instance as Instance, field, refresh),
  deleteInstance: (instance) => deleteInstances([instance as Instance], instance),
  refreshFromDb: (instance, fields) => refreshFromDb(instance as Instance, fields),
});
