/**
 * `prefetchRelated`: Django's `prefetch_related_objects`. One query per level of each lookup;
 * results fill the related managers' caches (or `toAttr`), forward relations' caches, and the
 * reverse foreign key cache of each related object.
 *
 * ```ts
 * Author.objects.prefetchRelated('books__reviews')  // 3 queries: authors, books, reviews
 * ```
 */
import { FieldError } from '../core/errors.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE, type HasState } from '../models/state.js';
import { batches } from './batching.js';
import { F } from './expressions.js';
import { Prefetch, PrefetchSpec } from './prefetch-spec.js';
import type { QuerySet } from './queryset.js';

type Instance = HasState & Record<string, unknown>;

const PREFETCH_VALUE = '_prefetchRelatedVal';

function baseQueryset(model: AnyModelClass, given: unknown): QuerySet<unknown, unknown> {
  if (given) return given as QuerySet<unknown, unknown>;
  return (model._meta.model.objects as { getQueryset(): QuerySet<unknown, unknown> }).getQueryset();
}

/** One query per batch of ids (one query unless there are more than 30,000). */
async function inBatches(ids: readonly unknown[], query: (batch: unknown[]) => PromiseLike<unknown[]>): Promise<Instance[]> {
  if (ids.length === 0) return [];
  const rows: Instance[] = [];
  for (const batch of batches(ids)) rows.push(...((await query(batch)) as Instance[]));
  return rows;
}

/** Loads one relation for `instances` (one query) and returns the related objects found. */
async function prefetchOne(instances: Instance[], name: string, queryset: unknown, toAttr: string | undefined): Promise<Instance[]> {
  const meta = (instances[0]!.constructor as AnyModelClass)._meta as Options;
  // Django's prefetch_related takes attribute names: 'books', 'bookSet', or the query name
  const field: Field | undefined = meta.findField(name) ?? meta.getFields({ includeHidden: true }).find((f) => f.isReverse && f.accessorName === name);
  // a private relation (generic foreign key, generic relation) prefetches itself
  if (field?.hooks?.prefetch) return (await field.hooks.prefetch(instances, queryset, toAttr)) as Instance[];
  if (!field || !field.isRelation) {
    throw new FieldError(`Cannot find '${name}' on ${meta.objectName} object, '${name}' is an invalid parameter to prefetch_related()`);
  }
  const related = field.relatedModel as AnyModelClass;
  const using = instances[0]![STATE].db ?? undefined;
  let qs = baseQueryset(related, queryset);
  if (using) qs = qs.using(using);
  if (field.isForwardSingle) {
    const target = field.targetField!;
    const ids = [...new Set(instances.map((o) => o[field.attname]).filter((v) => v !== null && v !== undefined))];
    const rows = await inBatches(ids, (batch) => qs.filter({ [`${target.name}__in`]: batch }));
    const byKey = new Map(rows.map((row) => [row[target.attname], row]));
    for (const obj of instances) {
      const value = byKey.get(obj[field.attname]) ?? null;
      if (toAttr) obj[toAttr] = value;
      else obj[STATE].cacheSet(field.name, value);
    }
    return rows;
  }
  if (field.kind === 'reverseForeignKey' || field.kind === 'reverseOneToOne') {
    const remote = field.remoteField!;
    const keyName = remote.targetField!.attname;
    const ids = [...new Set(instances.map((o) => o[keyName]))];
    const rows = await inBatches(ids, (batch) => qs.filter({ [`${remote.name}__in`]: batch }));
    const groups = new Map<unknown, Instance[]>();
    for (const row of rows) {
      const key = row[remote.attname];
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(row);
    }
    for (const obj of instances) {
      const list = groups.get(obj[keyName]) ?? [];
      for (const row of list) row[STATE].cacheSet(remote.name, obj);
      if (field.kind === 'reverseOneToOne') {
        if (toAttr) obj[toAttr] = list[0] ?? null;
        else obj[STATE].cacheSet(field.accessorName, list[0] ?? null);
      } else if (toAttr) obj[toAttr] = list;
      else (obj[STATE].prefetched ??= new Map()).set(field.accessorName, list);
    }
    return rows;
  }
  // many-to-many, either side: filter through the reverse query name, annotate the source value
  const forward = field.kind === 'manyToMany' ? field : field.remoteField!;
  const queryName = field.kind === 'manyToMany' ? forward.remoteField!.name : forward.name;
  const ids = [...new Set(instances.map((o) => o[meta.pk.attname]))];
  const pairs: Array<[Instance, unknown]> = [];
  for (const batch of batches(ids)) {
    pairs.push(...((await qs.filter({ [`${queryName}__in`]: batch }).annotate({ [PREFETCH_VALUE]: F(queryName) }).fetchPairs(PREFETCH_VALUE)) as Array<[Instance, unknown]>));
  }
  const rows = pairs.map(([instance]) => instance);
  const groups = new Map<unknown, Instance[]>();
  for (const [instance, key] of pairs) {
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(instance);
  }
  for (const obj of instances) {
    const list = groups.get(obj[meta.pk.attname]) ?? [];
    if (toAttr) obj[toAttr] = list;
    else (obj[STATE].prefetched ??= new Map()).set(field.accessorName, list);
  }
  return rows;
}

/** Django: `prefetch_related_objects(instances, *lookups)`. */
export async function prefetchRelatedObjects(instances: object[], lookups: ReadonlyArray<string | PrefetchSpec>): Promise<void> {
  const done = new Map<string, Instance[]>();
  for (const lookup of lookups) {
    const spec = lookup instanceof PrefetchSpec ? lookup : Prefetch(lookup);
    const parts = spec.prefetchThrough.split('__');
    let level = instances as Instance[];
    for (let i = 0; i < parts.length && level.length > 0; i++) {
      const path = parts.slice(0, i + 1).join('__');
      const last = i === parts.length - 1;
      const key = last && spec.toAttr ? `${path}->${spec.toAttr}` : path;
      const cached = done.get(key);
      if (cached && !(last && spec.queryset)) {
        level = cached;
        continue;
      }
      if (last && spec.queryset !== undefined && done.has(path) && !spec.toAttr) {
        throw new TypeError(`'${path}' lookup was already seen with a different queryset. You may need to adjust the ordering of your lookups.`);
      }
      level = await prefetchOne(level, parts[i]!, last ? spec.queryset : undefined, last ? spec.toAttr : undefined);
      done.set(key, level);
    }
  }
}
