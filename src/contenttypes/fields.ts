/**
 * Generic relations: `GenericForeignKey(ctField, idField)` points at any model through a content
 * type and an object id; `GenericRelation(Model, { relatedQueryName })` is the other side, a
 * related manager whose queries carry the content-type restriction. Both are virtual field specs
 * (`src/models/virtual.ts`): they add a private field to `_meta` when the model is prepared.
 *
 * ```ts
 * class TaggedItem extends Model(taggedItems, {
 *   app: 'shop',
 *   fields: {
 *     contentType: ForeignKey(() => ContentType, { onDelete: CASCADE }),
 *     contentObject: GenericForeignKey('contentType', 'objectId'), // GenericForeignKey('content_type', 'object_id')
 *   },
 * }) {}
 * class Bookmark extends Model(bookmarks, {
 *   app: 'shop',
 *   fields: { tags: GenericRelation(() => TaggedItem, { relatedQueryName: 'bookmark' }) },
 * }) {}
 * await bookmark.tags.create({ tag: 'django' });
 * await Bookmark.objects.filter({ tags__tag: 'django' });
 * await TaggedItem.objects.filter({ bookmark__url__contains: 'example' });
 * const target = await tag.fetch('contentObject');
 * ```
 */
import { type SQL, sql } from 'drizzle-orm';
import { ImproperlyConfigured, RelatedObjectNotLoaded } from '../core/errors.js';
import { activeSession } from '../core/ports.js';
import { defineAccessor } from '../models/accessors.js';
import { coerceValue } from '../models/coerce.js';
import { type AnyModelClass, Field } from '../models/field.js';
import { isModelInstance } from '../models/model.js';
import type { Options } from '../models/options.js';
import { apps } from '../models/registry.js';
import type { RelationTarget } from '../models/relations.js';
import { STATE } from '../models/state.js';
import type { ModelInstance, TargetInstance } from '../models/types.js';
import { VIRTUAL_FIELD, type VirtualFieldSpec } from '../models/virtual.js';
import { RawSQL } from '../query/expressions.js';
import { QuerySet } from '../query/queryset.js';
import { classPrepared, preSave } from '../signals/builtins.js';
import { evictContentType } from './cache.js';
import { ContentType } from './models.js';
import { GenericRelatedObjectManager, type GenericRelationInfo } from './related-manager.js';
import {
  cacheTarget, cachedContentTypeId, clearPending, contentTypeSubquery, getPending, type Instance, isMissingContentType, objectIdEquals,
  restrictionMeta, sameValue, setPending,
} from './shared.js';

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

function shown(value: unknown): string {
  if (value !== null && typeof value === 'object') return `"${String(value)}"`;
  return typeof value === 'string' ? `"${value}"` : String(value);
}

function requireName(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${where}: ${what} must be a field name (a non-empty string), not ${shown(value)}.`);
  return value;
}

function checkOptions(options: unknown, allowed: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object.`);
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new TypeError(`${where} got unknown option(s): ${unknown.join(', ')}. Valid options: ${allowed.join(', ')}.`);
}

