/**
 * The durable signal event table (an outbox): one row per event per durable subscriber, written
 * in the same transaction as the change it describes. Create it with
 * `db.createTables(signalEvents)` (migrations include it when durable receivers exist).
 */
import { boolean, integer, jsonb, pgTable, text, timestamp, uuid, index } from 'drizzle-orm/pg-core';

export const signalEvents = pgTable(
  'djazzle_signal_event',
  {
    /** Idempotency key: a subscriber may see an event more than once, never a different one under the same id. */
    id: uuid('id').primaryKey(),
    subscriber: text('subscriber').notNull(),
    signal: text('signal').notNull(),
    /** `'app.Model'` of the sender. */
    model: text('model').notNull(),
    pk: text('pk'),
    created: boolean('created'),
    updateFields: text('update_fields').array(),
    /** The instance's `toJSON()` when the signal was sent. */
    snapshot: jsonb('snapshot').notNull(),
    /** `pending`, `delivering` (claimed until `locked_until`), `delivered`, `failed` (out of attempts). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('djazzle_signal_event_due').on(t.status, t.availableAt)],
);

export type SignalEventRow = typeof signalEvents.$inferSelect;
