/**
 * A throwaway PostgreSQL cluster from Debian's packages (`/usr/lib/postgresql/<n>/bin`, PostgreSQL
 * 15 preferred; `PG_BIN` overrides), for the `pg` driver's tests: `initdb` into a temporary folder,
 * `postgres` on 127.0.0.1 and a free port, trust authentication, no fsync.
 *
 * PostgreSQL refuses to run as root; as root, the cluster runs as the `postgres` user (through
 * `setpriv`). The server gets `SIGINT` (fast shutdown) from `stop()`, on process exit, and — through
 * the kernel's parent-death signal — even when the test process is killed, so it never outlives it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  /** Creates an empty database on this server; answers its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

function findBinaries(): Binaries | string {
  const candidates: string[] = [];
  if (process.env['PG_BIN']) candidates.push(process.env['PG_BIN']);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => (a === '15' ? -1 : b === '15' ? 1 : Number(b) - Number(a)));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  for (const dir of candidates) {
    const initdb = join(dir, 'initdb');
    const postgres = join(dir, 'postgres');
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  return `no PostgreSQL server binaries (looked for initdb and postgres in ${candidates.length ? candidates.join(', ') : `${root}/*/bin`}; install Debian's 'postgresql' package or set PG_BIN)`;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function postgresUser(): { uid: number; gid: number } | string {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return "running as root but there is no 'postgres' user to run PostgreSQL as";
  }
}

/** Why the PostgreSQL tier cannot run here, or `undefined` when it can. */
export function postgresUnavailable(): string | undefined {
  const binaries = findBinaries();
  if (typeof binaries === 'string') return binaries;
  if (isRoot) {
    const user = postgresUser();
    if (typeof user === 'string') return user;
    if (!existsSync('/usr/bin/setpriv') && !existsSync('/bin/setpriv')) return "running as root but 'setpriv' (util-linux) is missing";
  }
  return undefined;
}

/** A command line that runs `argv` as the postgres user when we are root, dying with this process. */
function asPostgres(argv: string[]): [string, string[]] {
  if (!isRoot) return [argv[0]!, argv.slice(1)];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--pdeathsig=INT', '--', ...argv]];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms: ${(error as Error).message}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

const PREFIX = 'djazzle-pg-';

/** Removes clusters left behind by test processes that were killed (their server died with them). */
function removeStaleClusters(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      process.kill(owner, 0);
    } catch (error) {
      const dead = (error as NodeJS.ErrnoException).code === 'ESRCH';
      const orphan = (error as NodeJS.ErrnoException).code === 'ENOENT' && Date.now() - statSync(dir).mtimeMs > 3_600_000;
      if (dead || orphan) rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Starts a new cluster. Throws when {@link postgresUnavailable} gives a reason. */
export async function startPostgres(): Promise<PostgresServer> {
  const reason = postgresUnavailable();
  if (reason) throw new Error(`Cannot start PostgreSQL: ${reason}`);
  const binaries = findBinaries() as Binaries;
  removeStaleClusters();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const data = join(dir, 'data');
  if (isRoot) {
    const user = postgresUser() as { uid: number; gid: number };
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const [initCmd, initArgs] = asPostgres([binaries.initdb, '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const [cmd, args] = asPostgres([
      binaries.postgres, '-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100',
    ]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const kill = () => child.exitCode === null && child.kill('SIGINT');
    process.once('exit', kill);
    try {
      await waitReady(url, child, () => output);
    } catch (error) {
      kill();
      process.off('exit', kill);
      if (attempt < 2 && /could not bind|Address already in use/.test(output)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    return server(url, port, child, dir, kill);
  }
}

function server(url: string, port: number, child: ChildProcess, dir: string, kill: () => void): PostgresServer {
  let stopped = false;
  let counter = 0;
  return {
    host: '127.0.0.1',
    port,
    url,
    async createDatabase(name = `djazzle_${process.pid}_${++counter}_${Date.now().toString(36)}`) {
      const client = new pg.Client(url);
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', kill);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        kill();
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
