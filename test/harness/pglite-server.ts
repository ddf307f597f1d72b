/**
 * An in-memory PGlite served over TCP by `@electric-sql/pglite-socket`, on 127.0.0.1 and a free
 * port: the PostgreSQL server behind the `neon-ws` and `neon-http` stand-ins when no real
 * PostgreSQL is wanted. Any user name and password are accepted; the database is `postgres`.
 *
 * PGlite is single-connection; the socket server multiplexes its clients and runs one
 * transaction at a time, so a client that waits on another client's open transaction waits
 * until that transaction ends (a real server would let it read the last committed state).
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  readonly host: string;
  readonly port: number;
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPgliteServer(): Promise<PgliteServer> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  // Never keep the test process alive: the server ends with it.
  (server as unknown as { server?: { unref(): void } }).server?.unref();
  const [host, port] = server.getServerConn().split(':') as [string, string];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.stop();
    await db.close();
  };
  return { host, port: Number(port), url: `postgres://postgres:postgres@${host}:${port}/postgres`, stop };
}
