/**
 * `npm run bench [-- --quick] [-- --only <name>[,<name>…]] [-- --sql] [-- --list] [-- --gc-every <pairs>]`
 *
 * Runs every workload of `bench/workloads/` with djazzle and with hand-written Drizzle on one
 * in-memory PGlite database, in interleaved pairs, and prints a table of medians, ratios,
 * statement counts and PASS/FAIL against the targets. A missed target is printed, not an error:
 * the exit code is non-zero only when something crashes.
 *
 * The process re-runs itself under `node --expose-gc --import tsx` so that heap measurements can
 * collect garbage first (and full collections can be kept out of timed samples).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

const CHILD_FLAG = 'DJAZZLE_BENCH_CHILD';

interface Args {
  quick: boolean;
  gcEvery: number | undefined;
  only: string[] | undefined;
  showSql: boolean;
  list: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, gcEvery: undefined, only: undefined, showSql: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') args.quick = true;
    else if (arg === '--sql') args.showSql = true;
    else if (arg === '--list') args.list = true;
    else if (arg === '--gc-every' || arg.startsWith('--gc-every=')) {
      const value = Number(arg === '--gc-every' ? argv[++i] : arg.slice('--gc-every='.length));
      if (!Number.isInteger(value) || value < 0) throw new Error('--gc-every needs a whole number of pairs (0: no forced collections)');
      args.gcEvery = value;
    }
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a workload name (see --list)');
      args.only = [...(args.only ?? []), ...value.split(',').filter(Boolean)];
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench -- [--quick] [--only <name>[,<name>]] [--sql] [--list] [--gc-every <pairs>]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return args;
}

/** Re-runs this file under --expose-gc when global.gc is missing; resolves to the child's exit code. */
function respawnWithGc(): Promise<number> {
  const entry = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', entry, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD_FLAG]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function' && !process.env[CHILD_FLAG] && !args.list) {
    process.exitCode = await respawnWithGc();
    return;
  }
  // Loaded after the respawn decision so the parent process stays light.
  const { workloads } = await import('./workloads/index.js');
  const { testDatabase } = await import('djazzle/testing');
  const { MODELS } = await import('./fixtures.js');
  const { Progress, runPaired, formatTable } = await import('./harness.js');
  type ResultRow = import('./harness.js').ResultRow;

  if (args.list) {
    for (const w of workloads) console.log(`${w.name.padEnd(20)} ${w.title}`);
    return;
  }
  const selected = args.only ? workloads.filter((w) => args.only!.includes(w.name)) : workloads;
  const unknown = (args.only ?? []).filter((name) => !workloads.some((w) => w.name === name));
  if (unknown.length > 0) throw new Error(`unknown workload(s): ${unknown.join(', ')}; known: ${workloads.map((w) => w.name).join(', ')}`);

  const progress = new Progress();
  progress.log(
    `djazzle bench: ${selected.length} workload(s), ${args.quick ? 'quick' : 'full'} run, node ${process.version}, ${cpus().length} CPU(s), ` +
      `gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'exposed' : 'NOT exposed'}`,
  );
  const db = await testDatabase({ models: [...MODELS] });
  const rows: ResultRow[] = [];
  const started = Date.now();
  try {
    for (const [i, w] of selected.entries()) {
      progress.start(`[${i + 1}/${selected.length}] ${w.name}:`);
      const ctx = {
        db,
        quick: args.quick,
        showSql: args.showSql,
        gcEvery: args.gcEvery,
        progress: (message: string) => progress.update(message),
        log: (message: string) => progress.log(message),
      };
      const t0 = Date.now();
      const result = w.kind === 'paired' ? await runPaired(ctx, w) : await w.run(ctx);
      const produced = Array.isArray(result) ? result : [result];
      rows.push(...produced);
      const summary = produced.map((r) => `${r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL'} ${r.ratio !== '-' ? `ratio ${r.ratio}` : r.djazzle}`).join('; ');
      progress.done(`${summary}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await db.close();
  }

  console.log('');
  console.log(formatTable(rows));
  console.log('');
  console.log('times: median per operation; ratio: median of the per-pair djazzle/Drizzle ratios, with its 95 % confidence interval;');
  console.log('statements: SQL statements one operation sent (djazzle / hand-written Drizzle), transaction control excluded.');
  const failed = rows.filter((r) => r.pass === false);
  for (const row of rows) for (const note of row.notes ?? []) console.log(`- ${row.title}: ${note}`);
  console.log(
    failed.length === 0
      ? `\nAll targets met (${((Date.now() - started) / 1000).toFixed(0)} s).`
      : `\n${failed.length} target(s) MISSED: ${failed.map((r) => r.title).join(', ')} (${((Date.now() - started) / 1000).toFixed(0)} s).`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
