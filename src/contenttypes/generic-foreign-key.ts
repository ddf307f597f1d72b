/**
 * `GenericForeignKey(ctField, idField)`: a relation to any model through a content type and an
 * object id (Django's `django.contrib.contenttypes.fields.GenericForeignKey`), a virtual field
 * spec (`src/models/virtual.ts`) that adds a private field to `_meta` when the model is prepared.
 * Reading it answers the loaded object (no property read queries); `await obj.fetch(name)` and
 * `prefetchRelated(name)` load it; assigning sets both columns (the content type from the
 * isolate's cache, or looked up before the save when it is not cached yet).
 *
 * ```ts
 * class TaggedItem extends Model(taggedItems, {
 *   app: 'shop',
 *   fields: {
 *     contentType: ForeignKey(() => ContentType, { onDelete: CASCADE }),
 *     contentObject: GenericForeignKey('contentType', 'objectId'), // GenericForeignKey('content_type', 'object_id')
 *   },
 * }) {}
 * const tag = new TaggedItem({ tag: 'django', contentObject: bookmark });
 * const target = await tag.fetch('contentObject');
 * ```
 */
import { ImproperlyConfigured, RelatedObjectNotLoaded } from '../core/errors.js';
import { activeSession } from '../core/ports.js';
import { defineAccessor } from '../models/accessors.js';
import { coerceValue } from '../models/coerce.js';
import { type AnyModelClass, Field } from '../models/field.js';
import { isModelInstance } from '../models/model.js';
import type { Options } from '../models/options.js';
import { STATE } from '../models/state.js';
import type { ModelInstance } from '../models/types.js';
import { VIRTUAL_FIELD, type VirtualFieldSpec } from '../models/virtual.js';
import { QuerySet } from '../query/queryset.js';
import { classPrepared, preSave } from '../signals/builtins.js';
import { evictContentType } from './cache.js';
import { ContentType } from './models.js';
import { cacheTarget, cachedContentTypeId, checkOptions, clearPending, getPending, type Instance, isMissingContentType, requireName, sameValue, setPending, shown } from './shared.js';

export interface GenericForeignKeyInfo {
  readonly field: Field;
  readonly model: AnyModelClass;
  readonly ctName: string;
  readonly idName: string;
  readonly forConcreteModel: boolean;
}

/** Generic foreign keys by their private field, and by concrete model (for `preSave`). */
export const GENERIC_FOREIGN_KEYS = new WeakMap<Field, GenericForeignKeyInfo>();
const BY_MODEL = new WeakMap<AnyModelClass, GenericForeignKeyInfo[]>();

const alias = (instance: Instance, other?: Instance): string => instance[STATE].db ?? other?.[STATE].db ?? activeSession()?.alias ?? 'default';

/** The pending content types of generic foreign keys, resolved before the write (Django resolves them in `__set__`). */
async function resolveForSave(payload: { instance: Instance; using: string; raw: boolean }): Promise<void> {
  if (payload.raw) return;
  const instance = payload.instance;
  const concrete = (instance.constructor as AnyModelClass)._meta.concreteModel;
  for (const info of BY_MODEL.get(concrete) ?? []) {
    const ctField = info.model._meta.getField(info.ctName) as Field;
    const idField = info.model._meta.getField(info.idName) as Field;
    const state = instance[STATE];
    const target = state.cacheHas(info.field.name) ? (state.cacheGet(info.field.name) as Instance | null) : undefined;
    if (target) {
      // Django's _prepare_related_fields_for_save for private fields
      const pk = (target as unknown as { pk: unknown }).pk;
      if (pk === null || pk === undefined) throw new TypeError(`save() prohibited to prevent data loss due to unsaved related object '${info.field.name}'.`);
      if (instance[idField.attname] === null || instance[idField.attname] === undefined) instance[idField.attname] = pk;
    }
    const waiting = getPending(instance, info.field.name);
    if (waiting) {
      const ct = await ContentType.objects.dbManager(payload.using).getForModel(waiting, { forConcreteModel: info.forConcreteModel });
      instance[ctField.name] = ct;
      cacheTarget(instance, info.field.name, waiting, ct.id);
    }
  }
}

function connectPreSave(model: AnyModelClass): void {
  preSave.connect(resolveForSave as never, { sender: model, dispatchUid: 'djazzle.contenttypes.genericForeignKeys' });
}

