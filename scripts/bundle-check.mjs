#!/usr/bin/env node
/**
 * The bundle budget (last step of `npm test`): what djazzle adds to a Worker.
 *
 * Builds, in this run and the same way (`wrangler deploy --dry-run --minify --outdir`, wrangler's
 * esbuild with the `workerd` export condition):
 *   1. the baseline: a Worker of Hono + Drizzle + the Neon driver (`scripts/bundle/baseline.ts`);
 *   2. the same Worker with djazzle (`scripts/bundle/djazzle.ts`: models, `djazzle/hono` with
 *      validation, durable signals with their queue consumer and drain);
 *   3. the project's Worker (`wrangler.toml`: `src/worker.ts`, the library example; for information).
 * and prints their gzipped sizes as wrangler reports them. Fails (exit 1) when a bundle holds
 * PGlite (the sources in its source map name `@electric-sql/pglite` or `src/db/pglite/`); with
 * --strict, also when djazzle adds more than BUDGET_KB gzipped over the baseline.
 *
 *   node scripts/bundle-check.mjs            the check
 *   node scripts/bundle-check.mjs --largest  also lists the largest sources of the djazzle bundle
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 25;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'djazzle-bundle-'));

/** Builds a Worker and answers its sizes (KiB, as wrangler prints them) and its source map's sources. */
function build(label, config) {
  const outdir = path.join(scratch, label);
  const result = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--minify', '--outdir', outdir, '--config', config], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const output = `${result.stdout}${result.stderr}`;
  const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (result.status !== 0 || !sizes) throw new Error(`wrangler could not build ${label} (${config}):\n${output}`);
  const script = readdirSync(outdir).find((file) => file.endsWith('.js'));
  const map = JSON.parse(readFileSync(path.join(outdir, `${script}.map`), 'utf8'));
  map.sources = map.sources.map((source) => path.relative(root, path.resolve(outdir, source)).split(path.sep).join('/'));
  return { label, raw: Number(sizes[1]), gzip: Number(sizes[2]), code: readFileSync(path.join(outdir, script), 'utf8'), map };
}

/** A wrangler config for one of the fixtures, written to the scratch folder. */
function fixtureConfig(name) {
  const file = path.join(scratch, `${name}.toml`);
  const main = path.join(root, 'scripts', 'bundle', `${name}.ts`).split(path.sep).join('/');
  writeFileSync(file, `name = "djazzle-bundle-${name}"\nmain = "${main}"\ncompatibility_date = "2026-04-20"\ncompatibility_flags = ["nodejs_compat"]\n`);
  return file;
}

const hasPglite = (bundle) => bundle.map.sources.some((source) => /@electric-sql\/pglite|^src\/db\/pglite\//.test(source));

/** The largest sources of a bundle (gzipped on their own), for finding what pulls weight. */
function largest(bundle, count = 25) {
  const { code, map } = bundle;
  const lines = code.split('\n');
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const parts = new Map();
  let source = 0;
  map.mappings.split(';').forEach((mapping, index) => {
    const line = lines[index] ?? '';
    const segments = [];
    let column = 0;
    for (const segment of mapping.split(',')) {
      if (!segment) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        let digit = B64.indexOf(char);
        const more = digit & 32;
        digit &= 31;
        value += digit << shift;
        if (more) shift += 5;
        else {
          values.push(value & 1 ? -(value >> 1) : value >> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0];
      if (values.length > 1) source += values[1];
      segments.push([column, values.length > 1 ? source : -1]);
    }
    segments.forEach(([start, src], i) => {
      const name = src < 0 ? '(glue)' : map.sources[src];
      parts.set(name, (parts.get(name) ?? '') + line.slice(start, i + 1 < segments.length ? segments[i + 1][0] : line.length));
    });
  });
  return [...parts].map(([name, text]) => [name, gzipSync(text).length]).sort((a, b) => b[1] - a[1]).slice(0, count);
}

try {
  const baseline = build('baseline', fixtureConfig('baseline'));
  const withDjazzle = build('with djazzle', fixtureConfig('djazzle'));
  const worker = build('src/worker.ts', path.join(root, 'wrangler.toml'));
  const difference = withDjazzle.gzip - baseline.gzip;
  const pad = (text, width) => String(text).padEnd(width);
  console.log('bundle-check: wrangler deploy --dry-run --minify (gzip as wrangler reports it)');
  for (const bundle of [baseline, withDjazzle, worker]) {
    console.log(`  ${pad(bundle.label, 40)} ${bundle.gzip.toFixed(2).padStart(8)} KiB gzip  (${bundle.raw.toFixed(2)} KiB)  PGlite: ${hasPglite(bundle) ? 'YES' : 'no'}`);
  }
  console.log(`  ${pad('djazzle adds', 40)} ${difference.toFixed(2).padStart(8)} KiB gzip  (budget ${BUDGET_KB} KiB)`);
  if (process.argv.includes('--largest')) {
    console.log('  largest sources of the djazzle bundle (gzipped alone, bytes):');
    for (const [name, size] of largest(withDjazzle)) console.log(`    ${String(size).padStart(7)}  ${name}`);
  }
  // PGlite in a Worker bundle is a hard failure. The size budget is reported as OVER BUDGET but
  // does not fail `npm test` (pass --strict to make it fail): djazzle is over it today, an open
  // problem that the project tracks instead of hiding by raising the number.
  const pglite = [withDjazzle, worker].filter(hasPglite).map((b) => `the ${b.label} bundle holds PGlite`);
  if (difference > BUDGET_KB) {
    console.error(`bundle-check: OVER BUDGET: djazzle adds ${difference.toFixed(2)} KiB gzipped, over the budget of ${BUDGET_KB} KiB (run with --largest to see what pulls weight)`);
    if (process.argv.includes('--strict')) process.exitCode = 1;
  }
  if (pglite.length > 0) {
    console.error(`bundle-check: FAILED: ${pglite.join('; ')}`);
    process.exitCode = 1;
  } else if (difference <= BUDGET_KB) console.log('bundle-check: ok');
  else console.log('bundle-check: no PGlite in any bundle; size over budget (see above)');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
