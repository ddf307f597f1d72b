/**
 * Durable subscribers: a receiver whose events are stored with the change and delivered after
 * commit, at least once, to a handler that may run elsewhere (a queue consumer, a webhook).
 *
 * ```ts
 * durable(postSave, { sender: Article, name: 'search-index' }, async (event) => {
 *   await index(event.snapshot);            // event.id is the idempotency key
 * });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { ImproperlyConfigured } from '../../core/errors.js';
import { getConnection } from '../../db/connect.js';
import { beforeCommit, onCommit } from '../../db/transaction.js';
import type { TxFrame } from '../../db/tx-context.js';
import type { Receiver, Sender, Signal } from '../../signals/signal.js';
import { signalEvents } from './table.js';

export interface DurableEvent {
  /** Idempotency key. */
  readonly id: string;
  readonly subscriber: string;
  readonly signal: string;
  /** `'app.Model'` of the sender. */
  readonly model: string;
  readonly pk: string | null;
  readonly created: boolean | null;
  readonly updateFields: readonly string[] | null;
  readonly snapshot: Record<string, unknown>;
  /** Deliveries tried before this one. */
  readonly attempts: number;
}

export type DurableHandler = (event: DurableEvent) => unknown;

export interface DurableOptions {
  /** A model class or `'app.Model'` label; every sender when absent. */
  sender?: Sender;
  /** Unique, stable name: stored with each event and used to find the handler at delivery. */
  name: string;
  /** Give up after this many failed deliveries (the event is marked `failed`). Default 20. */
  maxAttempts?: number;
}

export interface Subscriber {
  readonly name: string;
  readonly handler: DurableHandler;
  readonly maxAttempts: number;
}

const subscribers = new Map<string, Subscriber>();

export function subscriber(name: string): Subscriber | undefined {
  return subscribers.get(name);
}

/** What gets events to their handlers after commit (set with `configureDurableDelivery`). */
export type Dispatch = (ids: readonly string[], using: string) => void;
let dispatch: Dispatch = () => undefined;
export function setDispatch(fn: Dispatch): void {
  dispatch = fn;
}

interface Pending {
  rows: Array<typeof signalEvents.$inferInsert>;
}
/** Event rows waiting for their transaction's COMMIT, per transaction frame. */
const pendingByFrame = new WeakMap<TxFrame, Pending>();

function labelOf(sender: unknown): string {
  const meta = (sender as { _meta?: { label?: string } } | undefined)?._meta;
  return meta?.label ?? String(sender);
}

/** Queues one event row in the current transaction; the rows are written in one INSERT before COMMIT. */
async function store(row: typeof signalEvents.$inferInsert, using: string): Promise<void> {
  const connection = getConnection(using);
  const frame = connection.frame;
  if (!frame) {
    // outside a transaction (a signal sent by hand): write at once, then dispatch
    await connection.run((db) => db.insert(signalEvents).values(row));
    dispatch([row.id], using);
    return;
  }
  let pending = pendingByFrame.get(frame);
  if (!pending) {
    const batch: Pending = { rows: [] };
    pending = batch;
    pendingByFrame.set(frame, batch);
    await beforeCommit(async () => {
      if (batch.rows.length === 0) return;
      await connection.run((db) => db.insert(signalEvents).values(batch.rows));
      const ids = batch.rows.map((r) => r.id);
      onCommit(() => dispatch(ids, using), { using });
    }, { using });
  }
  pending.rows.push(row);
}

/**
 * Declares a durable receiver of `signal`. Its events are stored in `djazzle_signal_event` in
 * the same transaction as the change (a write with durable receivers runs in one), and delivered
 * after commit through the configured transport; nothing is delivered for a rolled-back change.
 * Returns a function that disconnects it.
 */
export function durable<P extends { instance?: unknown; created?: boolean; updateFields?: ReadonlySet<string> | null; using?: string }>(
  signal: Signal<P>,
  options: DurableOptions,
  handler: DurableHandler,
): () => boolean {
  if (!options.name) throw new ImproperlyConfigured('durable(): a subscriber needs a unique name.');
  if (subscribers.has(options.name)) throw new ImproperlyConfigured(`durable(): a subscriber named '${options.name}' already exists.`);
  subscribers.set(options.name, { name: options.name, handler, maxAttempts: options.maxAttempts ?? 20 });
  const receiver: Receiver<P> = async (payload) => {
    const instance = payload.instance as { pk?: unknown; toJSON?(): Record<string, unknown> } | undefined;
    const now = new Date();
    await store(
      {
        id: randomUUID(),
        subscriber: options.name,
        signal: signal.name ?? 'signal',
        model: labelOf(payload.sender),
        pk: instance?.pk === undefined || instance.pk === null ? null : String(instance.pk),
        created: payload.created ?? null,
        updateFields: payload.updateFields ? [...payload.updateFields] : null,
        snapshot: instance?.toJSON?.() ?? {},
        availableAt: now,
        createdAt: now,
      },
      payload.using ?? 'default',
    );
  };
  const disconnect = signal.connect(receiver, { sender: options.sender, dispatchUid: `durable:${options.name}`, durable: true });
  return () => {
    subscribers.delete(options.name);
    return disconnect();
  };
}
