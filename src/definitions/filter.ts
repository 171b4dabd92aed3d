import type { NotificationMessage } from './notification.js';
import { compilePythonMatch } from './python-regex.js';
import { isPyDict } from './values.js';
import type { PyJson } from '../model/index.js';

/**
 * oslo.messaging's `NotificationFilter`: every given condition must hold. Strings are regular
 * expressions matched at the start of the field (`re.match`); a dict condition (context,
 * metadata, payload) requires each listed key to exist and its value (as text) to match.
 */
export interface NotificationFilterSpec {
  event_type?: string;
  publisher_id?: string;
  context?: Record<string, string>;
  metadata?: Record<string, string>;
  payload?: Record<string, string>;
}

type Test = (message: NotificationMessage) => boolean;

function textOf(value: PyJson | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : String(value);
}

function fieldTest(pattern: string, pick: (m: NotificationMessage) => PyJson | undefined): Test {
  const re = compilePythonMatch(pattern);
  return (m) => {
    const text = textOf(pick(m));
    return text !== null && re.test(text);
  };
}

function dictTest(spec: Record<string, string>, pick: (m: NotificationMessage) => PyJson | undefined): Test {
  const tests = Object.entries(spec).map(([key, pattern]) => {
    const re = compilePythonMatch(pattern);
    return (dict: { [k: string]: PyJson }) => {
      const text = textOf(dict[key]);
      return text !== null && re.test(text);
    };
  });
  return (m) => {
    const dict = pick(m);
    return isPyDict(dict ?? null) && tests.every((t) => t(dict as { [k: string]: PyJson }));
  };
}

export class NotificationFilter {
  private readonly tests: Test[] = [];

  constructor(spec: NotificationFilterSpec) {
    if (spec.event_type !== undefined) this.tests.push(fieldTest(spec.event_type, (m) => m.event_type));
    if (spec.publisher_id !== undefined) this.tests.push(fieldTest(spec.publisher_id, (m) => m.publisher_id));
    if (spec.context) this.tests.push(dictTest(spec.context, (m) => m.ctxt));
    if (spec.metadata) this.tests.push(dictTest(spec.metadata, (m) => m.metadata as unknown as PyJson));
    if (spec.payload) this.tests.push(dictTest(spec.payload, (m) => m.payload));
  }

  accepts(message: NotificationMessage): boolean {
    for (const test of this.tests) if (!test(message)) return false;
    return true;
  }
}
