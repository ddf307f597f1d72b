/**
 * `npm run dev:worker`: the Worker (`src/worker.ts`, `wrangler.toml`) in `wrangler dev`, against
 * a local PostgreSQL: PGlite served over TCP by `@electric-sql/pglite-socket` on 127.0.0.1, stored
 * in `./.djazzle/worker-db`, its tables created and seeded on the first run. The Worker reaches it
 * with the `pg` driver (`DATABASE_DRIVER=pg`) through `cloudflare:sockets`; the KV namespace, the
 * queue (producer and consumer) and the cron trigger are wrangler's local ones
 * (`/__scheduled` runs the cron). Ctrl+C stops both.
 *
 *   npm run dev:worker                      http://127.0.0.1:8787 (PORT to change it)
 *   npm run dev:worker -- --check           starts everything, sends a few requests (a review
 *                                           travels through the queue to the activity feed), exits
 *
 * Arguments after `--` other than `--check` go to `wrangler dev`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { connect } from 'djazzle';
import { seed } from '../examples/library/seed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const passThrough = process.argv.slice(2).filter((arg) => arg !== '--check');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`wrangler dev did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** The `--check` requests: the REST routes, a review that reaches the activity feed through the queue, the cron. */
async function runChecks(base: string): Promise<boolean> {
  let ok = true;
  const report = (pass: boolean, what: string, detail: string) => {
    ok &&= pass;
    console.log(`${pass ? 'ok  ' : 'FAIL'} ${what}${detail ? ` -> ${detail}` : ''}`);
  };
  const request = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(base + url, body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const books = await request('GET', '/api/books?ordering=-published&pageSize=2');
  report(books.status === 200 && books.json?.['count'] === 6, 'GET /api/books?ordering=-published&pageSize=2', `${books.status} count=${String(books.json?.['count'])}`);
  const bad = await request('POST', '/api/reviews', { bookId: 1, rating: 9 });
  report(bad.status === 400, 'POST /api/reviews (rating 9)', `${bad.status} ${JSON.stringify(bad.json)}`);
  const before = (await request('GET', '/activity')).json?.['count'] as number;
  const created = await request('POST', '/api/reviews', { bookId: 1, rating: 5, body: 'via wrangler dev' });
  report(created.status === 201, 'POST /api/reviews', `${created.status} ${JSON.stringify(created.json)}`);
  let after = before;
  for (let i = 0; i < 40 && after === before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    after = (await request('GET', '/activity')).json?.['count'] as number;
  }
  report(after === before + 1, 'the durable event went through the queue consumer to GET /activity', `${before} -> ${after}`);
  const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
  await cron.arrayBuffer();
  report(cron.ok, 'scheduled (GET /__scheduled)', String(cron.status));
  return ok;
}

async function main(): Promise<void> {
  const scratch = check ? await mkdtemp(path.join(tmpdir(), 'djazzle-dev-worker-')) : undefined;
  const dataDir = scratch ? undefined : path.join(root, '.djazzle', 'worker-db');
  const pglite = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: Number(process.env['PGPORT'] ?? 0), maxConnections: 32 });
  await server.start();
  const [host, port] = server.getServerConn().split(':') as [string, string];
  const url = `postgres://postgres:postgres@${host}:${port}/postgres`;
  console.log(`dev:worker: PGlite (${dataDir ?? 'in memory'}) served on ${host}:${port}`);

  const db = await connect(url, { driver: 'pg' });
  await seed(db, { log: (message) => console.log(`dev:worker: ${message}`) });
  await db.close();

  const httpPort = check ? await freePort() : Number(process.env['PORT'] ?? 8787);
  const wranglerBin = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
  const args = [wranglerBin, 'dev', '--ip', '127.0.0.1', '--port', String(httpPort), '--test-scheduled', '--var', `DATABASE_URL:${url}`, '--var', 'DATABASE_DRIVER:pg'];
  if (scratch) args.push('--persist-to', path.join(scratch, 'state'));
  const wrangler = spawn(process.execPath, [...args, ...passThrough], { cwd: root, stdio: check ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  let output = '';
  wrangler.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  wrangler.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (wrangler.exitCode === null) {
      wrangler.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await server.stop();
    await pglite.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  wrangler.on('exit', (code) => {
    if (!check) void stop(code ?? 0);
  });

  if (!check) return;
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    await waitFor(`${base}/`, 120_000, wrangler);
    const ok = await runChecks(base);
    console.log(ok ? 'dev:worker check: all requests answered as expected' : 'dev:worker check: some requests failed');
    if (!ok) console.log(output);
    await stop(ok ? 0 : 1);
  } catch (error) {
    console.error(error);
    console.error(output);
    await stop(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
