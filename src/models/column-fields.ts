/**
 * Field inference from Drizzle columns: Django's field class (`internalType`), `null` from
 * `notNull`, `maxLength` from a varchar length, `primaryKey`, `unique`, and defaults.
 */
import { is, SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { Field, type AnyModelClass, type FieldOptions } from './field.js';

const INTERNAL_TYPES: Record<string, string> = {
  PgSerial: 'AutoField',
  PgSmallSerial: 'SmallAutoField',
  PgBigSerial53: 'BigAutoField',
  PgBigSerial64: 'BigAutoField',
  PgInteger: 'IntegerField',
  PgSmallInt: 'SmallIntegerField',
  PgBigInt53: 'BigIntegerField',
  PgBigInt64: 'BigIntegerField',
  PgVarchar: 'CharField',
  PgChar: 'CharField',
  PgText: 'TextField',
  PgBoolean: 'BooleanField',
  PgTimestamp: 'DateTimeField',
  PgTimestampString: 'DateTimeField',
  PgDate: 'DateField',
  PgDateString: 'DateField',
  PgTime: 'TimeField',
  PgInterval: 'DurationField',
  PgNumeric: 'DecimalField',
  PgNumericNumber: 'DecimalField',
  PgNumericBigInt: 'DecimalField',
  PgReal: 'FloatField',
  PgDoublePrecision: 'FloatField',
  PgUUID: 'UUIDField',
  PgJson: 'JSONField',
  PgJsonb: 'JSONField',
  PgEnumColumn: 'CharField',
  PgInet: 'GenericIPAddressField',
};

export function internalTypeOf(column: PgColumn): string {
  const identity = (column as { generatedIdentity?: unknown }).generatedIdentity;
  if (identity && column.primary) return column.columnType === 'PgBigInt53' || column.columnType === 'PgBigInt64' ? 'BigAutoField' : 'AutoField';
  return INTERNAL_TYPES[column.columnType] ?? (column.dataType === 'array' ? 'ArrayField' : 'Field');
}

/** Numeric precision and scale of a `numeric(p, s)` column (Django's `max_digits`, `decimal_places`). */
export function decimalShape(column: PgColumn): { maxDigits: number | undefined; decimalPlaces: number | undefined } {
  const c = column as { precision?: number; scale?: number };
  return { maxDigits: c.precision, decimalPlaces: c.scale };
}

export function columnField(model: AnyModelClass, key: string, column: PgColumn, options: FieldOptions | undefined): Field {
  const internalType = internalTypeOf(column);
  const length = (column as { length?: number }).length;
  const enumValues = (column as { enumValues?: readonly string[] }).enumValues;
  const dbDefault = column.hasDefault && (column.default === undefined || is(column.default, SQL)) && !column.defaultFn;
  const identity = (column as { generatedIdentity?: unknown }).generatedIdentity !== undefined;
  const init = {
    kind: 'column' as const,
    name: key,
    attname: key,
    column: column.name,
    drizzleColumn: column,
    model,
    options: enumValues && enumValues.length > 0 && !options?.choices ? { ...options, choices: enumValues.map((v) => [v, v] as const) } : options,
    internalType,
    null: !column.notNull && !column.primary,
    primaryKey: column.primary,
    unique: column.isUnique,
    maxLength: typeof length === 'number' ? length : null,
    dbDefault: dbDefault || identity || internalType.endsWith('AutoField'),
  };
  if (column.defaultFn) return new Field({ ...init, default: column.defaultFn });
  if (column.default !== undefined && !is(column.default, SQL)) return new Field({ ...init, default: column.default });
  return new Field(init);
}
