/**
 * Named error classes. Every error the product raises on purpose extends PipelineError, which passes
 * ErrorOptions through so that `cause` survives (Powertools style).
 */
export class PipelineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PipelineError';
  }
}

/** Bad command-line usage: the CLI exits 2. */
export class UsageError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A configuration file or value that does not validate; the message names the key. */
export class ConfigError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** An object that is not a flow log at all (no header, binary garbage, truncated gzip). */
export class FlowLogFormatError extends PipelineError {
  readonly source: string;
  constructor(source: string, message: string, options?: ErrorOptions) {
    super(`${source}: ${message}`, options);
    this.name = 'FlowLogFormatError';
    this.source = source;
  }
}

/** An incoming event (S3, EventBridge, SNS) that does not have the shape we handle. */
export class EventShapeError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventShapeError';
  }
}

/** One-line reason for stderr: the message, plus the cause's message when it adds something. */
export function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`.replace(/\s*\n\s*/g, ' ');
  }
  return String(err).replace(/\s*\n\s*/g, ' ');
}
