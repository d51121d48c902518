/**
 * What the responder needs from the outside world, as interfaces. Local mode implements them over files and stdout
 * (functions/nacl-responder/local.ts), AWS mode over EC2/S3/EventBridge (shared/aws/ec2-nacl.ts,
 * shared/aws/responder-store.ts). The orchestrator (functions/nacl-responder/respond.ts) sees only these.
 */
import type { NaclView } from './nacl.ts';
import type { NaclCall } from './plan.ts';
import type { ResponderState } from './state.ts';
import { PipelineError } from '../errors.ts';

export interface NetworkReader {
  /** current NACLs (never cached): those of `vpcIds`, or every NACL when empty */
  nacls(vpcIds: readonly string[]): Promise<NaclView[]>;
  vpcCidrs(): Promise<{ vpcId: string; cidrs: string[] }[]>;
  natElbAddresses(): Promise<{ address: string; label: string }[]>;
  /** VPC ids of these ENIs / instances (to scope a finding that names no VPC) */
  vpcsOf(subject: { interfaceIds: string[]; instanceIds: string[] }): Promise<string[]>;
}

/** Outcome of one EC2 call; the known error codes are data, anything else throws. */
export type ExecResult = 'ok' | 'already_exists' | 'limit_exceeded' | 'not_found' | 'unauthorized';

export interface Executor {
  /** `dryRun` asks EC2 to check permissions only (DryRun: true); local mode prints instead of calling. */
  execute(call: NaclCall, dryRun: boolean): Promise<ExecResult>;
}

export interface StateStore {
  /** `version` is an opaque token (S3 ETag) for a conditional save; undefined when nothing is stored yet */
  load(): Promise<{ state: ResponderState; version: string | undefined }>;
  /** throws StateConflictError when someone saved in between */
  save(state: ResponderState, version: string | undefined): Promise<void>;
}

export interface AuditSink {
  append(lines: readonly Record<string, unknown>[]): Promise<void>;
}

export interface Notifier {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}

export class StateConflictError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateConflictError';
  }
}

/** EC2 refused the DryRun for lack of permission (UnauthorizedOperation): the real run would fail too. */
export class PermissionError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermissionError';
  }
}
