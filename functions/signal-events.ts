/**
 * The consumer of durable signal events: the queue (`SIGNAL_EVENTS`) carries event ids; each
 * batch is delivered on a connection of its own, inside a session. Delivered messages are acked,
 * failed ones retried (the events also stay pending in the table for the scheduled drain).
 */
import { consumeQueueBatch, type QueueBatchLike } from 'djazzle/signals';
import { withConnection, type WorkerEnv } from './env.js';
import '../examples/library/subscribers.js';

export function consumeSignalEvents(batch: QueueBatchLike, env: WorkerEnv): Promise<void> {
  return withConnection(env, (db) => db.session(() => consumeQueueBatch(batch, { using: db.alias })));
}
