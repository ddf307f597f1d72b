/**
 * Value preparation: Django's `Field.get_prep_value` / `to_python`. A value of the wrong type is
 * refused before any SQL is sent, with Django's message naming the field
 * (`Field 'id' expected a number but got 'abc'.`).
 */
import type { Field } from './field.js';

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function instancePk(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '_meta' in (value.constructor as object)) return (value as { pk: unknown }).pk;
  return value;
}

/**
 * Converts `value` for `field` (numbers from numeric strings, Dates from ISO strings, …) or throws
 * a `TypeError` naming the field. `null` / `undefined` pass through.
 */
export function coerceValue(field: Field, raw: unknown): unknown {
  if (raw === null || raw === undefined) return raw;
  const value = instancePk(raw);
  const column = field.isForwardSingle ? field.targetField?.drizzleColumn : field.drizzleColumn;
  const dataType = column?.dataType;
  const columnType = column?.columnType;
  switch (dataType) {
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'boolean') return Number(value);
      throw new TypeError(`Field '${field.name}' expected a number but got ${describe(raw)}.`);
    }
    case 'bigint': {
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
      throw new TypeError(`Field '${field.name}' expected a number but got ${describe(raw)}.`);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 't' || value === 1 || value === '1') return true;
      if (value === 'false' || value === 'f' || value === 0 || value === '0') return false;
      throw new TypeError(`“${describe(raw)}” value must be either true or false. (field '${field.name}')`);
    }
    case 'date': {
      const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
      if (date && !Number.isNaN(date.getTime())) return date;
      throw new TypeError(`Field '${field.name}' expected a date or datetime but got ${describe(raw)}.`);
    }
    case 'string': {
      if (columnType === 'PgNumeric') {
        if (typeof value === 'number' && Number.isFinite(value)) return String(value);
        if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return value.trim();
        if (typeof value === 'bigint') return String(value);
        throw new TypeError(`Field '${field.name}' expected a decimal number but got ${describe(raw)}.`);
      }
      if (columnType === 'PgUUID') {
        if (typeof value === 'string' && /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value)) return value;
        throw new TypeError(`Field '${field.name}' expected a UUID but got ${describe(raw)}.`);
      }
      if (columnType === 'PgDateString' || columnType === 'PgTimestampString') {
        if (value instanceof Date) return columnType === 'PgDateString' ? value.toISOString().slice(0, 10) : value.toISOString();
      }
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      throw new TypeError(`Field '${field.name}' expected a string but got ${describe(raw)}.`);
    }
    default:
      return value;
  }
}
