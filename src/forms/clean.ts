/**
 * Django's model validation (`Model.full_clean` and its steps) for djazzle instances:
 *
 * ```ts
 * try {
 *   await article.fullClean({ exclude: ['slug'] });  // article.full_clean(exclude=['slug'])
 * } catch (e) {
 *   if (e instanceof ValidationError) e.messageDict;  // { headline: ['This field cannot be blank.'], __all__: [...] }
 * }
 * ```
 *
 * 1. `cleanFields`: each field's value is converted (`to_python`) and checked (null, blank,
 *    choices, max length, digits, validators; a foreign key must point at an existing row).
 * 2. `clean()`: the model's override point; its errors land under `__all__` unless it names fields.
 * 3. `validateUnique`: unique fields, `uniqueTogether` and the table's unique constraints, against
 *    the database, excluding the instance itself, for fields that passed 1 and 2.
 * 4. `validateConstraints`: the table's check constraints, evaluated by the database.
 */
import { Column, is, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type PgColumn } from 'drizzle-orm/pg-core';
import { NON_FIELD_ERRORS, ValidationError } from '../core/errors.js';
import { FROM_DB, provideModelValidation, STATE, writeAlias, type FullCleanOptions } from '../models/index.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import type { HasState } from '../models/state.js';
import { QuerySet } from '../query/queryset.js';
import { rawQuery } from '../query/raw.js';
import { isEmpty, valueSchema } from './field-schema.js';
import { capfirst, issueMessage, messages } from './messages.js';
import { runValidators } from './validators.js';
import * as v from 'valibot';

type Instance = HasState & Record<string, unknown>;
export type ErrorDict = Record<string, string[]>;

const metaOf = (instance: object): Options => (instance.constructor as AnyModelClass)._meta as Options;

function add(errors: ErrorDict, key: string, list: readonly string[]): void {
  if (list.length > 0) (errors[key] ??= []).push(...list);
}

/** Django's `ValidationError.update_error_dict`: a dict merges by field, a message goes under `__all__`. */
export function mergeError(errors: ErrorDict, error: unknown): void {
  if (!(error instanceof ValidationError)) throw error;
  if (error.errorDict) for (const [key, list] of Object.entries(error.errorDict)) add(errors, key, list);
  else add(errors, NON_FIELD_ERRORS, error.errorList);
}

/** Field names from names or attnames (`authorId` → `author`). */
function fieldNames(meta: Options, names: Iterable<string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const name of names ?? []) out.add(meta.forwardField(name)?.name ?? name);
  return out;
}

export type CleanResult = { value: unknown } | { errors: string[] };

/**
 * Django's `Field.clean(value, instance)`: the value converted, or the field's messages.
 * `alias`: where a foreign key's target is looked up.
 */
export async function cleanValue(field: Field, raw: unknown, alias: string): Promise<CleanResult> {
  if (raw === null || raw === undefined) {
    return field.null || !field.editable ? { value: null } : { errors: [messages.null()] };
  }
  const parsed = v.safeParse(valueSchema(field), raw);
  if (!parsed.success) return { errors: parsed.issues.map((issue) => issueMessage(issue, field, (issue.path?.length ?? 0) > 0)) };
  const value = parsed.output;
  if (isEmpty(value)) return { value };
  const errors = await runValidators(field, value);
  if (errors.length === 0 && field.isForwardSingle && field.editable && !(await relatedExists(field, value, alias))) {
    const target = field.relatedModel._meta as Options;
    errors.push(messages.missingRelated(target.verboseName, field.targetField?.name ?? target.pk.name, value));
  }
  return errors.length > 0 ? { errors } : { value };
}

/** Django's `ForeignKey.validate`: the target row exists (within `limitChoicesTo`). */
async function relatedExists(field: Field, value: unknown, alias: string): Promise<boolean> {
  const target = (field.relatedModel._meta as Options).model;
  let qs = new QuerySet(target).using(alias).filter({ [field.targetField?.name ?? 'pk']: value });
  const limit = typeof field.limitChoicesTo === 'function' ? (field.limitChoicesTo as () => unknown)() : field.limitChoicesTo;
  if (limit) qs = qs.filter(limit as never);
  return qs.exists();
}

