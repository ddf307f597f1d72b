/** `djazzle/signals`: the dispatcher and Django's built-in signals. */
export { Signal, receiver, setSenderResolver, type Receiver, type Sender } from './signal.js';
export * from './builtins.js';
