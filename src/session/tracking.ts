/**
 * Change tracking: the column values of an instance as last seen in the database (a snapshot),
 * compared with its current values. SQLAlchemy's "dirty" check, by value, at flush time.
 */
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';

export type Snapshot = Record<string, unknown>;
type Row = Record<string, unknown>;

export function concreteColumns(model: AnyModelClass): Field[] {
  return (model._meta as Options).concreteFields.filter((f) => !f.manyToMany);
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/** A copy of the instance's column values (objects copied by value so later mutation shows). */
export function takeSnapshot(instance: object): Snapshot {
  const row = instance as Row;
  const snapshot: Snapshot = {};
  for (const field of concreteColumns(instance.constructor as AnyModelClass)) {
    const value = row[field.attname];
    snapshot[field.attname] = value instanceof Date ? new Date(value.getTime()) : value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }
  return snapshot;
}

/** The attnames whose value differs from the snapshot (deferred fields never count). */
export function changedFields(instance: object, snapshot: Snapshot): string[] {
  const row = instance as Row;
  const changed: string[] = [];
  for (const field of concreteColumns(instance.constructor as AnyModelClass)) {
    if (!(field.attname in snapshot)) continue;
    if (!same(row[field.attname], snapshot[field.attname])) changed.push(field.attname);
  }
  return changed;
}

/** Puts the snapshot's values back on the instance. */
export function restoreSnapshot(instance: object, snapshot: Snapshot): void {
  Object.assign(instance, snapshot);
}