// proxies of a model with generic foreign keys send preSave as themselves
classPrepared.connect(
  ({ sender }) => {
    const meta = (sender as AnyModelClass)._meta as Options;
    if (meta.proxy && BY_MODEL.has(meta.concreteModel)) connectPreSave(sender as AnyModelClass);
  },
  { dispatchUid: 'djazzle.contenttypes.proxies' },
);

function validateGenericForeignKey(info: GenericForeignKeyInfo): void {
  const meta = info.model._meta as Options;
  const ct = meta.forwardField(info.ctName);
  const where = `${meta.label}.${info.field.name}`;
  if (!ct) throw new ImproperlyConfigured(`${where}: The GenericForeignKey content type references the nonexistent field '${meta.objectName}.${info.ctName}'. (contenttypes.E002)`);
  const hint = `GenericForeignKeys must use a ForeignKey to 'contenttypes.ContentType' as the 'content_type' field.`;
  if (!ct.isForwardSingle) throw new ImproperlyConfigured(`${where}: '${meta.objectName}.${info.ctName}' is not a ForeignKey. ${hint} (contenttypes.E003)`);
  if (ct.relatedModel?._meta.concreteModel !== ContentType) throw new ImproperlyConfigured(`${where}: '${meta.objectName}.${info.ctName}' is not a ForeignKey to 'contenttypes.ContentType'. ${hint} (contenttypes.E004)`);
  const id = meta.forwardField(info.idName);
  if (!id || id.column === null) throw new ImproperlyConfigured(`${where}: The GenericForeignKey object ID references the nonexistent field '${info.idName}'. (contenttypes.E001)`);
}

