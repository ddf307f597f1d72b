/**
 * `modelSchema(Model, { fields?, exclude?, partial? })`: a valibot schema of a model's editable
 * fields, keyed by attribute name (`authorId` for the `author` foreign key). Django's `ModelForm`
 * fields as a schema: types, `maxLength`, `choices`, `blank`, `null`, validators, and which keys
 * are required (no default, not nullable, not blank; nothing is with `partial`).
 *
 * ```ts
 * const BookInput = modelSchema(Book, { exclude: ['createdAt'] });
 * v.parse(BookInput, { title: 'Kindred', authorId: 3, published: 1979 });
 * // class BookForm(ModelForm): class Meta: model = Book; exclude = ['created_at']
 * ```
 * The object is strict (an unknown key is an issue). Parse it with `v.safeParseAsync` when a
 * field has async validators. Uniqueness and foreign keys need the database: `validate()` checks them.
 */
import * as v from 'valibot';
import { FieldError } from '../core/errors.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { valueSchema } from './field-schema.js';
import { messages } from './messages.js';
import { hasAsyncValidators, validatorActions } from './validators.js';

export interface ModelSchemaOptions {
  /** Field names (or attribute names) to include; default: every editable field. */
  fields?: readonly string[];
  /** Field names (or attribute names) to leave out. */
  exclude?: readonly string[];
  /** Every key optional (Django REST framework's `partial=True`, a PATCH). */
  partial?: boolean;
}

type Schema = v.GenericSchema<unknown, unknown> | v.GenericSchemaAsync<unknown, unknown>;

/** A field that can receive input: concrete, not many-to-many. */
function isInputField(field: Field): boolean {
  return field.column !== null && !field.manyToMany;
}

/** The fields a schema (or `validate`) covers, in model order. Django's `fields_for_model`. */
export function selectFields(model: AnyModelClass, options: ModelSchemaOptions = {}): Field[] {
  const meta = model._meta as Options;
  const excluded = new Set((options.exclude ?? []).map((name) => meta.forwardField(name)?.name ?? name));
  if (options.fields) {
    const unknown = options.fields.filter((name) => {
      const field = meta.forwardField(name) ?? (name === 'pk' ? meta.pk : undefined);
      return !field || !isInputField(field);
    });
    if (unknown.length > 0) throw new FieldError(`Unknown field(s) (${unknown.join(', ')}) specified for ${meta.objectName}`);
    const wanted = new Set(options.fields.map((name) => (name === 'pk' ? meta.pk : meta.forwardField(name)!).name));
    for (const name of wanted) {
      const field = meta.forwardField(name)!;
      if (!field.editable) throw new FieldError(`'${field.name}' cannot be specified for ${meta.objectName} model form as it is a non-editable field`);
    }
    return meta.fields.filter((field) => wanted.has(field.name) && !excluded.has(field.name));
  }
  return meta.fields.filter((field) => isInputField(field) && field.editable && !excluded.has(field.name));
}

/**
 * Whether a value must be given on create (Django REST framework's `required`): no default,
 * not nullable, not blank.
 */
export function isRequired(field: Field): boolean {
  return !field.hasDefault() && !field.null && !field.blank;
}

/** The value an omitted optional field gets: `''` for a blank, non-null text field without a default (Django's `get_default()`). */
export function omittedValue(field: Field): string | undefined {
  const text = field.internalType === 'CharField' || field.internalType === 'TextField';
  return text && field.blank && !field.null && !field.hasDefault() ? '' : undefined;
}

/** The schema of one field's value: null handling, the type and checks, then validators. */
export function fieldEntry(field: Field): Schema {
  const actions = validatorActions(field);
  const async = hasAsyncValidators(field);
  let inner: Schema = valueSchema(field);
  if (actions.length > 0) inner = (async ? v.pipeAsync(inner as never, ...(actions as never[])) : v.pipe(inner as never, ...(actions as never[]))) as unknown as Schema;
  if (field.null) return (async ? v.nullableAsync(inner as never) : v.nullable(inner as never)) as Schema;
  const notNull = v.check((value: unknown) => value !== null, messages.null());
  return (async ? v.pipeAsync(v.unknown(), notNull, inner as never) : v.pipe(v.unknown(), notNull, inner as never)) as Schema;
}

/** Django's `modelform_factory(Model, fields=…, exclude=…)` as a valibot object schema. */
export function modelSchema(model: AnyModelClass, options: ModelSchemaOptions = {}): v.GenericSchema<unknown, Record<string, unknown>> | v.GenericSchemaAsync<unknown, Record<string, unknown>> {
  const fields = selectFields(model, options);
  const entries: Record<string, Schema> = {};
  let async = false;
  for (const field of fields) {
    async ||= hasAsyncValidators(field);
    const entry = fieldEntry(field);
    const omitted = (options.partial ? undefined : omittedValue(field)) as never;
    if (options.partial || !isRequired(field)) {
      entries[field.attname] = (hasAsyncValidators(field) ? v.optionalAsync(entry as never, omitted) : v.optional(entry as never, omitted)) as unknown as Schema;
    } else entries[field.attname] = entry;
  }
  const object = async ? v.strictObjectAsync(entries as never) : v.strictObject(entries as never);
  return object as unknown as v.GenericSchema<unknown, Record<string, unknown>>;
}
