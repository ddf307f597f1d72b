/** Durable signal subscribers: stored with the change, delivered after commit, at least once. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import { atomic, defineApp, Model, type Connection } from 'djazzle';
import {
  configureDurableDelivery, consumeQueueBatch, deliver, drain, durable, eventCounts, handleWebhook, inProcessTransport, postSave, queueTransport,
  settleDeliveries, signalEvents, webhookTransport, type DurableEvent, type Transport,
} from 'djazzle/signals';
import { testDatabase } from 'djazzle/testing';

const notes = pgTable('durable_note', { id: serial('id').primaryKey(), title: text('title').notNull() });
class Note extends Model(notes, { app: 'durable' }) {}
defineApp('durable', { models: [Note] });

let db: Connection;
const received: DurableEvent[] = [];
let failNext = 0;
let disconnect: () => boolean;

beforeAll(async () => {
  db = await testDatabase({ models: [Note, signalEvents] });
  disconnect = durable(postSave, { sender: Note, name: 'note-indexer', maxAttempts: 1000 }, (event) => {
    if (failNext > 0) {
      failNext--;
      throw new Error('subscriber down');
    }
    received.push(event);
  });
});
afterAll(async () => {
  disconnect();
  configureDurableDelivery({ transport: inProcessTransport() });
  await db.close();
});
beforeEach(async () => {
  await settleDeliveries();
  await db.truncate();
  received.length = 0;
  failNext = 0;
  configureDurableDelivery({ transport: inProcessTransport() });
});

const rows = () => db.drizzle.select().from(signalEvents);
const later = (ms: number) => () => new Date(Date.now() + ms);

describe('storage', () => {
  it('stores the event in the transaction of the change and delivers it after commit', async () => {
    const note = await Note.objects.create({ title: 'hello' });
    await settleDeliveries();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ subscriber: 'note-indexer', signal: 'postSave', model: 'durable.Note', pk: String(note.id), created: true, snapshot: { id: note.id, title: 'hello' }, attempts: 0 });
    expect((await rows()).map((r) => r.status)).toEqual(['delivered']);
  });

  it('a rolled-back transaction stores and delivers nothing', async () => {
    await expect(
      atomic(async () => {
        await Note.objects.create({ title: 'rolled back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await atomic(async () => {
      await Note.objects.create({ title: 'kept' });
      await atomic(async () => {
        await Note.objects.create({ title: 'savepoint rolled back' });
        throw new Error('inner');
      }).catch(() => undefined);
    });
    await settleDeliveries();
    expect(received.map((e) => e.snapshot['title'])).toEqual(['kept']);
    expect(await rows()).toHaveLength(1);
  });

  it('a failing subscriber gets the event again later, with the same idempotency key', async () => {
    failNext = 1;
    await Note.objects.create({ title: 'retry me' });
    await settleDeliveries();
    expect(received).toHaveLength(0);
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'subscriber down' });
    expect(await drain()).toEqual({ delivered: 0, retried: 0, failed: 0 }); // not due yet (backoff)
    expect(await drain({ now: later(60_000) })).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(received[0]!.id).toBe(row!.id);
    expect(received[0]!.attempts).toBe(1);
  });

  it('a worker that died holding a claim loses it when the claim expires', async () => {
    configureDurableDelivery({ transport: { name: 'none', dispatch: () => undefined } });
    await Note.objects.create({ title: 'orphan' });
    await db.drizzle.update(signalEvents).set({ status: 'delivering', lockedUntil: new Date(Date.now() + 60_000) });
    expect((await drain()).delivered).toBe(0);
    expect((await drain({ now: later(120_000) })).delivered).toBe(1);
    expect(received).toHaveLength(1);
  });
});

describe('transports', () => {
  it('a queue: the consumer delivers and acks, retries what failed', async () => {
    const sent: Array<{ body: unknown }> = [];
    configureDurableDelivery({ transport: queueTransport({ sendBatch: async (messages) => void sent.push(...messages) }) });
    await Note.objects.create({ title: 'queued 1' });
    await Note.objects.create({ title: 'queued 2' });
    await settleDeliveries();
    expect(sent).toHaveLength(2);
    failNext = 1;
    const outcome: string[] = [];
    await consumeQueueBatch({ messages: sent.map((m) => ({ body: m.body, ack: () => outcome.push('ack'), retry: () => outcome.push('retry') })) });
    expect(outcome).toEqual(['retry', 'ack']);
    expect(received.map((e) => e.snapshot['title'])).toEqual(['queued 2']);
  });

  it('a webhook, signed; a bad signature is refused', async () => {
    const secret = 'shh';
    configureDurableDelivery({ transport: webhookTransport('http://127.0.0.1/djazzle/events', { secret, fetch: async (url, init) => handleWebhook(new Request(url as string, init), { secret }) }) });
    await Note.objects.create({ title: 'hooked' });
    await settleDeliveries();
    expect(received.map((e) => e.snapshot['title'])).toEqual(['hooked']);
    const forged = await handleWebhook(new Request('http://127.0.0.1/x', { method: 'POST', body: JSON.stringify({ ids: [] }), headers: { 'x-djazzle-signature': 'nope' } }), { secret });
    expect(forged.status).toBe(401);
  });
});

describe('at least once, under failure', () => {
  it('10,000 events with subscribers failing at random and deliveries cut off half-way: every committed event processed, no rolled-back one', async () => {
    // a transport that "dies" after handing over half of each batch
    const cutOff: Transport = { name: 'flaky', dispatch: (ids, using) => void deliver(ids.slice(0, Math.floor(ids.length / 2)), { using }).catch(() => undefined) };
    configureDurableDelivery({ transport: cutOff });
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const processed = new Map<string, number>();
    const off = durable(postSave, { sender: Note, name: 'flaky-subscriber', maxAttempts: 10_000 }, (event) => {
      if (random() < 0.3) throw new Error('random failure');
      processed.set(event.id, (processed.get(event.id) ?? 0) + 1);
    });
    try {
      const committedTitles = new Set<string>();
      for (let tx = 0; tx < 110; tx++) {
        const rollBack = tx % 11 === 10; // 10 of 110 transactions roll back: 100 × 100 = 10,000 committed
        await db
          .session(
            async (session) => {
              for (let i = 0; i < 100; i++) session.add(new Note({ title: `${rollBack ? 'rb' : 'ok'}-${tx}-${i}` }));
              await session.flush();
              if (rollBack) throw new Error('rolled back on purpose');
            },
            { atomic: true },
          )
          .then(
            () => {
              for (let i = 0; i < 100; i++) committedTitles.add(`ok-${tx}-${i}`);
            },
            () => undefined,
          );
      }
      await settleDeliveries();
      for (let round = 1; round < 60; round++) {
        const report = await drain({ now: later(round * 3_600_000), batchSize: 500 });
        if (report.delivered + report.retried === 0) break;
      }
      const stored = (await rows()).filter((r) => r.subscriber === 'flaky-subscriber');
      expect(stored).toHaveLength(10_000);
      expect(stored.every((r) => r.status === 'delivered')).toBe(true);
      expect(new Set(stored.map((r) => r.id))).toEqual(new Set(processed.keys()));
      expect(new Set(stored.map((r) => (r.snapshot as { title: string }).title))).toEqual(committedTitles);
      expect(stored.some((r) => (r.snapshot as { title: string }).title.startsWith('rb-'))).toBe(false);
      expect(await eventCounts()).toMatchObject({ delivered: expect.any(Number) });
    } finally {
      off();
    }
  }, 180_000);
});