function installGenericForeignKey(info: GenericForeignKeyInfo): void {
  const { field, model, forConcreteModel } = info;
  const name = field.name;
  const meta = model._meta as Options;
  const ctField = () => meta.forwardField(info.ctName)!;
  const idField = () => meta.forwardField(info.idName)!;
  const owner = meta.objectName;
  const variable = owner.charAt(0).toLowerCase() + owner.slice(1);
  defineAccessor(model.prototype, name, {
    get(this: Instance) {
      const state = this[STATE];
      const ctId = this[ctField().attname];
      const objectId = this[idField().attname];
      if (state.cacheHas(name)) {
        const cached = state.cacheGet(name) as (Instance & { pk: unknown }) | null;
        if (cached === null) return null; // known absent (Django: a cached None is answered as is)
        if (sameValue(cachedContentTypeId(this, name), ctId) && sameValue(cached.pk, objectId)) return cached;
        state.cacheDelete(name); // the columns changed since: the cached object is stale
      }
      // Django: no content type (or no object id) is no object, and needs no query to tell
      if (ctId === null || ctId === undefined || objectId === null || objectId === undefined) return null;
      const session = activeSession();
      if (session) {
        const model = ContentType.objects.dbManager(alias(this)).cachedForId(ctId)?.modelClass();
        if (model) {
          const hit = session.identityLookup((model._meta as Options).concreteModel, coerceValue((model._meta as Options).pk, objectId));
          if (hit) return hit;
        }
      }
      throw new RelatedObjectNotLoaded(
        `${owner}.${name} is not loaded. Load it with .prefetchRelated('${name}') on the query, or with \`await ${variable}.fetch('${name}')\`.`,
      );
    },
    set(this: Instance, value: unknown) {
      clearPending(this, name);
      if (value === null || value === undefined) {
        this[ctField().name] = null;
        this[idField().attname] = null;
        cacheTarget(this, name, null, null);
        return;
      }
      if (!isModelInstance(value)) throw new TypeError(`Cannot assign ${shown(value)}: "${owner}.${name}" must be a model instance.`);
      const target = value as unknown as Instance & { pk: unknown };
      const ct = ContentType.objects.dbManager(alias(this, target)).cachedForModel(target, forConcreteModel);
      if (ct) {
        this[ctField().name] = ct;
        cacheTarget(this, name, target, ct.id);
      } else {
        // not in this isolate's cache yet: looked up (tier 2, then the database) before the save
        this[ctField().attname] = null;
        this[STATE].cacheDelete(ctField().name);
        cacheTarget(this, name, target, null);
        setPending(this, name, target);
      }
      this[idField().attname] = target.pk ?? null;
    },
  });
  field.hooks = {
    async fetch(object, refresh) {
      const instance = object as Instance;
      if (!refresh) {
        try {
          return instance[name];
        } catch (error) {
          if (!(error instanceof RelatedObjectNotLoaded)) throw error;
        }
      }
      const ctId = instance[ctField().attname];
      const objectId = instance[idField().attname];
      let found: Instance | null = null;
      if (ctId !== null && ctId !== undefined && objectId !== null && objectId !== undefined) {
        const using = alias(instance);
        const model = (await ContentType.objects.dbManager(using).getForId(ctId)).modelClass();
        // Django: the base manager (a custom default manager's filtering does not apply)
        if (model) found = ((await new QuerySet(model).using(using).filter({ pk: objectId }).orderBy().slice(0, 1))[0] as Instance | undefined) ?? null;
      }
      cacheTarget(instance, name, found, ctId); // a deleted target reads as null, and that answer is cached
      return found;
    },
    async prefetch(objects, queryset, toAttr) {
      if (queryset !== undefined) throw new TypeError("Custom queryset can't be used for this lookup.");
      const instances = objects as Instance[];
      const using = alias(instances[0]!);
      const byType = new Map<number, Set<unknown>>();
      for (const obj of instances) {
        const ctId = obj[ctField().attname];
        const objectId = obj[idField().attname];
        if (ctId === null || ctId === undefined || objectId === null || objectId === undefined) continue;
        const ids = byType.get(Number(ctId)) ?? new Set();
        ids.add(objectId);
        byType.set(Number(ctId), ids);
      }
      const types = await ContentType.objects.dbManager(using).getForIds(byType.keys());
      const found = new Map<string, Instance>();
      const loaded: Instance[] = [];
      for (const [ctId, ids] of byType) {
        const model = types.get(ctId)?.modelClass();
        if (!model) continue;
        // one query per content type (Django: ct.get_all_objects_for_this_type(pk__in=…))
        for (const row of (await new QuerySet(model).using(using).filter({ pk__in: [...ids] })) as Instance[]) {
          found.set(`${ctId}:${String((row as unknown as { pk: unknown }).pk)}`, row);
          loaded.push(row);
        }
      }
      for (const obj of instances) {
        const ctId = obj[ctField().attname];
        const value = found.get(`${String(ctId)}:${String(obj[idField().attname])}`) ?? null;
        if (toAttr) obj[toAttr] = value;
        else cacheTarget(obj, name, value, ctId);
      }
      return loaded;
    },
    async saveFailed(object, error, using) {
      // the write used a content type whose row is gone: the cached entry was stale
      const ctId = (object as Instance)[ctField().attname];
      if (ctId !== null && ctId !== undefined && isMissingContentType(error)) await evictContentType(using, Number(ctId));
    },
  };
}

/**
 * Django: `GenericForeignKey(ct_field='content_type', fk_field='object_id', for_concrete_model=True)`.
 * Reading it answers the loaded object (or `null`); load it with `await obj.fetch(name)` or
 * `prefetchRelated(name)` (one query per content type). Assigning sets both columns.
 */
export function GenericForeignKey<T = ModelInstance>(
  ctField = 'contentType',
  idField = 'objectId',
  options: { forConcreteModel?: boolean } = {},
): VirtualFieldSpec<T | null> {
  const where = 'GenericForeignKey()';
  requireName(ctField, 'the content type field', where);
  requireName(idField, 'the object id field', where);
  checkOptions(options, ['forConcreteModel'], where);
  return {
    [VIRTUAL_FIELD]: true,
    contributeToClass(model: AnyModelClass, name: string) {
      const meta = model._meta as Options;
      const field = new Field({ kind: 'private', name, model, internalType: 'GenericForeignKey', manyToOne: true, options: { editable: false, blank: true } });
      const info: GenericForeignKeyInfo = { field, model, ctName: ctField, idName: idField, forConcreteModel: options.forConcreteModel ?? true };
      meta.addPrivateField(field, () => validateGenericForeignKey(info));
      GENERIC_FOREIGN_KEYS.set(field, info);
      BY_MODEL.set(model, [...(BY_MODEL.get(model) ?? []), info]);
      installGenericForeignKey(info);
      connectPreSave(model);
    },
  } as VirtualFieldSpec<T | null>;
}

