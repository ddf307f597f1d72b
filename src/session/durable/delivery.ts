/**
 * Delivery of durable signal events: claim due events (`FOR UPDATE SKIP LOCKED`, so concurrent
 * workers never deliver the same claim), call each subscriber's handler, mark successes
 * delivered and failures due again after an exponential backoff. A claim whose worker died
 * expires (`locked_until`) and is claimed again: delivery is at least once.
 */
import { and, eq, inArray, lte, or, sql } from 'drizzle-orm';
import { getConnection } from '../../db/connect.js';
import { signalEvents, type SignalEventRow } from './table.js';
import { type DurableEvent, subscriber } from './subscribers.js';

export interface DeliveryOptions {
  using?: string;
  /** Events claimed per round trip. Default 100. */
  batchSize?: number;
  /** How long a claim holds before another worker may take the event over. Default 60 s. */
  lockMs?: number;
  /** Milliseconds before the n-th retry. Default: 1 s · 2ⁿ⁻¹, at most an hour. */
  backoff?: (attempts: number) => number;
  /** The clock (tests move it forward). */
  now?: () => Date;
}

export interface DeliveryReport {
  delivered: number;
  retried: number;
  failed: number;
}

const defaultBackoff = (attempts: number) => Math.min(1000 * 2 ** Math.max(0, attempts - 1), 3_600_000);

function toEvent(row: SignalEventRow): DurableEvent {
  return {
    id: row.id,
    subscriber: row.subscriber,
    signal: row.signal,
    model: row.model,
    pk: row.pk,
    created: row.created,
    updateFields: row.updateFields,
    snapshot: row.snapshot as Record<string, unknown>,
    attempts: row.attempts,
  };
}

/** Claims up to `batchSize` due events (only `ids` when given). */
async function claim(ids: readonly string[] | undefined, options: DeliveryOptions): Promise<SignalEventRow[]> {
  const connection = getConnection(options.using);
  const now = (options.now ?? (() => new Date()))();
  const lockedUntil = new Date(now.getTime() + (options.lockMs ?? 60_000));
  const due = or(
    and(eq(signalEvents.status, 'pending'), lte(signalEvents.availableAt, now)),
    and(eq(signalEvents.status, 'delivering'), lte(signalEvents.lockedUntil, now)),
  )!;
  const where = ids ? and(inArray(signalEvents.id, [...ids]), due)! : due;
  const limit = options.batchSize ?? 100;
  const candidates = sql`SELECT ${signalEvents.id} FROM ${signalEvents} WHERE ${where} ORDER BY ${signalEvents.createdAt} LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  return (await connection.run((db) =>
    db.update(signalEvents).set({ status: 'delivering', lockedUntil }).where(sql`${signalEvents.id} IN (${candidates})`).returning(),
  )) as SignalEventRow[];
}

/** Delivers due events (`ids` only, or any); returns what happened. */
export async function deliver(ids: readonly string[] | undefined, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, retried: 0, failed: 0 };
  if (ids && ids.length === 0) return report;
  const connection = getConnection(options.using);
  const now = options.now ?? (() => new Date());
  const backoff = options.backoff ?? defaultBackoff;
  const claimed = await claim(ids, options);
  const done: string[] = [];
  for (const row of claimed) {
    const sub = subscriber(row.subscriber);
    try {
      if (!sub) throw new Error(`No durable subscriber named '${row.subscriber}' is registered in this process.`);
      await sub.handler(toEvent(row));
      done.push(row.id);
    } catch (error) {
      const attempts = row.attempts + 1;
      const exhausted = attempts >= (sub?.maxAttempts ?? 20);
      await connection.run((db) =>
        db
          .update(signalEvents)
          .set({
            status: exhausted ? 'failed' : 'pending',
            attempts,
            lockedUntil: null,
            availableAt: new Date(now().getTime() + backoff(attempts)),
            lastError: error instanceof Error ? error.message : String(error),
          })
          .where(eq(signalEvents.id, row.id)),
      );
      if (exhausted) report.failed++;
      else report.retried++;
    }
  }
  if (done.length > 0) {
    await connection.run((db) =>
      db
        .update(signalEvents)
        .set({ status: 'delivered', deliveredAt: now(), lockedUntil: null, attempts: sql`${signalEvents.attempts} + 1` })
        .where(inArray(signalEvents.id, done)),
    );
  }
  report.delivered = done.length;
  return report;
}

/**
 * Delivers everything due, batch after batch (run it from a scheduled handler). Stops when a
 * round claims nothing, or after `maxBatches`.
 */
export async function drain(options: DeliveryOptions & { maxBatches?: number } = {}): Promise<DeliveryReport> {
  const total: DeliveryReport = { delivered: 0, retried: 0, failed: 0 };
  for (let batch = 0; batch < (options.maxBatches ?? Infinity); batch++) {
    const report = await deliver(undefined, options);
    total.delivered += report.delivered;
    total.retried += report.retried;
    total.failed += report.failed;
    if (report.delivered + report.retried + report.failed === 0) break;
  }
  return total;
}

/** Counts of events by status (for monitoring and tests). */
export async function eventCounts(options: { using?: string } = {}): Promise<Record<string, number>> {
  const rows = await getConnection(options.using).run((db) =>
    db.select({ status: signalEvents.status, n: sql<number>`count(*)`.mapWith(Number) }).from(signalEvents).groupBy(signalEvents.status),
  );
  return Object.fromEntries((rows as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
}
