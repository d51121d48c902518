/**
 * Every VPC Flow Logs field, versions 2-8 (and two newer fields whose version AWS has not documented where we could
 * verify it), from ../shared/corpus/reference/vpc-flow-log-fields.tsv. `column` is the lake column (snake_case of
 * the AWS name, so the AWS predefined Athena queries run as is); `type` is the Parquet physical type.
 */
export type FieldType = 'int32' | 'int64' | 'string';

export interface FlowLogField {
  /** the name in the flow-log header line / format string, e.g. `pkt-srcaddr` */
  readonly name: string;
  /** the lake column, e.g. `pkt_srcaddr` */
  readonly column: string;
  /** the flow-log format version that introduced the field */
  readonly version: number;
  readonly type: FieldType;
  /** version/semantics not verified against AWS documentation: typed as string, never rejected */
  readonly unverified?: true;
}

export const FLOW_LOG_FIELDS: readonly FlowLogField[] = [
  { name: 'version', column: 'version', version: 2, type: 'int32' },
  { name: 'account-id', column: 'account_id', version: 2, type: 'string' },
  { name: 'interface-id', column: 'interface_id', version: 2, type: 'string' },
  { name: 'srcaddr', column: 'srcaddr', version: 2, type: 'string' },
  { name: 'dstaddr', column: 'dstaddr', version: 2, type: 'string' },
  { name: 'srcport', column: 'srcport', version: 2, type: 'int32' },
  { name: 'dstport', column: 'dstport', version: 2, type: 'int32' },
  { name: 'protocol', column: 'protocol', version: 2, type: 'int32' },
  { name: 'packets', column: 'packets', version: 2, type: 'int64' },
  { name: 'bytes', column: 'bytes', version: 2, type: 'int64' },
  { name: 'start', column: 'start', version: 2, type: 'int64' },
  { name: 'end', column: 'end', version: 2, type: 'int64' },
  { name: 'action', column: 'action', version: 2, type: 'string' },
  { name: 'log-status', column: 'log_status', version: 2, type: 'string' },
  { name: 'vpc-id', column: 'vpc_id', version: 3, type: 'string' },
  { name: 'subnet-id', column: 'subnet_id', version: 3, type: 'string' },
  { name: 'instance-id', column: 'instance_id', version: 3, type: 'string' },
  { name: 'tcp-flags', column: 'tcp_flags', version: 3, type: 'int32' },
  { name: 'type', column: 'type', version: 3, type: 'string' },
  { name: 'pkt-srcaddr', column: 'pkt_srcaddr', version: 3, type: 'string' },
  { name: 'pkt-dstaddr', column: 'pkt_dstaddr', version: 3, type: 'string' },
  { name: 'region', column: 'region', version: 4, type: 'string' },
  { name: 'az-id', column: 'az_id', version: 4, type: 'string' },
  { name: 'sublocation-type', column: 'sublocation_type', version: 4, type: 'string' },
  { name: 'sublocation-id', column: 'sublocation_id', version: 4, type: 'string' },
  { name: 'pkt-src-aws-service', column: 'pkt_src_aws_service', version: 5, type: 'string' },
  { name: 'pkt-dst-aws-service', column: 'pkt_dst_aws_service', version: 5, type: 'string' },
  { name: 'flow-direction', column: 'flow_direction', version: 5, type: 'string' },
  { name: 'traffic-path', column: 'traffic_path', version: 5, type: 'int32' },
  { name: 'ecs-cluster-arn', column: 'ecs_cluster_arn', version: 7, type: 'string' },
  { name: 'ecs-cluster-name', column: 'ecs_cluster_name', version: 7, type: 'string' },
  { name: 'ecs-container-instance-arn', column: 'ecs_container_instance_arn', version: 7, type: 'string' },
  { name: 'ecs-container-instance-id', column: 'ecs_container_instance_id', version: 7, type: 'string' },
  { name: 'ecs-container-id', column: 'ecs_container_id', version: 7, type: 'string' },
  { name: 'ecs-second-container-id', column: 'ecs_second_container_id', version: 7, type: 'string' },
  { name: 'ecs-service-name', column: 'ecs_service_name', version: 7, type: 'string' },
  { name: 'ecs-task-definition-arn', column: 'ecs_task_definition_arn', version: 7, type: 'string' },
  { name: 'ecs-task-arn', column: 'ecs_task_arn', version: 7, type: 'string' },
  { name: 'ecs-task-id', column: 'ecs_task_id', version: 7, type: 'string' },
  { name: 'reject-reason', column: 'reject_reason', version: 8, type: 'string' },
  { name: 'resource-id', column: 'resource_id', version: 9, type: 'string', unverified: true },
  { name: 'encryption-status', column: 'encryption_status', version: 10, type: 'string', unverified: true },
];

export const FIELD_BY_NAME: ReadonlyMap<string, FlowLogField> = new Map(FLOW_LOG_FIELDS.map((f) => [f.name, f]));

/** The 14 fields of the default (version 2) format, in order. */
export const DEFAULT_FORMAT: readonly string[] = FLOW_LOG_FIELDS.filter((f) => f.version === 2).map((f) => f.name);
