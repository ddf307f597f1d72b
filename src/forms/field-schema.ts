/**
 * One valibot schema per model field: Django's `Field.to_python` (the type, from the Drizzle
 * column through `drizzle-valibot` where its mapping fits, djazzle's own parsing for datetimes,
 * decimals and bigints, which arrive as strings in JSON) followed by `Field.validate` (blank,
 * choices). Null handling and validators are added by the callers (`modelSchema`, `cleanFields`).
 *
 * | column | accepts | gives |
 * | --- | --- | --- |
 * | `integer`, `smallint`, `bigint` (number) | JSON integers in the column's range | `number` |
 * | `bigint` (bigint mode) | integers, integer strings, `bigint` | `bigint` |
 * | `numeric(p, s)` | numbers, numeric strings, within `p` digits and `s` places | `string` |
 * | `timestamp`, `date` | `Date`, ISO 8601 strings (UTC when no offset) | `Date` (or the string, in string mode) |
 * | `varchar(n)`, `text`, `uuid`, `boolean`, `json`, enums, arrays | as `drizzle-valibot` maps them | |
 */
import { createSelectSchema } from 'drizzle-valibot';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import * as v from 'valibot';
import { decimalShape } from '../models/column-fields.js';
import type { Choices, Field } from '../models/field.js';
import { issueMessage, messages, typeMessage } from './messages.js';

type Schema = v.GenericSchema<unknown, unknown>;
export type Parsed = { value: unknown } | { error: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Django's `EMPTY_VALUES`. */
export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** A schema from a parse function that answers a value or Django's message. */
function parsing(parse: (value: unknown) => Parsed): Schema {
  return v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const result = parse(dataset.value);
      if ('error' in result) {
        addIssue({ message: result.error });
        return NEVER;
      }
      return result.value;
    }),
  ) as Schema;
}

// ---- datetimes ------------------------------------------------------------------------------

// Django's `datetime_re` / `date_re` (django.utils.dateparse).
const DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TIME = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?$/;

function daysIn(year: number, month: number): number {
  return utc(year, month + 1, 0).getUTCDate();
}

/** An ISO 8601 datetime as a UTC `Date`, or `null` when the parts are out of range. */
/** A UTC date from its parts (`Date.UTC` would read years below 100 as 19xx). */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date;
}

/** Python's `datetime` range (years 1 to 9999), which PostgreSQL holds too. */
function inRange(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}

function parseDatetime(match: RegExpExecArray): Date | null {
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', tz] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return null;
    offset = sign * (oh * 60 + om);
  }
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(utc(year, month, day, hour, minute, second, ms).getTime() - offset * 60_000);
  return inRange(date) ? date : null;
}

function datetimeParser(column: PgColumn): (value: unknown) => Parsed {
  const stringMode = column.columnType === 'PgTimestampString';
  return (value) => {
    if (value instanceof Date) {
      if (!inRange(value)) return { error: messages.invalidDatetime(value) };
      return { value: stringMode ? value.toISOString() : value };
    }
    if (typeof value !== 'string') return { error: messages.datetime(value) };
    const text = value.trim();
    const match = DATETIME.exec(text);
    if (!match) return { error: messages.datetime(value) };
    const date = parseDatetime(match);
    if (!date) return { error: messages.invalidDatetime(value) };
    return { value: stringMode ? date.toISOString() : date };
  };
}

