/**
 * Local stand-ins for every database a djazzle driver talks to, all on 127.0.0.1 and free ports,
 * none outliving the test process:
 *
 * | function | driver | what runs |
 * | --- | --- | --- |
 * | `startNeonWs()` | `neon-ws` | PGlite over TCP (`pglite-socket`) behind a WebSocket-to-TCP proxy |
 * | `startNeonHttp()` | `neon-http` | PGlite over TCP behind a stand-in for Neon's SQL-over-HTTP endpoint |
 * | `startPostgres()` | `pg` | a throwaway PostgreSQL cluster (when `postgresUnavailable()` gives no reason) |
 *
 * Each answers `{ driver, url, stop() }`: `connect(h.url, { driver: h.driver })` reaches it. The
 * neon URLs carry djazzle's `neon_*` parameters (see `src/db/neon-options.ts`), so they work
 * unchanged inside workerd. The neon stand-ins take `{ target }` (default: `DJAZZLE_NEON_TARGET`),
 * a `postgres://` URL on 127.0.0.1 such as a PostgreSQL cluster, to sit in front of it instead
 * of a fresh PGlite. Counting `neon-http` requests: `h.standIn.requests` in the same process,
 * `neonHttpRequests(h.statsUrl)` from anywhere (workerd included).
 *
 * What the harnesses cannot show, and so what the suites skip or avoid:
 * - `neon-http` has no interactive transactions: the shared suite skips atomic(), savepoint and
 *   cursor tests there and checks the `NotSupportedError` instead; the other drivers skip `batch`.
 * - PGlite behind `pglite-socket` runs one transaction at a time across all connections: while
 *   one connection is inside `atomic()`, a statement on another connection of the same database
 *   waits for that transaction to end (with one connection waiting on the other, that is a
 *   deadlock until the pool's connect timeout or the test timeout). Real PostgreSQL does not
 *   wait; tests that need that run on `pg`, or pass `target`.
 * - `pg` needs PostgreSQL's server binaries; without them its suites are skipped with the reason.
 */
import type { HarnessDescriptor } from './descriptor.js';
import { startNeonHttpStandIn, type NeonHttpStandIn } from './neon-http-stand-in.js';
import { startPgliteServer } from './pglite-server.js';
import { startPostgres as startPostgresServer, type PostgresServer } from './postgres.js';
import { startWsProxy, type WsProxy } from './ws-proxy.js';

export { postgresUnavailable } from './postgres.js';
export * from './descriptor.js';

export interface Harness extends HarnessDescriptor {
  stop(): Promise<void>;
}

export interface NeonWsHarness extends Harness {
  readonly proxy: WsProxy;
}

export interface NeonHttpHarness extends Harness {
  readonly statsUrl: string;
  readonly standIn: NeonHttpStandIn;
}

export interface PostgresHarness extends Harness {
  readonly server: PostgresServer;
}

export interface NeonHarnessOptions {
  /**
   * A `postgres://` URL on 127.0.0.1 to serve instead of a fresh in-memory PGlite.
   * Default: the `DJAZZLE_NEON_TARGET` environment variable, when set.
   */
  target?: string;
}

function withParams(url: string, params: Record<string, string>): string {
  const separator = url.includes('?') ? '&' : '?';
  return url + separator + new URLSearchParams(params).toString();
}

async function backend(options: NeonHarnessOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const target = options.target ?? (process.env['DJAZZLE_NEON_TARGET'] || undefined);
  if (target) return { url: target, stop: async () => undefined };
  return startPgliteServer();
}

/** `neon-ws`: Neon's Pool → WebSocket → proxy → TCP → PGlite (or `target`). */
export async function startNeonWs(options: NeonHarnessOptions = {}): Promise<NeonWsHarness> {
  const db = await backend(options);
  const proxy = await startWsProxy();
  const url = withParams(db.url, {
    neon_ws_proxy: proxy.wsProxy,
    neon_secure_websocket: 'false',
    neon_pipeline_tls: 'false',
    neon_pipeline_connect: 'false',
  });
  return {
    driver: 'neon-ws',
    url,
    proxy,
    async stop() {
      await proxy.stop();
      await db.stop();
    },
  };
}

/** `neon-http`: `neon()` → HTTP → stand-in → PGlite (or `target`). Counts requests. */
export async function startNeonHttp(options: NeonHarnessOptions = {}): Promise<NeonHttpHarness> {
  const db = await backend(options);
  const standIn = await startNeonHttpStandIn();
  return {
    driver: 'neon-http',
    url: withParams(db.url, { neon_fetch_endpoint: standIn.fetchEndpoint }),
    statsUrl: standIn.statsUrl,
    standIn,
    async stop() {
      await standIn.stop();
      await db.stop();
    },
  };
}

/** `pg`: a new PostgreSQL cluster. Check `postgresUnavailable()` first. */
export async function startPostgres(): Promise<PostgresHarness> {
  const server = await startPostgresServer();
  return { driver: 'pg', url: server.url, server, stop: () => server.stop() };
}

/** Starts the harness for `driver` (`pglite` needs none: its URL is `memory://`). */
export async function startHarness(driver: 'pg' | 'neon-ws' | 'neon-http'): Promise<Harness> {
  if (driver === 'pg') return startPostgres();
  if (driver === 'neon-ws') return startNeonWs();
  return startNeonHttp();
}


export { startPgliteServer, type PgliteServer } from './pglite-server.js';
export { startWsProxy, type WsProxy } from './ws-proxy.js';
export { startNeonHttpStandIn, type NeonHttpStandIn } from './neon-http-stand-in.js';
export type { PostgresServer } from './postgres.js';
