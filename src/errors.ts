/**
 * One error hierarchy for the whole agent. `code` is stable (tests and metrics use it),
 * `retriable` tells the retry helpers whether trying again can help.
 */
export class MeterflowError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** One problem found in a configuration file, with where it is. */
export interface ConfigIssue {
  file: string;
  /** 1-based line, 0 when unknown (missing file, whole document). */
  line: number;
  /** Dotted path inside the document, e.g. `sinks[1].transformers[0].name`. */
  path: string;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Every problem of a configuration at once; nothing was applied. */
export class ConfigError extends MeterflowError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('config_invalid', issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

/** Input that can never be processed (not JSON, not an envelope, wrong types). */
export class BadInputError extends MeterflowError {
  readonly reason: string;

  constructor(reason: string, message: string, cause?: unknown) {
    super('bad_input', message, { cause });
    this.reason = reason;
  }
}

/** A definition (meter, trait, expression) could not be evaluated for one notification. */
export class DefinitionError extends MeterflowError {
  constructor(message: string, cause?: unknown) {
    super('definition_failed', message, { cause });
  }
}

/** A publisher could not take a batch. */
export class PublishError extends MeterflowError {
  readonly publisher: string;

  constructor(publisher: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super('publish_failed', message, options);
    this.publisher = publisher;
  }
}
