/**
 * `npm start`: the library example on the embedded database (PGlite in ./.djazzle/db, or
 * `DATABASE_URL`), served on http://127.0.0.1:3000 (`PORT` to change it).
 *
 * `npm start -- --check` (or `DJAZZLE_EXAMPLE_CHECK=1`) seeds, sends a few requests through
 * `app.request()`, prints the answers and exits 0 (1 on a failure) without opening a port.
 */
import { serve, type ServerType } from '@hono/node-server';
import { connect, type Connection } from 'djazzle';
import { settleDeliveries } from 'djazzle/signals';
import { app } from './app.js';
import { seed } from './seed.js';

const checkMode = process.argv.includes('--check') || process.env['DJAZZLE_EXAMPLE_CHECK'] === '1';

async function check(): Promise<boolean> {
  const requests: Array<[method: string, path: string, body?: unknown, expected?: number]> = [
    ['GET', '/authors', undefined, 200],
    ['GET', '/authors/1', undefined, 200],
    ['GET', '/books?search=the', undefined, 200],
    ['GET', '/tags/classic/books', undefined, 200],
    ['POST', '/books', { title: '' }, 400],
    ['GET', '/authors/9999', undefined, 404],
    ['GET', '/api/books?author__name__icontains=le%20guin&ordering=-published&pageSize=2', undefined, 200],
    ['POST', '/api/reviews', { bookId: 1, rating: 6 }, 400],
    ['POST', '/api/reviews', { bookId: 1, rating: 4, body: 'Still good.' }, 201],
    ['GET', '/activity', undefined, 200],
  ];
  let ok = true;
  for (const [method, path, body, expected] of requests) {
    const init: RequestInit = { method };
    if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const response = await app.request(path, init);
    const text = await response.text();
    await settleDeliveries(); // the durable subscriber's work (in-process on Node) before the next request
    const pass = response.status === expected;
    ok &&= pass;
    console.log(`${pass ? 'ok  ' : 'FAIL'} ${method} ${path} -> ${response.status}${pass ? '' : ` (expected ${expected})`}`);
    console.log(`     ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
  }
  return ok;
}

async function main(): Promise<void> {
  const db: Connection = await connect();
  const where = process.env['DATABASE_URL'] ? `DATABASE_URL (${db.driver})` : 'the embedded database in ./.djazzle/db';
  console.log(`djazzle library example: connected to ${where}`);
  try {
    await seed(db);
  } catch (error) {
    await db.close();
    throw error;
  }

  if (checkMode) {
    const ok = await check();
    await settleDeliveries();
    await db.close();
    console.log(ok ? 'check: all requests answered as expected' : 'check: some requests failed');
    process.exitCode = ok ? 0 : 1;
    return;
  }

  const port = Number(process.env['PORT'] ?? 3000);
  const hostname = '127.0.0.1';
  const server: ServerType = serve({ fetch: app.fetch, port, hostname }, (info) => {
    const base = `http://${hostname}:${info.port}`;
    console.log(`Listening on ${base} (Ctrl+C to stop)`);
    console.log('Try:');
    console.log(`  curl ${base}/authors`);
    console.log(`  curl '${base}/books?search=the'`);
    console.log(`  curl ${base}/tags/fantasy/books`);
    console.log(`  curl -X POST ${base}/books -H 'content-type: application/json' -d '{"title":"Exhalation","authorId":4,"tags":["science fiction"]}'`);
    console.log(`  curl '${base}/api/books?author__name__icontains=pratchett&ordering=-published'`);
    console.log(`  curl -X POST ${base}/api/reviews -H 'content-type: application/json' -d '{"bookId":1,"rating":5}' && curl ${base}/activity`);
  });
  server.on('error', (error) => {
    console.error(`Could not listen on ${hostname}:${port}: ${error.message}`);
    void db.close().finally(() => process.exit(1));
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: closing the server and the database`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    server.close(() => {
      void settleDeliveries().then(() => db.close()).then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
    // Keep-alive connections would hold server.close() open; end idle ones now.
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
