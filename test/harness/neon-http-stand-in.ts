/**
 * A loopback stand-in for Neon's SQL-over-HTTP endpoint (`POST /sql`), matching what
 * `@neondatabase/serverless` 1.2.0's `neon()` sends and expects:
 *
 * - request headers: `Neon-Connection-String` (which database: the stand-in connects to it with
 *   node-postgres, loopback hosts only), `Neon-Raw-Text-Output: true`, `Neon-Array-Mode: true`,
 *   and for transactions `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only`, `Neon-Batch-Deferrable`;
 * - body `{ query, params }` → one result, or `{ queries: [{ query, params }, …] }` → `{ results }`,
 *   run in one transaction (all or nothing);
 * - a result is `{ command, rowCount, fields: [{ name, dataTypeID, … }], rows, rowAsArray }` with
 *   every value as PostgreSQL's text output (the client parses it by `dataTypeID`);
 * - a failed statement answers HTTP 400 with the error's fields (`message`, `code` (SQLSTATE),
 *   `detail`, `constraint`, …), which the client raises as `NeonDbError` with those fields.
 *
 * Statements use the extended protocol, as Neon's endpoint does: one statement per query.
 * `GET /stats` answers `{ requests }` (SQL requests so far), `POST /stats/reset` zeroes it, so
 * tests in workerd, which cannot read this process's memory, can count requests too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

export interface NeonHttpStandIn {
  readonly host: string;
  readonly port: number;
  /** The value for `neonConfig.fetchEndpoint` (or the `neon_fetch_endpoint` URL parameter). */
  readonly fetchEndpoint: string;
  /** `GET` it for `{ requests }`; `POST` to `${statsUrl}/reset` to zero the counter. */
  readonly statsUrl: string;
  /** `POST /sql` requests received so far (one per query, one per batch transaction). */
  readonly requests: number;
  resetRequests(): void;
  stop(): Promise<void>;
}

interface QueryData {
  query: string;
  params?: unknown[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const ERROR_FIELDS = ['severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine'] as const;
const ISOLATION: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};
/** Every value comes back as PostgreSQL's text output, as with `Neon-Raw-Text-Output: true`. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body['message']));
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, { message: 'request body is not valid JSON' });
  }
}

function toResult(result: pg.QueryResult<unknown[]>, arrayMode: boolean): Record<string, unknown> {
  const fields = result.fields.map((f) => ({
    name: f.name,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeID: f.dataTypeID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: 'text',
  }));
  const rows = arrayMode ? result.rows : result.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
  return { command: result.command, rowCount: result.rowCount, fields, rows, rowAsArray: arrayMode };
}

function pgErrorBody(error: unknown): HttpError {
  const source = error as Record<string, unknown>;
  if (typeof source?.['code'] === 'string' && /^[0-9A-Z]{5}$/.test(source['code'])) {
    const body: Record<string, unknown> = { message: source['message'] };
    for (const field of ERROR_FIELDS) if (source[field] !== undefined) body[field] = source[field];
    return new HttpError(400, body);
  }
  return new HttpError(502, { message: `could not reach the database: ${(error as Error)?.message ?? String(error)}` });
}

export async function startNeonHttpStandIn(): Promise<NeonHttpStandIn> {
  const pools = new Map<string, pg.Pool>();
  let requests = 0;

  function poolFor(connectionString: string | undefined): pg.Pool {
    if (!connectionString) throw new HttpError(400, { message: 'missing Neon-Connection-String header' });
    let pool = pools.get(connectionString);
    if (pool) return pool;
    const host = new URL(connectionString).hostname;
    if (!LOOPBACK.has(host)) throw new HttpError(400, { message: `the stand-in only serves loopback databases, not '${host}'` });
    pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => undefined);
    pools.set(connectionString, pool);
    return pool;
  }

  async function run(client: pg.PoolClient, data: QueryData, arrayMode: boolean): Promise<Record<string, unknown>> {
    if (typeof data?.query !== 'string') throw new HttpError(400, { message: 'each query needs a "query" string' });
    const result = await client.query<unknown[]>({ text: data.query, values: data.params ?? [], rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' } as pg.QueryArrayConfig);
    return toResult(result, arrayMode);
  }

  async function handleSql(request: IncomingMessage): Promise<Record<string, unknown>> {
    requests++;
    const header = (name: string) => request.headers[name.toLowerCase()] as string | undefined;
    const arrayMode = header('Neon-Array-Mode') === 'true';
    const body = (await readJson(request)) as { queries?: QueryData[] } & QueryData;
    const client = await poolFor(header('Neon-Connection-String')).connect().catch((error: unknown) => {
      throw error instanceof HttpError ? error : pgErrorBody(error);
    });
    let broken = false;
    try {
      if (!Array.isArray(body.queries)) return await run(client, body, arrayMode);
      const level = header('Neon-Batch-Isolation-Level');
      const modes = [level ? `ISOLATION LEVEL ${ISOLATION[level] ?? 'READ COMMITTED'}` : '', header('Neon-Batch-Read-Only') === 'true' ? 'READ ONLY' : '', header('Neon-Batch-Deferrable') === 'true' ? 'DEFERRABLE' : ''];
      await client.query(`BEGIN ${modes.filter(Boolean).join(' ')}`);
      try {
        const results = [];
        for (const query of body.queries) results.push(await run(client, query, arrayMode));
        await client.query('COMMIT');
        return { results };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      }
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const translated = pgErrorBody(error);
      if (translated.status !== 400) broken = true;
      throw translated;
    } finally {
      client.release(broken);
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    let status = 200;
    let body: unknown;
    try {
      if (request.method === 'POST' && path === '/sql') body = await handleSql(request);
      else if (request.method === 'GET' && path === '/stats') body = { requests };
      else if (request.method === 'POST' && path === '/stats/reset') body = { requests: (requests = 0) };
      else throw new HttpError(404, { message: `no route for ${request.method} ${path}` });
    } catch (error) {
      const failure = error instanceof HttpError ? error : new HttpError(500, { message: String(error) });
      status = failure.status;
      body = failure.body;
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as { port: number };
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    fetchEndpoint: `http://127.0.0.1:${port}/sql`,
    statsUrl: `http://127.0.0.1:${port}/stats`,
    get requests() {
      return requests;
    },
    resetRequests() {
      requests = 0;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => undefined)));
    },
  };
}
