/**
 * `npm run dev:worker -- --check`: the Worker (`src/worker.ts`, `wrangler.toml`) in `wrangler dev`
 * against PGlite served by `pglite-socket`, reached with the `pg` driver; the check sends REST
 * requests, follows a review through wrangler's local queue to the consumer and runs the cron.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('npm run dev:worker', () => {
  it('serves the Worker locally: fetch, the queue consumer and the scheduled handler', async () => {
    const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
    const script = fileURLToPath(new URL('../scripts/dev-worker.ts', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [tsxCli, script, '--check'], { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err });
      });
    });
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain('seed: created 4 authors, 6 books, 4 tags, 8 reviews');
    expect(stdout).toContain('ok   POST /api/reviews -> 201');
    expect(stdout).toContain('ok   the durable event went through the queue consumer to GET /activity -> 0 -> 1');
    expect(stdout).toContain('ok   scheduled (GET /__scheduled) -> 200');
    expect(stdout).toContain('dev:worker check: all requests answered as expected');
  }, 250_000);
});
