/**
 * Registers the four drivers as lazy loaders. Imported by the Node entry point; the Worker
 * entry (`register-edge-drivers.ts`) leaves PGlite and node-postgres out.
 */
import { registerDriver } from './drivers.js';
import './register-pg-driver.js';

registerDriver('pglite', async (options) => (await import('./pglite/index.js')).open(options));
registerDriver('neon-ws', async (options) => (await import('./neon-ws/index.js')).open(options));
registerDriver('neon-http', async (options) => (await import('./neon-http/index.js')).open(options));
