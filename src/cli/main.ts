/**
 * The `djazzle` command (Django's `manage.py`): `djazzle <command> [options]`. Every command reads
 * `djazzle.config.ts`; errors are printed without a stack trace (set `DJAZZLE_TRACEBACK=1` for
 * one) and make the process exit with status 1 (2 for bad usage).
 */
import '../db/register-node-drivers.js';
import '../query/model-port.js';
import '../session/context.js';
import { DjazzleError } from '../core/errors.js';
import { check } from './check.js';
import { type Command, CommandError, commandHelp, parseCommandArgs, str } from './command.js';
import { CommandContext, type Io, processIo } from './context.js';
import { dumpdata } from './dumpdata.js';
import { flush } from './flush.js';
import { inspectdb } from './inspectdb.js';
import { loaddata } from './loaddata.js';
import { makemigrations } from './makemigrations.js';
import { migrate } from './migrate.js';
import { removeStaleContenttypes } from './remove-stale-contenttypes.js';
import { runserver } from './runserver.js';
import { shell } from './shell.js';
import { showmigrations } from './showmigrations.js';
import { sqlmigrate } from './sqlmigrate.js';

export const COMMANDS: readonly Command[] = [
  check, dumpdata, flush, inspectdb, loaddata, makemigrations, migrate, removeStaleContenttypes, runserver, shell, showmigrations, sqlmigrate,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: djazzle <command> [options] [args]',
    '',
    "djazzle's management commands (Django's manage.py), configured by djazzle.config.ts.",
    "Type 'djazzle <command> --help' for help on a specific command.",
    '',
    'Available commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Environment: DATABASE_URL replaces the default database; DJAZZLE_TRACEBACK=1 prints stack traces.',
  ].join('\n');
}

export interface MainOptions {
  io?: Io;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs one command; answers the exit status. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? commandHelp(topic) : mainHelp());
    return 0;
  }
  if (name === '--version') {
    io.out('djazzle 0.1.0');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name || c.name === name.replace(/-/g, '_'));
  if (!command) {
    io.err(`Unknown command: '${name}'\nType 'djazzle --help' for usage.`);
    return 2;
  }
  let ctx: CommandContext | undefined;
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values['help']) {
      io.out(commandHelp(command));
      return 0;
    }
    ctx = new CommandContext(io, { cwd: options.cwd, configPath: str(args.values['config']), env: options.env });
    return (await command.run(ctx, args)) ?? 0;
  } catch (error) {
    const env = options.env ?? process.env;
    if (env['DJAZZLE_TRACEBACK'] && error instanceof Error) io.err(error.stack ?? error.message);
    if (error instanceof CommandError) {
      io.err(`CommandError: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof DjazzleError) {
      io.err(`${error.name}: ${error.message}`);
      return 1;
    }
    io.err(`Error: ${error instanceof Error ? error.message : String(error)}`);
    if (!env['DJAZZLE_TRACEBACK'] && error instanceof Error && error.stack) io.err('(set DJAZZLE_TRACEBACK=1 for the stack trace)');
    return 1;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
