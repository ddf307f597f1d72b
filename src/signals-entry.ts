/**
 * `djazzle/signals`: the dispatcher, Django's built-in signals, and durable subscribers (whose
 * storage and delivery live in the session layer; this entry point composes them).
 */
export * from './signals/index.js';
export * from './session/durable/index.js';
