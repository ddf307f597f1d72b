/**
 * `GenericRelation(Model, { relatedQueryName })`: the other side of a generic foreign key (Django's
 * `GenericRelation`), a virtual field spec whose accessor is a related manager. Its joins and its
 * manager's queries carry the content-type restriction; `relatedQueryName` lets the related
 * model's queries span back; deleting the object deletes its related rows (the deletion collector
 * asks `bulkRelatedObjects`); `prefetchRelated(name)` is one query.
 *
 * ```ts
 * class Bookmark extends Model(bookmarks, {
 *   app: 'shop',
 *   fields: { tags: GenericRelation(() => TaggedItem, { relatedQueryName: 'bookmark' }) }, // GenericRelation(TaggedItem, related_query_name='bookmark')
 * }) {}
 * await bookmark.tags.create({ tag: 'django' });
 * await Bookmark.objects.filter({ tags__tag: 'django' });
 * await TaggedItem.objects.filter({ bookmark__url__contains: 'example' });
 * ```
 */
import { type SQL, sql } from 'drizzle-orm';
import { ImproperlyConfigured } from '../core/errors.js';
import { defineAccessor } from '../models/accessors.js';
import { type AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { apps } from '../models/registry.js';
import type { RelationTarget } from '../models/relations.js';
import { STATE } from '../models/state.js';
import type { TargetInstance } from '../models/types.js';
import { VIRTUAL_FIELD, type VirtualFieldSpec } from '../models/virtual.js';
import { RawSQL } from '../query/expressions.js';
import { QuerySet } from '../query/queryset.js';
import { GENERIC_FOREIGN_KEYS } from './generic-foreign-key.js';
import { GenericRelatedObjectManager, type GenericRelationInfo } from './related-manager.js';
import { cacheTarget, checkOptions, contentTypeSubquery, type Instance, objectIdEquals, requireName, restrictionMeta, shown } from './shared.js';

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
