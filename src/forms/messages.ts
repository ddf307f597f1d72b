/**
 * Django's validation messages, and the boundary where valibot issues (data) become them.
 * `%(value)s` is Python's `str(value)`, `%(value)r` its `repr(value)`; both are spelled here
 * as Django prints them (`'abc'`, `None`, `True`).
 *
 * ```ts
 * // Django: "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."
 * messages.maxLength(100, 104) // 'Ensure this value has at most 100 characters (it has 104).'
 * ```
 */
import type { BaseIssue } from 'valibot';
import type { Field } from '../models/field.js';

/** Python's `str(value)`. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Python's `repr(value)`: strings quoted (`'abc'`), `None`, `True`, numbers as they are. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
  }
  return pyStr(value);
}

/** Django's `capfirst`. */
export function capfirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Django's `get_text_list(['a', 'b', 'c'], 'and')` → `'a, b and c'`. */
export function textList(items: readonly string[], last = 'and'): string {
  if (items.length === 0) return '';
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/** Django's messages, by code. */
export const messages = {
  required: () => 'This field is required.',
  null: () => 'This field cannot be null.',
  blank: () => 'This field cannot be blank.',
  invalidChoice: (value: unknown) => `Value ${pyRepr(value)} is not a valid choice.`,
  maxLength: (limit: number, length: number) => `Ensure this value has at most ${limit} characters (it has ${length}).`,
  minLength: (limit: number, length: number) => `Ensure this value has at least ${limit} characters (it has ${length}).`,
  maxValue: (limit: unknown) => `Ensure this value is less than or equal to ${pyStr(limit)}.`,
  minValue: (limit: unknown) => `Ensure this value is greater than or equal to ${pyStr(limit)}.`,
  integer: (value: unknown) => `“${pyStr(value)}” value must be an integer.`,
  float: (value: unknown) => `“${pyStr(value)}” value must be a float.`,
  boolean: (value: unknown) => `“${pyStr(value)}” value must be either True or False.`,
  decimal: (value: unknown) => `“${pyStr(value)}” value must be a decimal number.`,
  maxDigits: (max: number) => `Ensure that there are no more than ${max} digits in total.`,
  maxDecimalPlaces: (max: number) => `Ensure that there are no more than ${max} decimal places.`,
  maxWholeDigits: (max: number) => `Ensure that there are no more than ${max} digits before the decimal point.`,
  datetime: (value: unknown) => `“${pyStr(value)}” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.`,
  invalidDatetime: (value: unknown) => `“${pyStr(value)}” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time.`,
  date: (value: unknown) => `“${pyStr(value)}” value has an invalid date format. It must be in YYYY-MM-DD format.`,
  invalidDate: (value: unknown) => `“${pyStr(value)}” value has the correct format (YYYY-MM-DD) but it is an invalid date.`,
  uuid: (value: unknown) => `“${pyStr(value)}” is not a valid UUID.`,
  string: () => 'Not a valid string.',
  nullCharacters: () => 'Null characters are not allowed.',
  json: () => 'Value must be valid JSON.',
  list: () => 'Expected a list of items.',
  invalid: () => 'Enter a valid value.',
  unknownField: () => 'Unknown field.',
  /** `ForeignKey.validate`: "%(model)s instance with %(field)s %(value)r does not exist." */
  missingRelated: (model: string, field: string, value: unknown) => `${model} instance with ${field} ${pyRepr(value)} does not exist.`,
  unique: (modelName: string, fieldLabel: string) => `${modelName} with this ${fieldLabel} already exists.`,
  uniqueTogether: (modelName: string, fieldLabels: readonly string[]) => `${modelName} with this ${textList(fieldLabels)} already exists.`,
  constraint: (name: string) => `Constraint “${name}” is violated.`,
};

const INTEGER_TYPES = new Set(['IntegerField', 'SmallIntegerField', 'BigIntegerField', 'AutoField', 'SmallAutoField', 'BigAutoField', 'PositiveIntegerField']);

/** The message for a value of the wrong type for `field` (Django's `to_python` errors). */
export function typeMessage(field: Field | undefined, value: unknown): string {
  if (value === null) return messages.null();
  if (value === undefined) return messages.required();
  const type = field?.isForwardSingle ? field.targetField?.internalType ?? 'IntegerField' : field?.internalType;
  if (type && INTEGER_TYPES.has(type)) return messages.integer(value);
  switch (type) {
    case 'FloatField':
      return messages.float(value);
    case 'DecimalField':
      return messages.decimal(value);
    case 'BooleanField':
      return messages.boolean(value);
    case 'DateTimeField':
      return messages.datetime(value);
    case 'DateField':
      return messages.date(value);
    case 'UUIDField':
      return messages.uuid(value);
    case 'JSONField':
      return messages.json();
    case 'ArrayField':
      return messages.list();
    case 'CharField':
    case 'TextField':
      return messages.string();
    default:
      return messages.invalid();
  }
}

/** Whether valibot wrote the message itself (no custom message was given to the schema or action). */
function isDefaultMessage(issue: BaseIssue<unknown>): boolean {
  return issue.message.startsWith('Invalid ');
}

/**
 * The Django message for one valibot issue about `field`. Messages given to a schema or action
 * (djazzle's own, or a user's `v.check(…, 'message')`) are kept; valibot's defaults become
 * Django's wording. `nested`: the issue is about a part of the value (an array item, a key).
 */
export function issueMessage(issue: BaseIssue<unknown>, field: Field | undefined, nested = false): string {
  if (!isDefaultMessage(issue)) return issue.message;
  const requirement = (issue as { requirement?: unknown }).requirement;
  switch (issue.type) {
    case 'max_length':
      return messages.maxLength(Number(requirement), Number(issue.received));
    case 'min_length':
      return messages.minLength(Number(requirement), Number(issue.received));
    case 'max_value':
      return messages.maxValue(requirement);
    case 'min_value':
      return messages.minValue(requirement);
    case 'integer':
      return messages.integer(issue.input);
    case 'uuid':
      return messages.uuid(issue.input);
    case 'enum':
    case 'picklist':
      return messages.invalidChoice(issue.input);
    case 'email':
      return 'Enter a valid email address.';
    case 'url':
      return 'Enter a valid URL.';
    case 'strict_object':
      if (issue.expected === 'never') return messages.unknownField();
      break;
  }
  if (issue.kind === 'schema') {
    if (issue.input === undefined) return messages.required();
    return nested ? messages.invalid() : typeMessage(field, issue.input);
  }
  return messages.invalid();
}
