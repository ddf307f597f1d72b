/** The models layer's public surface. */
export { Model, ModelBase, isModelClass, isModelInstance, FROM_DB, MANAGER_BRAND } from './model.js';
export { ForeignKey, OneToOne, ManyToMany, type RelationSpec, type ForeignKeyOptions, type ManyToManyOptions } from './relations.js';
export { CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, SET, DO_NOTHING, type OnDelete } from './on-delete.js';
export { Field, type FieldOptions, type FieldValidator, type PrivateFieldHooks } from './field.js';
export { VIRTUAL_FIELD, isVirtualFieldSpec, type VirtualFieldSpec } from './virtual.js';
export { Options, type MetaOptions, type Constraint } from './options.js';
export { apps, Apps, type AppConfig } from './registry.js';
export { defineApp, type DefineAppOptions } from './app.js';
export { coerceValue } from './coerce.js';
export { STATE, ModelState, stateOf } from './state.js';
export { provideModelQueries, provideModelValidation, type ModelQueryPort, type ModelValidationPort, type FullCleanOptions } from './ports.js';
export { jsonValue, writeAlias } from './instance-methods.js';
export type * from './types.js';
