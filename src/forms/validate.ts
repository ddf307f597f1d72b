/**
 * `validate(Model, input, { instance?, fields?, exclude?, partial? })`: Django's `ModelForm`
 * validation of untrusted input, answered as data instead of thrown:
 *
 * ```ts
 * const result = await validate(Book, await c.req.json());
 * if (!result.success) return c.json({ errors: result.errors }, 400); // { title: ['This field cannot be blank.'] }
 * const book = await Book.objects.create(result.data);
 * ```
 *
 * Each key is checked as its field (`modelSchema`), a foreign key must point at an existing row,
 * then the model's `clean()`, uniqueness and check constraints run against the database (the
 * `instance` being edited excluded), for the fields that passed. Error keys are the input's keys
 * (attribute names: `authorId`), and `__all__`. Nothing is written, and `instance` is not touched.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { NON_FIELD_ERRORS } from '../core/errors.js';
import { activeSession } from '../core/ports.js';
import { writeAlias } from '../models/index.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { cleanValue, detachedCopy, type ErrorDict, mergeError, validateConstraints, validateUnique } from './clean.js';
import { messages } from './messages.js';
import { isRequired, type ModelSchemaOptions, omittedValue, selectFields } from './schema.js';

export interface ValidateOptions extends ModelSchemaOptions {
  /** The saved instance being changed (Django's `ModelForm(instance=…)`): its own row does not count as a clash. */
  instance?: object;
}

export type ValidateResult<T> = { success: true; data: T } | { success: false; errors: Record<string, string[]> };

type InsertOf<M> = M extends { table: infer T extends PgTable } ? Partial<T['$inferInsert']> : Record<string, unknown>;

/** What `validate` found, with the instance it checked (a new one, or a detached copy of `instance`). */
export interface Validated {
  readonly data: Record<string, unknown>;
  readonly errors: ErrorDict;
  /** Absent when the input is not an object. */
  readonly instance?: Record<string, unknown> & { clean(): void | Promise<void> };
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

/** Whether `value` is a plain JSON-like object (not an array, a Date, a model instance…). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `validate`, with the checked instance (the HTTP layer saves it). */
export async function validateInput(model: AnyModelClass, input: unknown, options: ValidateOptions = {}): Promise<Validated> {
  const meta = model._meta as Options;
  const errors: ErrorDict = {};
  const data: Record<string, unknown> = {};
  const fields = selectFields(model, options);
  if (!isPlainObject(input)) {
    errors[NON_FIELD_ERRORS] = [`Invalid data. Expected a dictionary, but got ${kind(input)}.`];
    return { data, errors };
  }
  const byKey = new Map<string, Field>(fields.map((field) => [field.attname, field]));
  for (const key of Object.keys(input)) if (!byKey.has(key)) errors[key] = [messages.unknownField()];

  const alias = options.instance ? writeAlias(options.instance) : (activeSession()?.alias ?? 'default');
  const failed = new Set<string>();
  for (const field of fields) {
    const key = field.attname;
    if (!Object.hasOwn(input, key)) {
      if (options.partial) continue;
      if (isRequired(field)) {
        errors[key] = [messages.required()];
        failed.add(field.name);
      } else if (!options.instance && omittedValue(field) !== undefined) data[key] = omittedValue(field);
      continue;
    }
    const result = await cleanValue(field, input[key], alias);
    if ('errors' in result) {
      errors[key] = result.errors;
      failed.add(field.name);
    } else data[key] = result.value;
  }

  const instance = (options.instance ? Object.assign(detachedCopy(options.instance), data) : new meta.model(data)) as NonNullable<Validated['instance']>;
  // Django's ModelForm._post_clean: clean(), then uniqueness and constraints for the fields that passed.
  const modelErrors: ErrorDict = {};
  await Promise.resolve()
    .then(() => instance.clean())
    .catch((error: unknown) => mergeError(modelErrors, error));
  const selected = new Set(fields.map((field) => field.name));
  const excluded = () => [
    ...meta.fields.filter((field) => !selected.has(field.name)).map((field) => field.name),
    ...failed,
    ...Object.keys(modelErrors).filter((key) => key !== NON_FIELD_ERRORS),
  ];
  await validateUnique(instance, excluded()).catch((error: unknown) => mergeError(modelErrors, error));
  await validateConstraints(instance, excluded()).catch((error: unknown) => mergeError(modelErrors, error));
  for (const [key, list] of Object.entries(modelErrors)) {
    const name = key === NON_FIELD_ERRORS ? key : (meta.forwardField(key)?.attname ?? key);
    (errors[name] ??= []).push(...list);
  }
  for (const key of Object.keys(data)) data[key] = instance[key]; // clean() may have normalised them
  return { data, errors, instance };
}

/**
 * Validates `input` for `Model` (a new object, or `instance` when given) and answers
 * `{ success: true, data }` (the converted values) or `{ success: false, errors }`.
 */
export async function validate<M extends AnyModelClass>(model: M, input: unknown, options: ValidateOptions = {}): Promise<ValidateResult<InsertOf<M>>> {
  const { data, errors } = await validateInput(model, input, options);
  if (Object.keys(errors).length > 0) return { success: false, errors };
  return { success: true, data: data as InsertOf<M> };
}
