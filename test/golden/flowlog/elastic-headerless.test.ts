/**
 * Header-less flow-log lines (as CloudWatch Logs or Firehose deliver them) written by another project's test suite:
 * with the format given explicitly, the v3…v8 fields (ECS metadata, BPA reject reason) land in the right columns.
 * Expected values are written here from the lines and the AWS field table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_LOG_FIELDS } from '../../../shared/flowlog/fields.ts';
import { makeFormat } from '../../../shared/flowlog/format.ts';
import { CORPUS, parseRows } from '../../helpers/flowlog.ts';

const DIR = join(CORPUS, 'vpcflow/elastic-integrations');
// every documented field of versions 2-8, in the field table's order
const ALL_V8 = makeFormat(FLOW_LOG_FIELDS.filter((f) => !f.unverified).map((f) => f.name));

describe('header-less samples with an explicit format', () => {
  it('a v8 line: ECS task metadata and the BPA reject reason', () => {
    const { rows, stats } = parseRows(readFileSync(join(DIR, 'test-v8-samples.log')), { format: ALL_V8 });
    expect(stats).toMatchObject({ records: 1, malformed: 0, nodata: 1 });
    expect(rows[0]).toMatchObject({
      version: 3, account_id: '000000000000', interface_id: null, srcaddr: '2a02:cf40::', dstaddr: '1.128.0.0', srcport: 42910, dstport: 80,
      protocol: 17, packets: 51, bytes: 33615, start: 1755678754, end: 1755678775, action: 'REJECT', log_status: 'NODATA',
      flow_direction: 'ingress', traffic_path: null,
      ecs_cluster_arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/backend-cluster', ecs_cluster_name: 'backend-cluster',
      ecs_container_instance_id: 'i-18de3682c033431da', ecs_container_id: '601a6500-efa', ecs_second_container_id: 'dea79277-480',
      ecs_service_name: 'payments-service', ecs_task_definition_arn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/orders:12',
      ecs_task_arn: 'arn:aws:ecs:us-east-1:000000000000:task/backend-cluster/e504f037-35c', ecs_task_id: 'e504f037-35c', reject_reason: 'BPA',
      protocol_name: 'UDP',
    });
  });

  it('ECS samples: every line parses, statuses counted, directions kept', () => {
    const text = readFileSync(join(DIR, 'test-ecs-samples.log'), 'utf8');
    const v7 = makeFormat(FLOW_LOG_FIELDS.filter((f) => f.version <= 7).map((f) => f.name));
    const { rows, stats } = parseRows(text, { format: v7 });
    const lines = text.trim().split('\n');
    expect(stats).toMatchObject({ records: lines.length, malformed: 0 });
    expect(stats.nodata).toBe(lines.filter((l) => / NODATA /.test(l)).length);
    expect(stats.skipdata).toBe(lines.filter((l) => / SKIPDATA /.test(l)).length);
    expect(rows[0]).toMatchObject({ srcaddr: '1.128.0.0', dstaddr: '2a02:cf40::', dstport: 22, protocol: 17, action: 'REJECT', flow_direction: 'ingress', ecs_service_name: 'payments-service', ecs_task_id: '6adbd0d6-211' });
  });

  it('a v8 line given the v5 default-plus format is malformed, not misread', () => {
    const v5 = makeFormat(FLOW_LOG_FIELDS.filter((f) => f.version <= 5).map((f) => f.name));
    const { rows, stats } = parseRows(readFileSync(join(DIR, 'test-v8-samples.log')), { format: v5 });
    expect(rows).toHaveLength(0);
    expect(stats).toMatchObject({ malformed: 1, malformedReasons: [`expected ${v5.names.length} fields, found 40`] });
  });
});
