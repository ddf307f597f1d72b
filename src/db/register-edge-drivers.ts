/**
 * Registers the drivers a Worker gets from `djazzle` (the `workerd` / `worker` export conditions):
 * the Neon drivers only. PGlite is WASM for Node; node-postgres (for Hyperdrive or a TCP server
 * through `cloudflare:sockets`) weighs about as much as djazzle itself, so a Worker adds it with
 * `import 'djazzle/drivers/pg'` when it uses it.
 */
import { registerDriver } from './drivers.js';

registerDriver('neon-ws', async (options) => (await import('./neon-ws/index.js')).open(options));
registerDriver('neon-http', async (options) => (await import('./neon-http/index.js')).open(options));
