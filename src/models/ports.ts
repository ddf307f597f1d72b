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
