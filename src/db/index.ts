/** The db layer's public surface. Drivers are not imported here: entry points register them. */
export { connect, getConnection, hasConnection, allConnections, closeAll, type ConnectOptions } from './connect.js';
export { Connection, type SessionOptions, createTablesHooks, truncateHooks } from './connection.js';
export type { DriverCapabilities, DriverName, DriverInstance, DriverLoader, DriverOpenOptions, AnyDrizzle } from './driver.js';
export { registerDriver } from './drivers.js';
export { atomic, onCommit, beforeCommit, setRollback, getRollback, atomicIfSupported, type AtomicOptions } from './transaction.js';
export { withQuerySink, type LoggedQuery, type QuerySink } from './query-log.js';
export { translateDatabaseError } from './errors.js';
export { createTablesSql, type DdlSource, type DdlTable, type ExtraForeignKey, quoteIdent } from './ddl.js';
