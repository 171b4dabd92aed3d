import type { FieldIssue, MeterDefinition, Notification } from '../../../src/definitions/index.js';
import { compileMeterDefinition } from '../../../src/definitions/index.js';
import type { PyJson } from '../../../src/model/index.js';

/** Compile a definition that must be valid (the issues are in the error otherwise). */
export function meter(raw: Record<string, unknown>): MeterDefinition {
  const issues: FieldIssue[] = [];
  const definition = compileMeterDefinition(raw, issues);
  if (!definition) throw new Error(`invalid definition: ${JSON.stringify(issues)}`);
  return definition;
}

/** Issues of a definition as `path: message` strings. */
export function meterIssues(raw: Record<string, unknown>): string[] {
  const issues: FieldIssue[] = [];
  const definition = compileMeterDefinition(raw, issues);
  if (definition !== null && issues.length > 0) throw new Error('a definition with issues was returned');
  return issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

export interface NotificationParts {
  priority?: string;
  event_type?: string;
  publisher_id?: string | null;
  payload?: PyJson;
  ctxt?: { [key: string]: PyJson };
  message_id?: string | null;
  timestamp?: string | null;
}

/** A decoded notification (endpoint form), with defaults for what a test does not care about. */
export function notification(parts: NotificationParts = {}): Notification {
  return {
    priority: parts.priority ?? 'info',
    message: {
      ctxt: parts.ctxt ?? { user_id: 'ctx-user', project_id: 'ctx-project' },
      publisher_id: parts.publisher_id === undefined ? 'compute.host-1' : parts.publisher_id,
      event_type: parts.event_type ?? 'compute.instance.exists',
      payload: parts.payload === undefined ? { instance_id: 'i-1', memory_mb: 512 } : parts.payload,
      metadata: {
        message_id: parts.message_id === undefined ? 'msg-1' : parts.message_id,
        timestamp: parts.timestamp === undefined ? '2026-11-22 03:41:11.225514' : parts.timestamp,
      },
    },
  };
}

/** A minimal valid meter definition over `compute.instance.*`, extended by `extra`. */
export function memoryDef(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'memory',
    event_type: 'compute.instance.*',
    type: 'gauge',
    unit: 'MB',
    volume: '$.payload.memory_mb',
    resource_id: '$.payload.instance_id',
    ...extra,
  };
}
