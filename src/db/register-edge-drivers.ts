/** Registers the drivers that run inside workerd (no PGlite: it is WASM for Node only). */
import { registerDriver } from './drivers.js';

registerDriver('pg', async (options) => (await import('./pg/index.js')).open(options));
registerDriver('neon-ws', async (options) => (await import('./neon-ws/index.js')).open(options));
registerDriver('neon-http', async (options) => (await import('./neon-http/index.js')).open(options));
