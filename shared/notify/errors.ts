import { PipelineError } from '../errors.ts';

/** One channel could not be delivered to (after retries when the failure was retryable). */
export class NotifierDeliveryError extends PipelineError {
  readonly channel: string;
  readonly status: number | undefined;
  readonly permanent: boolean;
  constructor(channel: string, message: string, opts: { status?: number; permanent: boolean }, options?: ErrorOptions) {
    super(`${channel}: ${message}`, options);
    this.name = 'NotifierDeliveryError';
    this.channel = channel;
    this.status = opts.status;
    this.permanent = opts.permanent;
  }
}

/** Every routed channel failed: the invocation fails so Lambda's retry / on-failure destination applies. */
export class AllChannelsFailedError extends PipelineError {
  readonly failures: NotifierDeliveryError[];
  constructor(failures: NotifierDeliveryError[]) {
    super(`every channel failed: ${failures.map((f) => f.message).join('; ')}`);
    this.name = 'AllChannelsFailedError';
    this.failures = failures;
  }
}

/** A secret reference ({ssm}/{secret}) that could not be resolved, or a literal where only references are allowed. */
export class SecretResolutionError extends PipelineError {
  readonly key: string;
  constructor(key: string, message: string, options?: ErrorOptions) {
    super(`${key}: ${message}`, options);
    this.name = 'SecretResolutionError';
    this.key = key;
  }
}
