/**
 * Shared lifecycle of the pool-based drivers (`pg`, `neon-ws`): a lost connection must not crash
 * the process (the failing statement reports it), and closing is idempotent.
 */
interface PoolLike {
  on(event: 'error', listener: () => void): unknown;
  on(event: 'connect', listener: (client: { on(event: 'error', listener: () => void): unknown }) => void): unknown;
  end(): Promise<void>;
}

/** Guards `pool` against unhandled 'error' events and returns its idempotent `close`. */
export function managePool(pool: PoolLike): () => Promise<void> {
  // An idle client losing its server (a restart, a closed harness) emits 'error' on the pool;
  // a client checked out for a transaction emits it on itself when its backend dies. Either way
  // the next or current statement rejects with an OperationalError, so the events are absorbed.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => void client.on('error', () => undefined));
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    await pool.end();
  };
}
