/** `djazzle` inside workerd: the same API with the edge drivers only (no PGlite in the bundle). */
import './db/register-edge-drivers.js';

export * from './exports.js';
