/**
 * The transaction frames bound to the current async context, one chain per connection alias.
 * `atomic()` pushes a frame; the connection's executor is the innermost frame's Drizzle
 * transaction, so models used inside an atomic block run in it without passing it around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AnyDrizzle } from './driver.js';

export interface CommitHook {
  readonly fn: () => unknown;
  readonly robust: boolean;
}

export interface TxFrame {
  readonly alias: string;
  readonly tx: AnyDrizzle;
  readonly parent: TxFrame | undefined;
  readonly durable: boolean;
  /** Django's `needs_rollback`: set by `setRollback(true)`, a failed statement, or an error leaving a `savepoint: false` block. */
  needsRollback: boolean;
  /** `onCommit` hooks registered while this frame (savepoint) was innermost. */
  hooks: CommitHook[];
  /** Work to run inside the transaction just before COMMIT (dropped with a rolled-back savepoint). */
  beforeCommit: Array<() => Promise<void> | void>;
}

const frames = new AsyncLocalStorage<ReadonlyMap<string, TxFrame>>();

export function currentFrame(alias: string): TxFrame | undefined {
  return frames.getStore()?.get(alias);
}

/** Runs `fn` with `frame` innermost; a returned thenable (a QuerySet) is awaited inside the frame too. */
export function runInFrame<T>(frame: TxFrame, fn: () => T | PromiseLike<T>): Promise<T> {
  const next = new Map(frames.getStore());
  next.set(frame.alias, frame);
  return frames.run(next, async () => await fn());
}

/** Runs `fn` outside any transaction of `alias` (used for on-commit hooks). */
export function runOutsideFrames<T>(alias: string, fn: () => T | PromiseLike<T>): Promise<T> {
  const store = frames.getStore();
  const next = new Map(store);
  next.delete(alias);
  return frames.run(next, async () => await fn());
}
