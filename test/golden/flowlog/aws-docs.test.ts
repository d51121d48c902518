/**
 * Every AWS-documentation flow-log sample in ../shared/corpus/vpcflow/aws-docs parses to the values the AWS field
 * table (reference/vpc-flow-log-fields.tsv) gives them. Expected values are written here by hand from the samples
 * and the table, one case per version / custom format; .log and .log.gz must give identical rows.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_LOG_FIELDS } from '../../../shared/flowlog/fields.ts';
import type { FlowRecord } from '../../../shared/flowlog/record.ts';
import { CORPUS, parseRows } from '../../helpers/flowlog.ts';

const DIR = join(CORPUS, 'vpcflow/aws-docs');
const read = (name: string) => readFileSync(join(DIR, name));
const V2 = ['version', 'account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log_status'];

function expectOnly(row: FlowRecord, present: string[]): void {
  const r = row as unknown as Record<string, unknown>;
  for (const f of FLOW_LOG_FIELDS) if (!present.includes(f.column)) expect(r[f.column], f.column).toBeNull();
}

describe('AWS docs flow-log samples', () => {
  it('v2 default format: accept and reject records', () => {
    // Prepare / Act
    const { rows, stats } = parseRows(read('v2-default-accept-reject.log'));
    // Assess
    expect(stats).toMatchObject({ headers: 1, records: 2, malformed: 0, nodata: 0, skipdata: 0 });
    expect(rows[0]).toMatchObject({
      version: 2, account_id: '123456789010', interface_id: 'eni-1235b8ca123456789', srcaddr: '172.31.16.139', dstaddr: '172.31.16.21',
      srcport: 20641, dstport: 22, protocol: 6, packets: 20, bytes: 4249, start: 1418530010, end: 1418530070, action: 'ACCEPT', log_status: 'OK',
      protocol_name: 'TCP', tcp_flag_names: null, direction_class: 'internal',
    });
    expect(rows[1]).toMatchObject({ srcaddr: '172.31.9.69', dstaddr: '172.31.9.12', srcport: 49761, dstport: 3389, action: 'REJECT' });
    expectOnly(rows[0]!, V2);
  });

  it('v2 default format: ICMP records use port 0 and protocol 1', () => {
    const { rows } = parseRows(read('v2-default-icmp-sg-nacl.log'));
    expect(rows.map((r) => [r.srcaddr, r.dstaddr, r.srcport, r.dstport, r.protocol, r.packets, r.bytes, r.start, r.end, r.action])).toEqual([
      ['203.0.113.12', '172.31.16.139', 0, 0, 1, 4, 336, 1432917027, 1432917142, 'ACCEPT'],
      ['172.31.16.139', '203.0.113.12', 0, 0, 1, 4, 336, 1432917094, 1432917142, 'REJECT'],
    ]);
    expect(rows.map((r) => [r.protocol_name, r.direction_class])).toEqual([
      ['ICMP', 'ingress-internet'],
      ['ICMP', 'egress-internet'],
    ]);
  });

  it('v2 default format: IPv6 addresses', () => {
    const { rows } = parseRows(read('v2-default-ipv6.log'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      srcaddr: '2001:db8:1234:a100:8d6e:3477:df66:f105', dstaddr: '2001:db8:1234:a102:3304:8879:34cf:4071',
      srcport: 34892, dstport: 22, protocol: 6, packets: 54, bytes: 8855, start: 1477913708, end: 1477913820, action: 'ACCEPT',
    });
  });

  it('v2 default format: NODATA and SKIPDATA are kept as records with NULLs, never misread', () => {
    const { rows, stats } = parseRows(read('v2-default-nodata-skipdata.log'));
    expect(stats).toMatchObject({ records: 2, nodata: 1, skipdata: 1, malformed: 0 });
    expect(rows[0]).toMatchObject({
      version: 2, account_id: '123456789010', interface_id: 'eni-1235b8ca123456789', srcaddr: null, dstaddr: null, srcport: null, dstport: null,
      protocol: null, packets: null, bytes: null, start: 1431280876, end: 1431280934, action: null, log_status: 'NODATA', direction_class: null,
    });
    expect(rows[1]).toMatchObject({ interface_id: 'eni-11111111aaaaaaaaa', log_status: 'SKIPDATA', packets: null, start: 1431280876 });
  });

  it('v3 custom format: TCP flag sequence, bytes before packets, a double space', () => {
    const { rows, stats } = parseRows(read('v3-custom-tcp-flag-sequence.log'));
    expect(stats).toMatchObject({ records: 8, malformed: 0 });
    expect(rows.map((r) => r.tcp_flags)).toEqual([2, 18, 2, 18, 1, 1, 3, 19]);
    expect(rows.map((r) => r.tcp_flag_names)).toEqual(['SYN', 'SYN,ACK', 'SYN', 'SYN,ACK', 'FIN', 'FIN', 'FIN,SYN', 'FIN,SYN,ACK']);
    // the header puts bytes before packets: values must follow the header, not the default order
    expect(rows[2]).toMatchObject({ bytes: 100701, packets: 70, srcport: 43418, dstport: 5001 });
    expect(rows[5]).toMatchObject({ bytes: 23294588, packets: 15774, start: 1566848933, end: 1566849113 });
    // line 8 has two spaces after the source port: still one separator
    expect(rows[7]).toMatchObject({ srcport: 5001, dstport: 43638, pkt_srcaddr: '10.0.0.62', pkt_dstaddr: '52.213.180.42', protocol: 6, bytes: 967, packets: 14 });
    expect(rows[0]).toMatchObject({
      version: 3, vpc_id: 'vpc-abcdefab012345678', subnet_id: 'subnet-aaaaaaaa012345678', instance_id: 'i-01234567890123456',
      interface_id: 'eni-1235b8ca123456789', account_id: '123456789010', type: 'IPv4', region: null, flow_direction: null,
    });
  });

  it('v3 custom format: transit gateway records without start/end, requester-managed ENIs', () => {
    const { rows } = parseRows(read('v3-custom-transit-gateway.log'));
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => [r.interface_id, r.instance_id, r.srcaddr, r.pkt_srcaddr, r.tcp_flags])).toEqual([
      ['eni-33333333333333333', 'i-01234567890123456', '10.20.33.164', '10.20.33.164', 3],
      ['eni-33333333333333333', 'i-01234567890123456', '10.40.2.236', '10.40.2.236', 19],
      ['eni-11111111111111111', null, '10.40.1.175', '10.20.33.164', 3],
      ['eni-22222222222222222', null, '10.40.2.236', '10.40.2.236', 19],
    ]);
    for (const r of rows) expect([r.start, r.end, r.packets, r.bytes]).toEqual([null, null, null, null]);
  });

  it('v5 custom format: service, traffic path and flow direction', () => {
    const { rows } = parseRows(read('v5-custom-service-path-direction.log'));
    expect(rows[0]).toMatchObject({
      version: 5, srcaddr: '52.95.128.179', dstaddr: '10.0.0.71', srcport: 80, dstport: 34210, protocol: 6, start: 1616729292, end: 1616729349,
      type: 'IPv4', packets: 14, bytes: 15044, account_id: '123456789012', vpc_id: 'vpc-abcdefab012345678', subnet_id: 'subnet-aaaaaaaa012345678',
      instance_id: 'i-0c50d5961bcb2d47b', interface_id: 'eni-1235b8ca123456789', region: 'ap-southeast-2', az_id: 'apse2-az3', sublocation_type: null,
      sublocation_id: null, action: 'ACCEPT', tcp_flags: 19, pkt_srcaddr: '52.95.128.179', pkt_dstaddr: '10.0.0.71', pkt_src_aws_service: 'S3',
      pkt_dst_aws_service: null, traffic_path: null, flow_direction: 'ingress', log_status: 'OK', src_service: 'S3', direction_class: 'aws-service',
    });
    expect(rows[1]).toMatchObject({ pkt_src_aws_service: null, pkt_dst_aws_service: 'S3', traffic_path: 8, flow_direction: 'egress', packets: 7, bytes: 471 });
  });

  it('custom format without a version field (NAT gateway example)', () => {
    const { rows, stats } = parseRows(read('custom-nat-gateway.log'));
    expect(stats).toMatchObject({ records: 6, malformed: 0 });
    expect(rows[0]).toMatchObject({
      version: null, instance_id: null, interface_id: 'eni-1235b8ca123456789', srcaddr: '10.0.1.5', dstaddr: '10.0.0.220', pkt_srcaddr: '10.0.1.5', pkt_dstaddr: '203.0.113.5',
    });
    expect(rows[4]).toMatchObject({ instance_id: 'i-01234567890123456', interface_id: 'eni-1111aaaa2222bbbb3', srcaddr: '10.0.1.5', dstaddr: '203.0.113.5' });
    expectOnly(rows[0]!, ['instance_id', 'interface_id', 'srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr']);
    // the real endpoint is on the internet even though the record addresses are both private
    expect(rows[0]!.direction_class).toBe('egress-internet');
  });

  it('the S3 delivery object (file-name layout) equals the plain v2 sample', () => {
    const a = parseRows(gunzipSync(read('123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz'))).rows;
    const b = parseRows(read('v2-default-accept-reject.log')).rows;
    expect(a).toEqual(b);
  });

  it.each(['custom-nat-gateway', 'v2-default-accept-reject', 'v2-default-icmp-sg-nacl', 'v2-default-ipv6', 'v2-default-nodata-skipdata', 'v3-custom-tcp-flag-sequence', 'v3-custom-transit-gateway', 'v5-custom-service-path-direction'])(
    '%s: .log.gz and .log give identical rows, at any chunking',
    (name) => {
      const plain = parseRows(read(`${name}.log`)).rows;
      expect(parseRows(gunzipSync(read(`${name}.log.gz`))).rows).toEqual(plain);
      for (const chunk of [1, 7, 64]) expect(parseRows(read(`${name}.log`), { chunk }).rows).toEqual(plain);
    },
  );
});
