/**
 * Everything the `djazzle` entry point exports, shared by the Node entry (`index.ts`) and the
 * Worker entry (`index.worker.ts`), which differ only in the drivers they register.
 */
import './query/model-port.js';
import './session/context.js';
import './forms/clean.js'; // instance.fullClean(), cleanFields(), validateUnique(), validateConstraints()

export * from './core/errors.js';
export { connect, getConnection, hasConnection, allConnections, closeAll, runWithConnection, type ConnectOptions } from './db/connect.js';
export { Connection, type SessionOptions } from './db/connection.js';
export type { DriverCapabilities, DriverName } from './db/driver.js';
export { atomic, onCommit, setRollback, getRollback, type AtomicOptions } from './db/transaction.js';
export {
  Model, ModelBase, ForeignKey, OneToOne, ManyToMany, CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, SET, DO_NOTHING,
  Field, Options, apps, Apps, defineApp, isModelClass, isModelInstance,
  type OnDelete, type FieldOptions, type MetaOptions, type AppConfig, type Constraint, type RelationSpec,
  type ModelClass, type ModelInstance, type InstanceOf, type AnyModel, type ModelOptions,
} from './models/index.js';
export * from './query/index.js';
export { Session, currentSession } from './session/index.js';
export { defineConfig, type DjazzleConfig, type DatabaseSetting, type ServerSetting } from './cli/define-config.js';