function dateParser(column: PgColumn): (value: unknown) => Parsed {
  const stringMode = column.columnType === 'PgDateString';
  return (value) => {
    let iso: string;
    if (value instanceof Date) {
      if (!inRange(value)) return { error: messages.invalidDate(value) };
      iso = value.toISOString().slice(0, 10);
    } else {
      if (typeof value !== 'string') return { error: messages.date(value) };
      const match = DATE.exec(value.trim());
      if (!match) return { error: messages.date(value) };
      const [, y, mo, d] = match;
      const year = Number(y);
      const month = Number(mo);
      const day = Number(d);
      if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return { error: messages.invalidDate(value) };
      iso = `${y}-${mo!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
    }
    return { value: stringMode ? iso : new Date(`${iso}T00:00:00Z`) };
  };
}

function timeParser(value: unknown): Parsed {
  const invalid = { error: `“${String(value)}” value has an invalid format. It must be in HH:MM[:ss[.uuuuuu]] format.` };
  if (typeof value !== 'string') return invalid;
  const match = TIME.exec(value.trim());
  if (!match) return invalid;
  const [, h, m, s = '0'] = match;
  if (Number(h) > 23 || Number(m) > 59 || Number(s) > 59) return { error: `“${value}” value has the correct format (HH:MM[:ss[.uuuuuu]]) but it is an invalid time.` };
  return { value: value.trim() };
}

// ---- numbers --------------------------------------------------------------------------------

function bigintParser(value: unknown): Parsed {
  let result: bigint;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) result = BigInt(value);
  else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) result = BigInt(value.trim());
  else return { error: messages.integer(value) };
  if (result < INT64_MIN) return { error: messages.minValue(INT64_MIN) };
  if (result > INT64_MAX) return { error: messages.maxValue(INT64_MAX) };
  return { value: result };
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

/** Django's `DecimalField.to_python` and `DecimalValidator(max_digits, decimal_places)`; the value as a plain decimal string. */
function decimalParser(column: PgColumn): (value: unknown) => Parsed {
  const { maxDigits, decimalPlaces } = decimalShape(column);
  return (value) => {
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'bigint') return { error: messages.decimal(value) };
    if (typeof value === 'number' && !Number.isFinite(value)) return { error: messages.decimal(value) };
    const text = String(value).trim();
    const match = DECIMAL.exec(text);
    if (!match || (match[2] === '' && (match[3] ?? '') === '')) return { error: messages.decimal(value) };
    const [, sign = '', whole = '', fraction = '', exp = '0'] = match;
    const exponent = Number(exp) - fraction.length;
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return { error: messages.decimal(value) };
    const digitsText = (whole + fraction).replace(/^0+(?=\d)/, '');
    // Django's DecimalValidator, from Decimal.as_tuple()
    let digits: number;
    let decimals: number;
    if (exponent >= 0) {
      digits = digitsText.length + (digitsText === '0' ? 0 : exponent);
      decimals = 0;
    } else if (-exponent > digitsText.length) {
      digits = decimals = -exponent;
    } else {
      digits = digitsText.length;
      decimals = -exponent;
    }
    const wholeDigits = digits - decimals;
    if (maxDigits !== undefined && digits > maxDigits) return { error: messages.maxDigits(maxDigits) };
    if (decimalPlaces !== undefined && decimals > decimalPlaces) return { error: messages.maxDecimalPlaces(decimalPlaces) };
    if (maxDigits !== undefined && decimalPlaces !== undefined && wholeDigits > maxDigits - decimalPlaces) {
      return { error: messages.maxWholeDigits(maxDigits - decimalPlaces) };
    }
    return { value: plainDecimal(sign, digitsText, exponent) };
  };
}

function plainDecimal(sign: string, digits: string, exponent: number): string {
  let text: string;
  if (exponent >= 0) text = digits === '0' ? '0' : digits + '0'.repeat(exponent);
  else {
    const padded = digits.padStart(-exponent + 1, '0');
    text = `${padded.slice(0, exponent)}.${padded.slice(exponent)}`;
  }
  return sign === '-' && /[1-9]/.test(text) ? `-${text}` : text;
}

const finiteNumber = v.pipe(v.number(), v.finite()) as Schema;

// ---- the type of a column --------------------------------------------------------------------

const selectSchemas = new WeakMap<PgTable, Record<string, Schema>>();

/** `drizzle-valibot`'s schema of a column, without its nullable wrapper. */
function drizzleSchema(field: Field, column: PgColumn): Schema {
  const table = (column as unknown as { table: PgTable }).table;
  let entries = selectSchemas.get(table);
  if (!entries) {
    entries = (createSelectSchema(table) as unknown as { entries: Record<string, Schema> }).entries;
    selectSchemas.set(table, entries);
  }
  const schema = entries[field.attname] ?? v.any();
  return (schema.type === 'nullable' ? (schema as unknown as { wrapped: Schema }).wrapped : schema) as Schema;
}

/** Whether a string (or a string inside a JSON value or an array) holds U+0000, which PostgreSQL text cannot. */
export function hasNullCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNullCharacter);
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNullCharacter(item));
  return false;
}

/** Django's `ProhibitNullCharactersValidator`, for text, JSON and array columns. */
const noNullCharacters = v.check((value: unknown) => !hasNullCharacter(value), messages.nullCharacters());

/** The valibot schema that converts a value to the field's JavaScript type (Django's `to_python`). */
export function typeSchema(field: Field): Schema {
  const schema = columnSchema(field);
  const dataType = field.drizzleColumn?.dataType;
  return dataType === 'string' || dataType === 'json' || dataType === 'array' ? (v.pipe(schema, noNullCharacters) as Schema) : schema;
}

function columnSchema(field: Field): Schema {
  const column = field.drizzleColumn;
  if (!column) return v.unknown() as Schema;
  switch (column.dataType) {
    case 'date':
      return parsing(field.internalType === 'DateField' ? dateParser(column) : datetimeParser(column));
    case 'bigint':
      return parsing(bigintParser);
    case 'number':
      return field.internalType === 'FloatField' ? finiteNumber : drizzleSchema(field, column);
    case 'string':
      if (column.columnType === 'PgNumeric') return parsing(decimalParser(column));
      if (column.columnType === 'PgTimestampString') return parsing(datetimeParser(column));
      if (column.columnType === 'PgDateString') return parsing(dateParser(column));
      if (column.columnType === 'PgTime') return parsing(timeParser);
      if (column.columnType === 'PgChar') return (field.maxLength ? v.pipe(v.string(), v.maxLength(field.maxLength)) : v.string()) as Schema;
      return drizzleSchema(field, column);
    default:
      return drizzleSchema(field, column);
  }
}

// ---- Field.validate: blank and choices -----------------------------------------------------------

/** The flat list of choice values (Django's optgroups `[label, [[value, label], …]]` included). */
export function choiceValues(choices: Choices): unknown[] {
  const out: unknown[] = [];
  for (const [value, label] of choices as ReadonlyArray<readonly [unknown, unknown]>) {
    if (Array.isArray(label)) for (const [inner] of label as ReadonlyArray<readonly [unknown, string]>) out.push(inner);
    else out.push(value);
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'bigint' || typeof b === 'bigint') return String(a) === String(b);
  return a === b;
}

const cache = new WeakMap<Field, Schema>();

/**
 * The type of the field, then (for editable fields, as Django's `Field.validate`) blank and
 * choices. Nulls and validators are the caller's: Django checks them around this.
 */
export function valueSchema(field: Field): Schema {
  const cached = cache.get(field);
  if (cached) return cached;
  const checks: v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[] = [];
  if (field.editable && !field.blank) checks.push(v.check((value) => value !== '' && !(Array.isArray(value) && value.length === 0), messages.blank()));
  if (field.editable && field.choices) {
    const allowed = choiceValues(field.choices);
    checks.push(v.check((value) => isEmpty(value) || allowed.some((choice) => sameValue(choice, value)), (issue) => messages.invalidChoice(issue.input)));
  }
  const schema = (checks.length > 0 ? v.pipe(typeSchema(field), ...(checks as [])) : typeSchema(field)) as Schema;
  cache.set(field, schema);
  return schema;
}

const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * A value written as text (a query string, a path segment) as the field's type: `'42'` → `42`
 * for an integer field, `'true'` → `true`, an ISO string → a `Date`. A relation compares by the
 * related primary key. Answers Django's message when the text is not a value of the field.
 */
export function parseText(field: Field, text: string): Parsed {
  if (text.includes('\u0000')) return { error: messages.nullCharacters() };
  const target = field.isReverse || field.manyToMany ? (field.relatedModel._meta as { pk: Field }).pk : field;
  const dataType = target.drizzleColumn?.dataType;
  let candidate: unknown = text;
  if (dataType === 'number') {
    if (!NUMBER_TEXT.test(text)) return { error: typeMessage(target, text) };
    candidate = Number(text);
  } else if (dataType === 'boolean') {
    const lower = text.trim().toLowerCase();
    if (lower === 'true' || lower === '1') candidate = true;
    else if (lower === 'false' || lower === '0') candidate = false;
    else return { error: typeMessage(target, text) };
  }
  const result = v.safeParse(typeSchema(target), candidate);
  return result.success ? { value: result.output } : { error: issueMessage(result.issues[0], target) };
}
