/**
 * `djazzle`: Django's models, managers and QuerySets on Drizzle. The Node entry point: all four
 * drivers (PGlite, node-postgres, Neon over WebSocket and HTTP), each imported lazily.
 */
import './db/register-node-drivers.js';

export * from './exports.js';
