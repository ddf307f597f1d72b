/**
 * Django's `django.dispatch.Signal`, async, on top of eventemitter3.
 *
 * ```ts
 * const pizzaDone = new Signal<{ toppings: string[] }>();      // pizza_done = Signal()
 * pizzaDone.connect(handler, { sender: Pizza, dispatchUid: 'x' }); // pizza_done.connect(handler, sender=Pizza, dispatch_uid='x')
 * await pizzaDone.send(Pizza, { toppings });                   // pizza_done.send(sender=Pizza, toppings=…)
 * ```
 * Receivers run in connection order; async receivers are awaited one after the other.
 * `send` lets an error propagate; `sendRobust` returns it in place of the response.
 */
import { EventEmitter } from 'eventemitter3';

export type Sender = object | string;
export type Receiver<P> = (payload: P & { sender: unknown; signal: Signal<P> }) => unknown;

interface Registration<P> {
  readonly receiver: Receiver<P>;
  readonly sender: Sender | undefined;
  readonly uid: unknown;
  /** A durable receiver stores its events in the writing transaction (see `djazzle/signals` `durable`). */
  readonly durable: boolean;
  readonly listener: (context: DispatchContext<P>) => void;
}

interface DispatchContext<P> {
  readonly payload: P & { sender: unknown; signal: Signal<P> };
  readonly calls: Array<Registration<P>>;
}

/** Turns an `'app.Model'` label into the model class once it exists (set by the models layer). */
let senderResolver: (sender: Sender) => Sender = (sender) => sender;
export function setSenderResolver(resolve: (sender: Sender) => Sender): void {
  senderResolver = resolve;
}

const ANY = Symbol('any sender');
const EVENT = 'send';

export class Signal<P = Record<string, unknown>> {
  readonly #emitter = new EventEmitter();
  readonly #registrations: Registration<P>[] = [];
  /** Documentation only (Django's `providing_args` is gone; kept as a name for debugging). */
  readonly name: string | undefined;

  constructor(name?: string) {
    this.name = name;
  }

  /**
   * Connects `receiver`. A second connection with the same `dispatchUid` (or the same receiver
   * and sender when no uid is given) is ignored. Returns a function that disconnects it.
   */
  connect(receiver: Receiver<P>, options: { sender?: Sender; dispatchUid?: unknown; weak?: boolean; durable?: boolean } = {}): () => boolean {
    const uid = options.dispatchUid ?? receiver;
    const sender = options.sender;
    const key = this.#senderKey(sender);
    const existing = this.#registrations.find((r) => r.uid === uid && this.#senderKey(r.sender) === key);
    if (!existing) {
      const registration: Registration<P> = {
        receiver,
        sender,
        uid,
        durable: options.durable ?? false,
        listener: (context) => {
          if (registration.sender === undefined || this.#senderKey(registration.sender) === this.#senderKey(context.payload.sender as Sender)) {
            context.calls.push(registration);
          }
        },
      };
      this.#registrations.push(registration);
      this.#emitter.on(EVENT, registration.listener);
    }
    return () => this.disconnect(receiver, { sender });
  }

  /** Disconnects by receiver or by `{ dispatchUid }`; returns whether something was disconnected. */
  disconnect(receiverOrUid?: Receiver<P> | { dispatchUid: unknown; sender?: Sender }, options: { sender?: Sender; dispatchUid?: unknown } = {}): boolean {
    let uid: unknown;
    let sender = options.sender;
    if (typeof receiverOrUid === 'function') uid = options.dispatchUid ?? receiverOrUid;
    else if (receiverOrUid) {
      uid = receiverOrUid.dispatchUid;
      sender = receiverOrUid.sender ?? sender;
    } else uid = options.dispatchUid;
    const key = this.#senderKey(sender);
    const index = this.#registrations.findIndex((r) => (r.uid === uid || r.receiver === uid) && this.#senderKey(r.sender) === key);
    if (index < 0) return false;
    const [removed] = this.#registrations.splice(index, 1);
    this.#emitter.off(EVENT, removed!.listener);
    return true;
  }

  /** Whether any receiver would get a `send` from `sender` (any sender when omitted). */
  hasListeners(sender?: Sender): boolean {
    if (this.#registrations.length === 0) return false;
    if (sender === undefined) return true;
    const key = this.#senderKey(sender);
    return this.#registrations.some((r) => r.sender === undefined || this.#senderKey(r.sender) === key);
  }

  /** Whether a durable receiver listens for `sender`: its writes must then run in a transaction. */
  hasDurableListeners(sender: Sender): boolean {
    if (this.#registrations.length === 0) return false;
    const key = this.#senderKey(sender);
    return this.#registrations.some((r) => r.durable && (r.sender === undefined || this.#senderKey(r.sender) === key));
  }

  /** The receivers `send` would call for `sender`, in connection order. */
  #collect(sender: Sender, payload: P): DispatchContext<P> {
    const context: DispatchContext<P> = { payload: Object.assign({}, payload, { sender, signal: this }), calls: [] };
    this.#emitter.emit(EVENT, context);
    return context;
  }

  /** Django: `signal.send(sender, **kwargs)` → `[[receiver, response], …]`. Errors propagate. */
  async send(sender: Sender, payload: P): Promise<Array<[Receiver<P>, unknown]>> {
    if (this.#registrations.length === 0) return [];
    const context = this.#collect(sender, payload);
    const responses: Array<[Receiver<P>, unknown]> = [];
    for (const registration of context.calls) {
      responses.push([registration.receiver, await registration.receiver(context.payload)]);
    }
    return responses;
  }

  /**
   * Sends synchronously (Django's `pre_init`/`post_init` run inside the constructor): receivers
   * are called in order; a returned promise is not awaited.
   */
  sendSync(sender: Sender, payload: P): Array<[Receiver<P>, unknown]> {
    if (this.#registrations.length === 0) return [];
    const context = this.#collect(sender, payload);
    return context.calls.map((registration) => [registration.receiver, registration.receiver(context.payload)] as [Receiver<P>, unknown]);
  }

  /** Django: `signal.send_robust(…)`: an error is logged and returned in place of the response. */
  async sendRobust(sender: Sender, payload: P): Promise<Array<[Receiver<P>, unknown]>> {
    if (this.#registrations.length === 0) return [];
    const context = this.#collect(sender, payload);
    const responses: Array<[Receiver<P>, unknown]> = [];
    for (const registration of context.calls) {
      try {
        responses.push([registration.receiver, await registration.receiver(context.payload)]);
      } catch (error) {
        console.error(`djazzle: error in receiver ${registration.receiver.name || '(anonymous)'} of ${this.name ?? 'a signal'}`, error);
        responses.push([registration.receiver, error instanceof Error ? error : new Error(String(error))]);
      }
    }
    return responses;
  }

  /** Compares senders by identity, resolving `'app.Model'` labels (case-insensitive) to models once they exist. */
  #senderKey(sender: Sender | undefined): unknown {
    if (sender === undefined) return ANY;
    const resolved = senderResolver(sender);
    return typeof resolved === 'string' ? resolved.toLowerCase() : resolved;
  }
}

/**
 * Django's `@receiver(signal, sender=…)`: `receiver(postSave, { sender: Article })(fn)` connects
 * `fn` (to several signals when given an array) and returns it.
 */
export function receiver<P>(signal: Signal<P> | Signal<P>[], options: { sender?: Sender; dispatchUid?: unknown } = {}) {
  return <F extends Receiver<P>>(fn: F): F => {
    for (const s of Array.isArray(signal) ? signal : [signal]) s.connect(fn, options);
    return fn;
  };
}
