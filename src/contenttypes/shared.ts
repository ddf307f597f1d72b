/**
 * What generic foreign keys and generic relations share: the content-type restriction as SQL,
 * the instance-side bookkeeping of a generic foreign key's cache, and the test for a write that
 * failed because a cached content type's row is gone.
 *
 * The restriction is a scalar subquery on the natural key, so a read never depends on a cache:
 * `"content_type_id" = (SELECT "djazzle_ct"."id" FROM "django_content_type" "djazzle_ct"
 *  WHERE "djazzle_ct"."app_label" = $1 AND "djazzle_ct"."model" = $2)`.
 */
import { type SQL, sql } from 'drizzle-orm';
import { alias as aliasTable } from 'drizzle-orm/pg-core';
import { IntegrityError } from '../core/errors.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { STATE, type HasState } from '../models/state.js';
import { contentTypeTable } from './models.js';

export type Instance = HasState & Record<string, unknown>;

const CT_ALIAS = 'djazzle_ct';
const ct = aliasTable(contentTypeTable, CT_ALIAS);

/** The `_meta` whose content type a relation uses: the concrete model's unless `forConcreteModel` is false. */
export function restrictionMeta(model: AnyModelClass, forConcreteModel: boolean): Options {
  const meta = model._meta as Options;
  return forConcreteModel ? (meta.concreteModel._meta as Options) : meta;
}

/** `(SELECT id FROM django_content_type WHERE app_label = … AND model = …)` for `meta`. */
export function contentTypeSubquery(meta: Options): SQL {
  return sql`(SELECT ${ct.id} FROM ${sql.identifier('django_content_type')} ${sql.identifier(CT_ALIAS)} WHERE ${ct.appLabel} = ${meta.appLabel} AND ${ct.model} = ${meta.modelName})`;
}

const NUMERIC = /^(smallint|integer|bigint|serial|smallserial|bigserial|numeric|real|double precision)/;
const TEXT = /^(text|varchar|character varying|char|character)\b/;

/** `object_id = pk`; when the column types differ (a text object id, a UUID pk), compared as text. */
export function objectIdEquals(objectId: SQL, objectIdField: Field, pk: SQL, pkField: Field): SQL {
  const a = objectIdField.drizzleColumn?.getSQLType() ?? '';
  const b = pkField.drizzleColumn?.getSQLType() ?? '';
  if (a === b || (NUMERIC.test(a) && NUMERIC.test(b))) return sql`${objectId} = ${pk}`;
  if (TEXT.test(a)) return sql`${objectId} = (${pk})::text`;
  return sql`(${objectId})::text = (${pk})::text`;
}

/** Whether `error` is a write refused because a content type's row does not exist (a stale cached id). */
export function isMissingContentType(error: unknown): boolean {
  if (!(error instanceof IntegrityError) || error.code !== '23503') return false;
  return `${error.detail ?? ''} ${error.message}`.includes('django_content_type');
}

// ---- argument checks of the field specs ----------------------------------------------------------

export function shown(value: unknown): string {
  if (value !== null && typeof value === 'object') return `"${String(value)}"`;
  return typeof value === 'string' ? `"${value}"` : String(value);
}

export function requireName(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${where}: ${what} must be a field name (a non-empty string), not ${shown(value)}.`);
  return value;
}

export function checkOptions(options: unknown, allowed: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object.`);
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new TypeError(`${where} got unknown option(s): ${unknown.join(', ')}. Valid options: ${allowed.join(', ')}.`);
}

// ---- a generic foreign key's cache on an instance -----------------------------------------------

/** The content type id the cached object was cached for (Django compares it on every read). */
const cachedFor = new WeakMap<object, Map<string, unknown>>();
/** Objects assigned while their content type was not in tier 1: resolved before the save. */
const pending = new WeakMap<object, Map<string, Instance>>();

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return String(a) === String(b);
}

/** Caches `target` as the value of the generic foreign key `name`, for content type `ctId`. */
export function cacheTarget(instance: Instance, name: string, target: object | null, ctId: unknown): void {
  instance[STATE].cacheSet(name, target);
  let map = cachedFor.get(instance);
  if (!map) cachedFor.set(instance, (map = new Map()));
  map.set(name, ctId ?? null);
  pending.get(instance)?.delete(name);
}

export function cachedContentTypeId(instance: object, name: string): unknown {
  return cachedFor.get(instance)?.get(name);
}

export function setPending(instance: Instance, name: string, target: Instance): void {
  let map = pending.get(instance);
  if (!map) pending.set(instance, (map = new Map()));
  map.set(name, target);
}

export function getPending(instance: object, name: string): Instance | undefined {
  return pending.get(instance)?.get(name);
}

export function clearPending(instance: object, name: string): void {
  pending.get(instance)?.delete(name);
}
