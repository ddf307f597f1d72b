/**
 * `Signal.send()` to 1 and to 10 synchronous no-op receivers, against a bare `eventemitter3`
 * `emit` to as many listeners: what djazzle's dispatcher adds on top of the emitter it is built
 * on (collecting the receivers for the sender, the payload copy, the `[receiver, response]`
 * list, the `await` per receiver). No database; info rows.
 *
 * ```ts
 * const signal = new Signal<{ n: number }>();  signal.connect(() => undefined);       // × 1 / × 10
 * await signal.send(Article, { n });
 * const emitter = new EventEmitter();          emitter.on('send', () => undefined);    // × 1 / × 10
 * emitter.emit('send', { sender: Article, n });
 * ```
 * The third row connects the 10 receivers with `{ sender: Article }` (Django's usual
 * `@receiver(post_save, sender=Article)`); its emitter counterpart checks the sender in each
 * listener. Each call runs 1,000 sends in a tight loop (`opsPerCall`); `send` is awaited each
 * time, `emit` is synchronous.
 */
import { EventEmitter } from 'eventemitter3';
import { Signal } from 'djazzle/signals';
import { type BenchContext, defineCustom, definePaired, type PairedWorkload, type ResultRow, runPaired } from '../harness.js';
import { Article } from '../fixtures.js';

const OPS = 1000;
type Payload = { n: number };

function workload(receivers: number, bySender: boolean): PairedWorkload {
  const signal = new Signal<Payload>(`bench${receivers}`);
  const emitter = new EventEmitter();
  let calls = { djazzle: 0, drizzle: 0 };
  const disconnect: Array<() => boolean> = [];
  return definePaired<number, number>({
    name: `signal-send-${receivers}${bySender ? '-sender' : ''}`,
    title: `Signal.send(), ${receivers} receiver${receivers === 1 ? '' : 's'}${bySender ? ' (sender: Article)' : ''} vs eventemitter3 emit`,
    info: true,
    opsPerCall: OPS,
    statements: { djazzle: 0, drizzle: 0 },
    pairs: { quick: 12, full: 60 },
    async setup() {
      for (let k = 0; k < receivers; k++) {
        // distinct functions: one connection each (a receiver is connected once per sender)
        disconnect.push(signal.connect(() => void calls.djazzle++, bySender ? { sender: Article } : {}));
        emitter.on('send', bySender ? (p: { sender: unknown }) => void (p.sender === Article && calls.drizzle++) : () => void calls.drizzle++);
      }
    },
    async djazzle(_ctx, i) {
      const before = calls.djazzle;
      for (let k = 0; k < OPS; k++) await signal.send(Article, { n: i + k });
      return calls.djazzle - before;
    },
    async drizzle(_ctx, i) {
      const before = calls.drizzle;
      for (let k = 0; k < OPS; k++) emitter.emit('send', { sender: Article, n: i + k });
      return calls.drizzle - before;
    },
    check(dj, dz) {
      if (dj !== OPS * receivers || dz !== OPS * receivers) throw new Error(`receiver calls ${dj} / ${dz}, expected ${OPS * receivers}`);
    },
    async teardown() {
      for (const off of disconnect.splice(0)) off();
      emitter.removeAllListeners();
      calls = { djazzle: 0, drizzle: 0 };
    },
  }) as PairedWorkload;
}

const VARIANTS = [workload(1, false), workload(10, false), workload(10, true)];

export default defineCustom({
  name: 'signal-send',
  title: 'Signal.send() vs eventemitter3',
  inner: VARIANTS,
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const rows: ResultRow[] = [];
    for (const variant of VARIANTS) rows.push(await runPaired(ctx, variant));
    return rows;
  },
});
