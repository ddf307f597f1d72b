/** The models layer's public surface. */
export { Model, ModelBase, isModelClass, isModelInstance, FROM_DB, MANAGER_BRAND } from './model.js';
export { ForeignKey, OneToOne, ManyToMany, type RelationSpec, type ForeignKeyOptions, type ManyToManyOptions } from './relations.js';
export { CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, SET, DO_NOTHING, type OnDelete } from './on-delete.js';
export { Field, type FieldOptions, type FieldValidator } from './field.js';
export { Options, type MetaOptions, type Constraint } from './options.js';
export { apps, Apps, type AppConfig } from './registry.js';
export { defineApp, type DefineAppOptions } from './app.js';
export { coerceValue } from './coerce.js';
export { STATE, ModelState, stateOf } from './state.js';
export { provideModelQueries, type ModelQueryPort } from './ports.js';
export { jsonValue, writeAlias } from './instance-methods.js';
export type * from './types.js';