/** Django: `Model.clean_fields(exclude)`. Converted values are written back to the instance. */
export async function cleanFields(target: object, exclude?: Iterable<string>): Promise<void> {
  const instance = target as Instance;
  const meta = metaOf(instance);
  const excluded = fieldNames(meta, exclude);
  const alias = writeAlias(instance);
  const errors: ErrorDict = {};
  for (const field of meta.fields) {
    if (field.column === null || excluded.has(field.name)) continue;
    const raw = instance[field.attname];
    if (raw === undefined && field.dbDefault) continue; // the database gives the value
    if (field.blank && isEmpty(raw)) continue;
    const result = await cleanValue(field, raw, alias);
    if ('errors' in result) add(errors, field.name, result.errors);
    else if (result.value !== raw) instance[field.attname] = result.value;
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

// ---- uniqueness ---------------------------------------------------------------------------

interface UniqueCheck {
  readonly fields: readonly string[];
  readonly message?: string;
  readonly name?: string;
}

/** Django's `_get_unique_checks`: `uniqueTogether`, unique fields, then the table's other unique constraints. */
function uniqueChecks(meta: Options, excluded: ReadonlySet<string>): UniqueCheck[] {
  const seen = new Set<string>();
  const out: UniqueCheck[] = [];
  const push = (check: UniqueCheck) => {
    const key = [...check.fields].sort().join('\0');
    if (seen.has(key)) return;
    seen.add(key);
    if (check.fields.some((name) => excluded.has(name))) return;
    out.push(check);
  };
  for (const fields of meta.uniqueTogether) push({ fields: fields.map((name) => meta.forwardField(name)?.name ?? name) });
  for (const field of meta.concreteFields) if (field.unique && !field.manyToMany) push({ fields: [field.name] });
  for (const constraint of meta.constraints) {
    if (constraint.kind === 'unique' && constraint.fields.length > 0) push({ fields: constraint.fields, message: constraint.violationErrorMessage, name: constraint.name });
  }
  return out;
}

/** Django's `unique_error_message`. */
function uniqueMessage(meta: Options, check: UniqueCheck): string {
  if (check.message) return check.message.replace(/%\(name\)s/g, check.name ?? '');
  const modelName = capfirst(meta.verboseName);
  const labels = check.fields.map((name) => capfirst(meta.getField(name).verboseName));
  return labels.length === 1 ? messages.unique(modelName, labels[0]!) : messages.uniqueTogether(modelName, labels);
}

/** Django: `Model.validate_unique(exclude)`, against the database, the instance itself excluded. */
export async function validateUnique(target: object, exclude?: Iterable<string>): Promise<void> {
  const instance = target as Instance;
  const meta = metaOf(instance);
  const adding = instance[STATE].adding;
  const alias = writeAlias(instance);
  const pk = instance[meta.pk.attname];
  const errors: ErrorDict = {};
  for (const check of uniqueChecks(meta, fieldNames(meta, exclude))) {
    const lookups: Record<string, unknown> = {};
    let complete = true;
    for (const name of check.fields) {
      const field = meta.getField(name);
      const value = instance[field.attname];
      if (value === null || value === undefined || (field.primaryKey && !adding)) {
        complete = false; // no value (or the pk of a saved row): nothing to check
        break;
      }
      lookups[field.attname] = value;
    }
    if (!complete) continue;
    const manager = meta.model.objects as { getQueryset(): QuerySet };
    let qs = manager.getQueryset().using(alias).filter(lookups);
    if (!adding && pk !== null && pk !== undefined) qs = qs.exclude({ pk });
    if (await qs.exists()) add(errors, check.fields.length === 1 ? check.fields[0]! : NON_FIELD_ERRORS, [uniqueMessage(meta, check)]);
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

// ---- check constraints ----------------------------------------------------------------------

/** The columns a check's SQL names (through Drizzle column objects). */
function referencedColumns(fragment: SQL, out = new Set<PgColumn>()): Set<PgColumn> {
  for (const chunk of (fragment as unknown as { queryChunks: unknown[] }).queryChunks) {
    if (is(chunk, Column)) out.add(chunk as PgColumn);
    else if (chunk && typeof chunk === 'object' && 'queryChunks' in chunk) referencedColumns(chunk as SQL, out);
  }
  return out;
}

/** A column's type without length or precision (a cast to it never overflows). */
const SERIALS: Record<string, string> = { serial: 'integer', smallserial: 'smallint', bigserial: 'bigint' };

function baseType(column: PgColumn): string {
  const type = column.getSQLType().replace(/\s*\(\s*\d+(\s*,\s*\d+)?\s*\)/g, '');
  return SERIALS[type] ?? type;
}

/**
 * Django: `Model.validate_constraints(exclude)`: each check constraint of the Drizzle table is
 * evaluated by the database against the instance's values (`SELECT … FROM (VALUES …) AS table`);
 * a check naming an excluded field is skipped. Unique constraints are `validateUnique`'s.
 */
export async function validateConstraints(target: object, exclude?: Iterable<string>): Promise<void> {
  const instance = target as Instance;
  const meta = metaOf(instance);
  const checks = getTableConfig(meta.table).checks;
  if (checks.length === 0) return;
  const excluded = fieldNames(meta, exclude);
  const byColumn = new Map<PgColumn, Field>();
  for (const field of meta.concreteFields) if (field.drizzleColumn) byColumn.set(field.drizzleColumn, field);
  const values = sql.join(
    [...byColumn].map(([column, field]) => {
      const value = excluded.has(field.name) ? undefined : instance[field.attname];
      const param = value === undefined || value === null ? sql`NULL` : sql`${sql.param(value, column)}`;
      return sql`CAST(${param} AS ${sql.raw(baseType(column))}) AS ${sql.identifier(column.name)}`;
    }),
    sql`, `,
  );
  const errors: ErrorDict = {};
  for (const check of checks) {
    if ([...referencedColumns(check.value)].some((column) => excluded.has(byColumn.get(column)?.name ?? ''))) continue;
    const query = sql`SELECT 1 AS "violated" FROM (SELECT ${values}) AS ${sql.identifier(meta.dbTable)} WHERE NOT COALESCE((${check.value}), true)`;
    const rows = await rawQuery(query, writeAlias(instance));
    if (rows.length > 0) {
      const declared = meta.constraints.find((c) => c.name === check.name && c.violationErrorMessage);
      add(errors, NON_FIELD_ERRORS, [declared?.violationErrorMessage?.replace(/%\(name\)s/g, check.name) ?? messages.constraint(check.name)]);
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

// ---- full_clean -------------------------------------------------------------------------------

/** Django: `Model.full_clean(exclude, validate_unique, validate_constraints)`. */
export async function fullClean(target: object, options: FullCleanOptions = {}): Promise<void> {
  const instance = target as Instance & { clean(): void | Promise<void> };
  const meta = metaOf(instance);
  const excluded = fieldNames(meta, options.exclude);
  const errors: ErrorDict = {};
  await cleanFields(instance, excluded).catch((error: unknown) => mergeError(errors, error));
  // Django: clean() runs even when fields failed.
  await Promise.resolve()
    .then(() => instance.clean())
    .catch((error: unknown) => mergeError(errors, error));
  // Unique and constraint checks only for fields that passed.
  const passed = () => new Set([...excluded, ...Object.keys(errors).filter((key) => key !== NON_FIELD_ERRORS)]);
  if (options.validateUnique ?? true) await validateUnique(instance, passed()).catch((error: unknown) => mergeError(errors, error));
  if (options.validateConstraints ?? true) await validateConstraints(instance, passed()).catch((error: unknown) => mergeError(errors, error));
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

/**
 * A detached copy of a saved instance (not tracked by any session, no signals), to validate
 * changes without touching the instance a session may flush.
 */
export function detachedCopy(target: object): Instance {
  const instance = target as Instance;
  const meta = metaOf(instance);
  const row: Record<string, unknown> = {};
  for (const field of meta.concreteFields) if (field.attname in instance) row[field.attname] = instance[field.attname];
  const Model = instance.constructor as new (init: typeof FROM_DB, row: Record<string, unknown>) => Instance;
  const copy = new Model(FROM_DB, row);
  copy[STATE].adding = instance[STATE].adding;
  copy[STATE].db = instance[STATE].db;
  return copy;
}

provideModelValidation({
  fullClean,
  cleanFields: (instance, exclude) => cleanFields(instance, exclude),
  validateUnique: (instance, exclude) => validateUnique(instance, exclude),
  validateConstraints: (instance, exclude) => validateConstraints(instance, exclude),
});
