/**
 * What model instances ask of the query layer (`src/query` fills this in when it loads):
 * managers, related managers, loading relations, deletion with the collector, refresh.
 */
import type { AnyModelClass, Field } from './field.js';

export interface ModelQueryPort {
  createManager(model: AnyModelClass): unknown;
  relatedManager(instance: object, field: Field): unknown;
  fetchRelated(instance: object, field: Field, refresh: boolean): Promise<unknown>;
  deleteInstance(instance: object, options: { keepParents?: boolean }): Promise<[number, Record<string, number>]>;
  refreshFromDb(instance: object, fields: readonly string[] | undefined): Promise<void>;
}

let port: ModelQueryPort | undefined;

export function provideModelQueries(implementation: ModelQueryPort): void {
  port = implementation;
}

export function modelQueries(): ModelQueryPort {
  if (!port) throw new Error("djazzle's query layer is not loaded: import from 'djazzle', not from a deep path.");
  return port;
}

/** Options of `instance.fullClean()` (Django's `full_clean(exclude=…, validate_unique=…, validate_constraints=…)`). */
export interface FullCleanOptions {
  exclude?: Iterable<string>;
  validateUnique?: boolean;
  validateConstraints?: boolean;
}

/**
 * What model instances ask of the validation layer (`src/forms` fills this in when it loads;
 * the `djazzle` entry point loads it): Django's `full_clean`, `clean_fields`, `validate_unique`
 * and `validate_constraints`.
 */
export interface ModelValidationPort {
  fullClean(instance: object, options: FullCleanOptions): Promise<void>;
  cleanFields(instance: object, exclude: Iterable<string> | undefined): Promise<void>;
  validateUnique(instance: object, exclude: Iterable<string> | undefined): Promise<void>;
  validateConstraints(instance: object, exclude: Iterable<string> | undefined): Promise<void>;
}

let validation: ModelValidationPort | undefined;

export function provideModelValidation(implementation: ModelValidationPort): void {
  validation = implementation;
}

export function modelValidation(): ModelValidationPort {
  if (!validation) throw new Error("djazzle's validation layer is not loaded: import from 'djazzle' or 'djazzle/forms', not from a deep path.");
  return validation;
}
