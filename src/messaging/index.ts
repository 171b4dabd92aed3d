/** The messaging layer's public surface. */
export * from './types.js';
export { AmqpTransport, type ConnectHook } from './transport.js';
export { AmqpConfirmPublisher } from './confirm-publisher.js';
export { createBatchListener } from './listener.js';
export { type AmqpEndpoint, type TransportUrl, describeEndpoint, parseTransportUrl } from './url.js';
