import { PublishError } from '../errors.js';
import type { Event } from '../model/event.js';
import type { Sample } from '../model/sample.js';
import type { Publisher, PublisherSpec } from './types.js';
import {
  configuredUrlText,
  invalidUrlError,
  parseCount,
  redactUrl,
  type UrlProblem,
  unknownOptionProblems,
  urlOptions,
} from './url-options.js';

/** What reached the `test://<name>` publishers, in publication order. */
export interface TestPublisherStore {
  readonly samples: Sample[];
  readonly events: Event[];
  /** Forgets everything published so far. */
  clear(): void;
}

/**
 * Stores live for the whole process and are shared by name, so a test (or `replay`) can look at
 * what publishers built from configuration received without holding those publishers.
 */
const stores = new Map<string, TestPublisherStore>();

/** The store of `test://<name>` (`''` for plain `test://`), created on first use. */
export function testPublisherStore(name: string): TestPublisherStore {
  let store = stores.get(name);
  if (store === undefined) {
    const created: TestPublisherStore = {
      samples: [],
      events: [],
      clear() {
        created.samples.length = 0;
        created.events.length = 0;
      },
    };
    store = created;
    stores.set(name, store);
  }
  return store;
}

/** How many of the next calls fail; `Infinity` for `fail=always`. */
type FailBudget = number;

/**
 * `test://<name>` — keeps samples and events in memory (`testPublisherStore(name)`).
 *
 * Query options:
 * - `fail` — `always`, or a count N: the next N publish calls (samples or events) reject with a
 *   retriable PublishError and store nothing. Default: never fail. Each publisher counts its own
 *   calls, so two publishers with the same name and `fail=1` fail once each.
 */
export const testPublisherSpec: PublisherSpec = {
  scheme: 'test',
  validate(url: URL): UrlProblem[] {
    return parseTestUrl(url).problems;
  },
  create(url: URL): Publisher {
    const parsed = parseTestUrl(url);
    if (parsed.problems.length > 0) throw invalidUrlError(url, parsed.problems);
    return new TestPublisher(redactUrl(configuredUrlText(url)), testPublisherStore(parsed.name), parsed.fail);
  },
};

function parseTestUrl(url: URL): { name: string; fail: FailBudget; problems: UrlProblem[] } {
  const options = urlOptions(url);
  const problems = unknownOptionProblems(options, ['fail']);
  const failText = options.get('fail');
  let fail = 0;
  if (failText === 'always') {
    fail = Number.POSITIVE_INFINITY;
  } else if (failText !== undefined) {
    const count = parseCount(failText);
    if (count === undefined) problems.push({ message: `fail must be 'always' or a count, got '${failText}'` });
    fail = count ?? 0;
  }
  return { name: decodeName(url.host + url.pathname), fail, problems };
}

function decodeName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

class TestPublisher implements Publisher {
  readonly target: string;
  private readonly store: TestPublisherStore;
  private failuresLeft: FailBudget;
  private closed = false;

  constructor(target: string, store: TestPublisherStore, fail: FailBudget) {
    this.target = target;
    this.store = store;
    this.failuresLeft = fail;
  }

  async publishSamples(samples: readonly Sample[]): Promise<void> {
    this.admit('samples');
    for (const sample of samples) this.store.samples.push(sample);
  }

  async publishEvents(events: readonly Event[]): Promise<void> {
    this.admit('events');
    for (const event of events) this.store.events.push(event);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Throws (inside the async caller, so as a rejection) when this call must fail. */
  private admit(kind: string): void {
    if (this.closed) throw new PublishError(this.target, `${this.target} is closed`);
    if (this.failuresLeft <= 0) return;
    this.failuresLeft -= 1;
    throw new PublishError(this.target, `${this.target}: injected failure publishing ${kind}`, { retriable: true });
  }
}
