/**
 * Publishers: where samples and events leave meterflow, chosen by URL scheme. This file is the
 * folder's only public surface.
 */
export { createPublisher, publisherRegistry, redactUrl, validatePublisherUrl } from './registry.js';
export { type TestPublisherStore, testPublisherStore } from './test-publisher.js';
export type { Publisher, PublisherContext, PublisherSpec } from './types.js';
export type { UrlProblem } from './url-options.js';
