/**
 * The scheduled handler (`[triggers] crons`): delivers every durable signal event still pending
 * (a queue message lost, a subscriber that failed, a consumer cut off), a bounded number of
 * batches per run.
 */
import { drain, type DeliveryReport } from 'djazzle/signals';
import { withConnection, type WorkerEnv } from './env.js';
import '../examples/library/subscribers.js';

export function drainSignalEvents(env: WorkerEnv, options: { maxBatches?: number } = {}): Promise<DeliveryReport> {
  return withConnection(env, (db) => db.session(() => drain({ using: db.alias, maxBatches: options.maxBatches ?? 10 })));
}
