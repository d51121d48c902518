import type { FLOW_LOG_FIELDS } from './fields.ts';

/**
 * One flow-log record as it lands in the lake: every column of the stable superset schema (ARCHITECTURE.md
 * "Flow-log lake columns"). `-` is null. INT64 fields are JS numbers (flow-log counters and unix seconds stay far
 * below 2^53). Enrichment columns are prefixed src_/dst_ for the two addresses of the record.
 */
export interface FlowRecord {
  version: number | null;
  account_id: string | null;
  interface_id: string | null;
  srcaddr: string | null;
  dstaddr: string | null;
  srcport: number | null;
  dstport: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  start: number | null;
  end: number | null;
  action: string | null;
  log_status: string | null;
  vpc_id: string | null;
  subnet_id: string | null;
  instance_id: string | null;
  tcp_flags: number | null;
  type: string | null;
  pkt_srcaddr: string | null;
  pkt_dstaddr: string | null;
  region: string | null;
  az_id: string | null;
  sublocation_type: string | null;
  sublocation_id: string | null;
  pkt_src_aws_service: string | null;
  pkt_dst_aws_service: string | null;
  flow_direction: string | null;
  traffic_path: number | null;
  ecs_cluster_arn: string | null;
  ecs_cluster_name: string | null;
  ecs_container_instance_arn: string | null;
  ecs_container_instance_id: string | null;
  ecs_container_id: string | null;
  ecs_second_container_id: string | null;
  ecs_service_name: string | null;
  ecs_task_definition_arn: string | null;
  ecs_task_arn: string | null;
  ecs_task_id: string | null;
  reject_reason: string | null;
  resource_id: string | null;
  encryption_status: string | null;
  /** unknown (future) fields from the header, kept as strings: JSON object `{"field-name": "value"}` or null */
  extra_fields: string | null;
  src_eni: string | null;
  src_account: string | null;
  src_instance: string | null;
  src_name: string | null;
  src_vpc: string | null;
  src_subnet: string | null;
  src_eni_type: string | null;
  src_security_groups: string | null;
  src_service: string | null;
  src_tags: string | null;
  dst_eni: string | null;
  dst_account: string | null;
  dst_instance: string | null;
  dst_name: string | null;
  dst_vpc: string | null;
  dst_subnet: string | null;
  dst_eni_type: string | null;
  dst_security_groups: string | null;
  dst_service: string | null;
  dst_tags: string | null;
  /** IANA protocol keyword, e.g. TCP, UDP, ICMP, IPv6-ICMP */
  protocol_name: string | null;
  /** tcp_flags decoded, e.g. "SYN,ACK" (null when tcp_flags is null) */
  tcp_flag_names: string | null;
  direction_class: DirectionClass | null;
}

export type DirectionClass = 'internal' | 'ingress-internet' | 'egress-internet' | 'aws-service' | 'cross-vpc';
/** every direction class, in a fixed order (row blocks carry the index) */
export const DIRECTION_CLASSES: readonly DirectionClass[] = ['internal', 'ingress-internet', 'egress-internet', 'aws-service', 'cross-vpc'];

/** Lake column names of the enrichment block, in schema order. */
export const ENRICHMENT_COLUMNS = [
  'src_eni',
  'src_account',
  'src_instance',
  'src_name',
  'src_vpc',
  'src_subnet',
  'src_eni_type',
  'src_security_groups',
  'src_service',
  'src_tags',
  'dst_eni',
  'dst_account',
  'dst_instance',
  'dst_name',
  'dst_vpc',
  'dst_subnet',
  'dst_eni_type',
  'dst_security_groups',
  'dst_service',
  'dst_tags',
  'protocol_name',
  'tcp_flag_names',
  'direction_class',
] as const;

export type FlowFieldColumn = (typeof FLOW_LOG_FIELDS)[number]['column'];
