/** Durable signal subscribers: events stored with the change, delivered after commit, at least once. */
export { durable, type DurableEvent, type DurableHandler, type DurableOptions } from './subscribers.js';
export { signalEvents, type SignalEventRow } from './table.js';
export { deliver, drain, eventCounts, type DeliveryOptions, type DeliveryReport } from './delivery.js';
export {
  configureDurableDelivery, inProcessTransport, queueTransport, webhookTransport, consumeQueueBatch, handleWebhook,
  runWithWaitUntil, settleDeliveries, type Transport, type QueueLike, type QueueBatchLike,
} from './transports.js';
