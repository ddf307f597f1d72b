/**
 * `djazzle/drivers/pg`: adds the `pg` driver (node-postgres) to a Worker, for Hyperdrive or a
 * PostgreSQL server reached through `cloudflare:sockets` (`nodejs_compat`). The Node entry has it
 * already; the Worker entry leaves it out to keep bundles small.
 *
 * ```ts
 * import 'djazzle/drivers/pg';
 * const db = await connect(env.HYPERDRIVE.connectionString, { alias: `request-${crypto.randomUUID()}` });
 * ```
 */
import './db/register-pg-driver.js';
