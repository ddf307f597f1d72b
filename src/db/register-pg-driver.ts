/** Registers node-postgres (`pg`): part of the Node entry; `djazzle/drivers/pg` adds it to a Worker. */
import { registerDriver } from './drivers.js';

registerDriver('pg', async (options) => (await import('./pg/index.js')).open(options));