// ---- GenericForeignKey ------------------------------------------------------------------------

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
      if (ctId === null || ctId === undefined) return null;
      const session = activeSession();
      if (session && objectId !== null && objectId !== undefined) {
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

// ---- GenericRelation --------------------------------------------------------------------------

export interface GenericRelationOptions {
  /** The name the tagged model's queries use for this side (`TaggedItem.objects.filter({ bookmark__url: … })`). */
  relatedQueryName?: string;
  /** The content type foreign key on the related model. Default `'contentType'`. */
  contentTypeField?: string;
  /** The object id field on the related model. Default `'objectId'`. */
  objectIdField?: string;
  /** Use the concrete model's content type for proxies (default), or the proxy's own. */
  forConcreteModel?: boolean;
  verboseName?: string;
  helpText?: string;
}

function resolveTarget(to: unknown, info: GenericRelationInfo): AnyModelClass {
  const meta = info.model._meta as Options;
  let target = to;
  if (target === 'self') return info.model;
  if (typeof target === 'function' && !('_meta' in target)) target = (target as () => unknown)();
  if (typeof target === 'string') target = apps.findModel(target.includes('.') ? target : `${meta.appLabel}.${target}`) ?? target;
  if (typeof target === 'function' && '_meta' in target) return target as AnyModelClass;
  throw new ImproperlyConfigured(`${meta.label}.${info.field.name}: Field defines a relation with model '${String(target)}', which is either not installed, or is abstract. (fields.E300)`);
}

function resolveGenericRelation(to: unknown, info: GenericRelationInfo): void {
  const { field, model } = info;
  const meta = model._meta as Options;
  const where = `${meta.label}.${field.name}`;
  const target = resolveTarget(to, info);
  const targetMeta = target._meta as Options;
  const gfk = targetMeta.privateFields.map((f) => GENERIC_FOREIGN_KEYS.get(f)).find((g) => g?.ctName === info.ctName && g.idName === info.idName);
  const ctField = targetMeta.forwardField(info.ctName);
  const idField = targetMeta.forwardField(info.idName);
  if (!gfk || !ctField || !idField) {
    throw new ImproperlyConfigured(
      `${where}: The GenericRelation defines a relation with the model '${targetMeta.label}', but that model does not have a GenericForeignKey on '${info.ctName}' and '${info.idName}'. (contenttypes.E004)`,
    );
  }
  const queryName = info.relatedQueryName;
  if (queryName !== undefined) {
    const clash = targetMeta.forwardField(queryName) ?? targetMeta.privateFields.find((f) => f.name === queryName);
    if (clash) {
      throw new ImproperlyConfigured(`Reverse query name for '${where}' clashes with field name '${targetMeta.label}.${clash.name}'. Add or change a relatedQueryName argument to the definition for '${where}'. (fields.E303)`);
    }
  }
  field.relatedModel = target;
  const reverse = new Field({
    kind: 'reversePrivate',
    name: queryName ?? `_${meta.labelLower}_${field.name}+`,
    model: targetMeta.concreteModel,
    internalType: 'GenericRel',
    relatedModel: model,
    autoCreated: true,
    hidden: queryName === undefined, // Django: without related_query_name the reverse side is not queryable
    null: true,
    manyToOne: true,
  });
  reverse.accessorName = reverse.name;
  reverse.remoteField = field;
  field.remoteField = reverse;
  Object.assign(info, { target, ctField, idField, gfk: gfk.field.name });
  const ownerPk = () => meta.pk;
  const restriction = (owner: { model: AnyModelClass }) => contentTypeSubquery(restrictionMeta(owner.model, info.forConcreteModel));
  field.hooks = {
    // Bookmark → TaggedItem: object_id = bookmark.id AND content_type_id = (the type of Bookmark)
    joinCondition: (near, far, models) => sqlAnd(objectIdEquals(far(idField), idField, near(ownerPk()), ownerPk()), far(ctField), restriction(models.near)),
    prefetch: (objects, queryset, toAttr) => prefetchGenericRelation(info, objects as Instance[], queryset, toAttr),
    async bulkRelatedObjects(objs, using) {
      // Django: deleting the object deletes its generic rows only when a GenericRelation exists
      const pks = objs.map((o) => (o as { pk: unknown }).pk);
      return (await new QuerySet(target)
        .using(using)
        .filter({ [ctField.name]: new RawSQL(restriction(info)), [`${idField.name}__in`]: pks })
        .orderBy()) as object[];
    },
  };
  // TaggedItem → Bookmark (relatedQueryName): bookmark.id = object_id AND content_type_id = (the type of Bookmark)
  reverse.hooks = {
    joinCondition: (near, far, models) => sqlAnd(objectIdEquals(near(idField), idField, far(ownerPk()), ownerPk()), near(ctField), restriction(models.far)),
  };
}

/** The join condition: the object id equality, and the content type column equal to the restriction. */
function sqlAnd(equality: SQL, ctColumn: SQL, subquery: SQL): SQL {
  return sql`${equality} AND ${ctColumn} = ${subquery}`;
}

async function prefetchGenericRelation(info: GenericRelationInfo, owners: Instance[], queryset: unknown, toAttr: string | undefined): Promise<object[]> {
  const { field, ctField, idField, target } = info;
  const using = owners[0]![STATE].db;
  const ownerModel = owners[0]!.constructor as AnyModelClass;
  let qs = (queryset as QuerySet<unknown, unknown> | undefined) ?? ((target!._meta.model.objects as { getQueryset(): QuerySet<unknown, unknown> }).getQueryset());
  if (using) qs = qs.using(using);
  const pks = [...new Set(owners.map((o) => (o as unknown as { pk: unknown }).pk))];
  const rows = (await qs.filter({
    [ctField!.name]: new RawSQL(contentTypeSubquery(restrictionMeta(ownerModel, info.forConcreteModel))),
    [`${idField!.name}__in`]: pks,
  })) as Instance[];
  const groups = new Map<string, Instance[]>();
  for (const row of rows) {
    const key = String(row[idField!.attname]);
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  for (const owner of owners) {
    const list = groups.get(String((owner as unknown as { pk: unknown }).pk)) ?? [];
    for (const row of list) cacheTarget(row, info.gfk!, owner, row[ctField!.attname]);
    if (toAttr) owner[toAttr] = list;
    else (owner[STATE].prefetched ??= new Map()).set(field.name, list);
  }
  return rows;
}

/**
 * Django: `GenericRelation(to, related_query_name=None, content_type_field='content_type',
 * object_id_field='object_id', for_concrete_model=True)`: `obj.<name>` is a related manager whose
 * queries carry the content-type restriction; `relatedQueryName` lets the related model's queries
 * span back (`TaggedItem.objects.filter({ bookmark__url: … })`); deleting the object deletes its
 * related rows.
 */
export function GenericRelation<T>(to: RelationTarget<T>, options: GenericRelationOptions = {}): VirtualFieldSpec<GenericRelatedObjectManager<TargetInstance<T>>> {
  const where = 'GenericRelation()';
  checkOptions(options, ['relatedQueryName', 'contentTypeField', 'objectIdField', 'forConcreteModel', 'verboseName', 'helpText'], where);
  if (options.relatedQueryName !== undefined) requireName(options.relatedQueryName, 'relatedQueryName', where);
  const ctName = requireName(options.contentTypeField ?? 'contentType', 'contentTypeField', where);
  const idName = requireName(options.objectIdField ?? 'objectId', 'objectIdField', where);
  if (to === undefined || to === null || (typeof to !== 'function' && typeof to !== 'string')) {
    throw new TypeError(`${where} takes a model, a thunk returning one, 'self' or an 'app_label.ModelName' label, not ${shown(to)}.`);
  }
  return {
    [VIRTUAL_FIELD]: true,
    contributeToClass(model: AnyModelClass, name: string) {
      const meta = model._meta as Options;
      const field = new Field({
        kind: 'private',
        name,
        model,
        internalType: 'GenericRelation',
        oneToMany: true,
        null: true,
        options: { editable: false, blank: true, ...(options.verboseName ? { verboseName: options.verboseName } : {}), ...(options.helpText ? { helpText: options.helpText } : {}) },
      });
      const info: GenericRelationInfo = { field, model, ctName, idName, forConcreteModel: options.forConcreteModel ?? true, relatedQueryName: options.relatedQueryName };
      meta.addPrivateField(field, () => resolveGenericRelation(to, info));
      defineAccessor(model.prototype, name, {
        get(this: Instance) {
          apps.ensureReady();
          return new GenericRelatedObjectManager(this, info);
        },
        set() {
          throw new TypeError(`Direct assignment to the reverse side of a related set is prohibited. Use ${name}.set() instead.`);
        },
      });
    },
  } as VirtualFieldSpec<GenericRelatedObjectManager<TargetInstance<T>>>;
}
