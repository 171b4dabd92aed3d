import type { Channel } from 'amqplib';
import type { ListenerOptions, ListenerTopology } from './types.js';

/**
 * Declarations made exactly as oslo.messaging's RabbitMQ driver makes them, so that a queue an
 * OpenStack service already declared (`_publish_and_creates_default_queue`) is accepted as
 * equivalent: any extra argument or different flag would be a PRECONDITION_FAILED channel error.
 */
export async function declareExchanges(channel: Channel, topology: ListenerTopology): Promise<void> {
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange, 'topic', { durable: topology.durable, autoDelete: false });
  }
}

/** One notification queue (no arguments) bound to every control exchange with its routing key. */
export async function declareQueue(
  channel: Channel,
  topology: ListenerTopology,
  queue: { name: string; routingKey: string },
): Promise<void> {
  await channel.assertQueue(queue.name, { durable: topology.durable, autoDelete: false, exclusive: false });
  for (const exchange of topology.exchanges) {
    await channel.bindQueue(queue.name, exchange, queue.routingKey);
  }
}

/**
 * meterflow's own failure topology. Dead letters: a durable topic exchange bound with `#` to a
 * durable queue. Retries: a durable topic exchange bound with `#` to a durable queue whose expired
 * messages (per-message TTL) are dead-lettered to the default exchange with their routing key
 * unchanged — the original queue's name — so each retry returns to the queue it came from.
 */
export async function declareFailureTopology(
  channel: Channel,
  options: Pick<ListenerOptions, 'deadLetter' | 'retry'>,
): Promise<void> {
  const { deadLetter, retry } = options;
  await channel.assertExchange(deadLetter.exchange, 'topic', { durable: true, autoDelete: false });
  await channel.assertQueue(deadLetter.queue, { durable: true, autoDelete: false });
  await channel.bindQueue(deadLetter.queue, deadLetter.exchange, '#');
  await channel.assertExchange(retry.exchange, 'topic', { durable: true, autoDelete: false });
  await channel.assertQueue(retry.queue, { durable: true, autoDelete: false, deadLetterExchange: '' });
  await channel.bindQueue(retry.queue, retry.exchange, '#');
}

/** Everything the listener consumes from and publishes to, declared on one channel. */
export async function declareListenerTopology(channel: Channel, options: ListenerOptions): Promise<void> {
  await declareExchanges(channel, options.topology);
  for (const queue of options.topology.queues) await declareQueue(channel, options.topology, queue);
  await declareFailureTopology(channel, options);
}
