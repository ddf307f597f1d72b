/**
 * Django's `django.db.transaction`: `atomic`, `onCommit`, `setRollback`, `getRollback`.
 *
 * ```ts
 * await atomic(async () => {          // with transaction.atomic():
 *   await Article.objects.create(…);
 *   onCommit(() => notify());         //     transaction.on_commit(notify)
 * });
 * ```
 * Nested blocks use savepoints; `savepoint: false` merges into the outer block; `durable: true`
 * refuses to run inside another block. Callbacks run after the outermost commit, in order.
 */
import { NotSupportedError, TransactionManagementError } from '../core/errors.js';
import { activeSession } from '../core/ports.js';
import { getConnection } from './connect.js';
import { translateDatabaseError } from './errors.js';
import type { Connection } from './connection.js';
import { type CommitHook, currentFrame, runInFrame, runOutsideFrames, type TxFrame } from './tx-context.js';

export interface AtomicOptions {
  using?: string;
  savepoint?: boolean;
  durable?: boolean;
}

class RollbackSignal extends Error {
  constructor(readonly value: unknown) {
    super('rollback');
  }
}

/**
 * The connection a transaction function works on: `using`, else the session's (a request's
 * connection inside `session()` middleware), else `'default'`.
 */
function connectionFor(using: string | undefined): Connection {
  return getConnection(using ?? activeSession()?.alias);
}

function requireTransactions(connection: Connection): void {
  if (!connection.capabilities.interactiveTransactions) {
    throw new NotSupportedError(
      `The '${connection.driver}' driver has no interactive transactions, so atomic() cannot run on '${connection.alias}'. ` +
        `Use the 'neon-ws' or 'pg' driver for atomic blocks, or a session, whose commit() sends one batch.`,
    );
  }
}

function newFrame(alias: string, tx: TxFrame['tx'], parent: TxFrame | undefined, durable: boolean): TxFrame {
  return { alias, tx, parent, durable, needsRollback: false, hooks: [], beforeCommit: [] };
}

/** Django: `with transaction.atomic(using=…, savepoint=…, durable=…)`. */
export async function atomic<T>(fn: () => T | Promise<T>, options: AtomicOptions = {}): Promise<T> {
  const connection = connectionFor(options.using);
  const outer = currentFrame(connection.alias);
  if (options.durable && outer) {
    throw new TransactionManagementError('A durable atomic block cannot be nested within another atomic block.');
  }
  requireTransactions(connection);
  if (!outer) return outermost(connection, fn, options.durable ?? false);
  if (outer.needsRollback) {
    throw new TransactionManagementError(
      "An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block.",
    );
  }
  if (options.savepoint === false) {
    try {
      return await fn();
    } catch (error) {
      outer.needsRollback = true;
      throw error;
    }
  }
  return nested(outer, fn);
}

async function outermost<T>(connection: Connection, fn: () => T | Promise<T>, durable: boolean): Promise<T> {
  let frame: TxFrame | undefined;
  let result: T;
  let fromBlock: unknown;
  try {
    result = await connection.drizzle.transaction(async (tx) => {
      frame = newFrame(connection.alias, tx, undefined, durable);
      const current = frame;
      let value: T;
      try {
        value = await runInFrame(current, fn);
      } catch (error) {
        fromBlock = error;
        throw error;
      }
      if (current.needsRollback) throw new RollbackSignal(value);
      await runInFrame(current, async () => {
        // hooks may add hooks (a durable event stored by a hook): run until none is left
        while (current.beforeCommit.length > 0) await current.beforeCommit.shift()!();
      });
      if (current.needsRollback) throw new RollbackSignal(value);
      return value;
    });
  } catch (error) {
    if (error instanceof RollbackSignal) return error.value as T;
    throw error === fromBlock ? error : connectionLost(error);
  }
  await runHooks(connection.alias, frame?.hooks ?? []);
  return result;
}

async function nested<T>(outer: TxFrame, fn: () => T | Promise<T>): Promise<T> {
  let frame: TxFrame | undefined;
  try {
    const result = await outer.tx.transaction(async (tx) => {
      frame = newFrame(outer.alias, tx, outer, false);
      const value = await runInFrame(frame, fn);
      if (frame.needsRollback) throw new RollbackSignal(value);
      return value;
    });
    outer.hooks.push(...(frame?.hooks ?? []));
    outer.beforeCommit.push(...(frame?.beforeCommit ?? []));
    return result;
  } catch (error) {
    if (error instanceof RollbackSignal) return error.value as T;
    throw error;
  }
}

/** Errors of BEGIN/COMMIT themselves (a deferred constraint failing at COMMIT, a lost socket) as djazzle errors. */
function connectionLost(error: unknown): unknown {
  return translateDatabaseError(error);
}

async function runHooks(alias: string, hooks: CommitHook[]): Promise<void> {
  await runOutsideFrames(alias, async () => {
    for (const hook of hooks) {
      try {
        await hook.fn();
      } catch (error) {
        if (!hook.robust) throw error;
        console.error('djazzle: error in a robust onCommit callback', error);
      }
    }
  });
}

/**
 * Django: `transaction.on_commit(fn, using=…, robust=…)`. Runs `fn` after the outermost commit
 * (dropped if the block, or the savepoint it was registered in, rolls back); at once outside a block.
 */
export function onCommit(fn: () => unknown, options: { using?: string; robust?: boolean } = {}): void {
  const connection = connectionFor(options.using);
  const frame = currentFrame(connection.alias);
  const hook = { fn, robust: options.robust ?? false };
  if (frame) {
    frame.hooks.push(hook);
    return;
  }
  try {
    const result = fn();
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (error: unknown) => console.error('djazzle: error in an onCommit callback', error));
    }
  } catch (error) {
    if (!hook.robust) throw error;
    console.error('djazzle: error in a robust onCommit callback', error);
  }
}

/**
 * Runs `fn` inside the current transaction just before its outermost COMMIT (dropped if the
 * savepoint it was registered in rolls back). Outside a transaction it runs at once.
 */
export async function beforeCommit(fn: () => Promise<void> | void, options: { using?: string } = {}): Promise<void> {
  const frame = currentFrame(connectionFor(options.using).alias);
  if (frame) frame.beforeCommit.push(fn);
  else await fn();
}

/** Django: `transaction.set_rollback(True)`: the innermost atomic block rolls back when it exits. */
export function setRollback(rollback: boolean, options: { using?: string } = {}): void {
  const frame = currentFrame(connectionFor(options.using).alias);
  if (!frame) throw new TransactionManagementError('The rollback flag doesn\'t work outside of an \'atomic\' block.');
  frame.needsRollback = rollback;
}

/** Django: `transaction.get_rollback()`. */
export function getRollback(options: { using?: string } = {}): boolean {
  const frame = currentFrame(connectionFor(options.using).alias);
  if (!frame) throw new TransactionManagementError('The rollback flag doesn\'t work outside of an \'atomic\' block.');
  return frame.needsRollback;
}

/**
 * Runs `fn` in a savepoint when the driver can, else as is (a single statement is atomic anyway).
 * Used by `getOrCreate` and `updateOrCreate`, as Django wraps them in `atomic()`.
 */
export function atomicIfSupported<T>(connection: Connection, fn: () => Promise<T>): Promise<T> {
  return connection.capabilities.interactiveTransactions ? atomic(fn, { using: connection.alias }) : fn();
}
