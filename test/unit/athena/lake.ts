/**
 * Builds a small lake for query tests with DuckDB itself: flow-log Parquet with exactly the lake columns
 * (INT32 / BIGINT / VARCHAR per shared/flowlog/fields.ts) under Hive partitions, and gzip EVE JSON lines under
 * sensor/event_type=<t>/dt=…/hour=…/. Every answer in queries.test.ts is worked out by hand from these rows.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FLOW_LOG_FIELDS } from '../../../shared/flowlog/fields.ts';
import { ENRICHMENT_COLUMNS, type FlowRecord } from '../../../shared/flowlog/record.ts';

export const A = '111122223333';
export const B = '444455556666';

const duck = (t: string) => (t === 'int32' ? 'INTEGER' : t === 'int64' ? 'BIGINT' : 'VARCHAR');
export const LAKE_COLUMNS: [string, string][] = [
  ...FLOW_LOG_FIELDS.map((f) => [f.column, duck(f.type)] as [string, string]),
  ['extra_fields', 'VARCHAR'],
  ...ENRICHMENT_COLUMNS.map((c) => [c, 'VARCHAR'] as [string, string]),
];

export interface FlowFile {
  account: string;
  region: string;
  dt: string;
  hour: string;
  rows: Partial<FlowRecord>[];
}

/** Writes each file as `flow_logs/account_id=…/region=…/dt=…/hour=…/part-<i>.parquet`. */
export async function writeFlowFiles(lake: string, files: FlowFile[]): Promise<void> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const cols = `{${LAKE_COLUMNS.map(([c, t]) => `'${c}': '${t}'`).join(', ')}}`;
  for (const [i, f] of files.entries()) {
    const dir = join(lake, 'flow_logs', `account_id=${f.account}`, `region=${f.region}`, `dt=${f.dt}`, `hour=${f.hour}`);
    mkdirSync(dir, { recursive: true });
    const tmp = join(lake, `.rows-${i}.json`);
    writeFileSync(tmp, f.rows.map((r) => JSON.stringify({ account_id: f.account, region: f.region, version: 5, log_status: 'OK', ...r })).join('\n'));
    const select = LAKE_COLUMNS.map(([c, t]) => `CAST("${c}" AS ${t}) AS "${c}"`).join(', ');
    await conn.run(
      `COPY (SELECT ${select} FROM read_json('${tmp}', format = 'newline_delimited', columns = ${cols})) ` +
        `TO '${join(dir, `part-${i}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
  conn.closeSync();
}

export function writeSensor(lake: string, type: string, dt: string, hour: string, records: object[]): void {
  const dir = join(lake, 'sensor', `event_type=${type}`, `dt=${dt}`, `hour=${hour}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'batch-0001.json.gz'), gzipSync(records.map((r) => JSON.stringify({ event_type: type, ...r })).join('\n') + '\n'));
}

const eg = { direction_class: 'egress-internet' as const, flow_direction: 'egress', protocol_name: 'TCP' };
const ing = { direction_class: 'ingress-internet' as const, flow_direction: 'ingress', action: 'REJECT', packets: 1 };
const a5 = { interface_id: 'eni-a', vpc_id: 'vpc-1', subnet_id: 'subnet-1' };
const a6 = { interface_id: 'eni-b', vpc_id: 'vpc-1', subnet_id: 'subnet-1' };
const H20 = Date.UTC(2026, 10, 20, 9) / 1000;
const H21 = Date.UTC(2026, 10, 21, 10) / 1000;
const H21b = Date.UTC(2026, 10, 21, 11) / 1000;

/** The flow-log part of the test lake (11 records, 3 partitions, 2 accounts). */
export const FLOW_FILES: FlowFile[] = [
  {
    account: A, region: 'us-east-1', dt: '2026-11-20', hour: '09',
    rows: [
      { ...eg, ...a5, srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', srcport: 40000, dstport: 443, protocol: 6, packets: 10, bytes: 5000, start: H20, end: H20 + 60, action: 'ACCEPT', instance_id: 'i-aaa' },
      { ...ing, ...a5, srcaddr: '203.0.113.9', dstaddr: '10.0.1.5', srcport: 51000, dstport: 22, protocol: 6, bytes: 60, start: H20 + 5, end: H20 + 60 },
      { ...ing, ...a6, srcaddr: '203.0.113.9', dstaddr: '10.0.1.6', srcport: 51001, dstport: 22, protocol: 6, bytes: 60, start: H20 + 6, end: H20 + 60 },
      { ...eg, ...a6, protocol_name: 'UDP', srcaddr: '10.0.1.6', dstaddr: '8.8.8.8', srcport: 53000, dstport: 53, protocol: 17, packets: 1, bytes: 100, start: H20 + 7, end: H20 + 60, action: 'ACCEPT', instance_id: 'i-bbb' },
    ],
  },
  {
    account: A, region: 'us-east-1', dt: '2026-11-21', hour: '10',
    rows: [
      { ...eg, ...a5, srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', srcport: 40001, dstport: 443, protocol: 6, packets: 30, bytes: 20000, start: H21, end: H21 + 60, action: 'ACCEPT', instance_id: 'i-aaa' },
      { ...ing, ...a5, srcaddr: '203.0.113.9', dstaddr: '10.0.1.5', srcport: 51002, dstport: 3389, protocol: 6, bytes: 60, start: H21 + 1, end: H21 + 60 },
      { ...ing, ...a5, srcaddr: '192.0.2.1', dstaddr: '10.0.1.5', srcport: 52000, dstport: 80, protocol: 6, bytes: 40, start: H21 + 2, end: H21 + 60, reject_reason: 'BPA' },
      { ...eg, ...a6, protocol_name: 'UDP', srcaddr: '10.0.1.6', dstaddr: '8.8.4.4', srcport: 53001, dstport: 53, protocol: 17, packets: 3, bytes: 300, start: H21 + 3, end: H21 + 60, action: 'ACCEPT', instance_id: 'i-bbb' },
      { interface_id: 'eni-a', log_status: 'NODATA', start: H21, end: H21 + 600 },
    ],
  },
  {
    account: B, region: 'eu-west-1', dt: '2026-11-21', hour: '11',
    rows: [
      { interface_id: 'eni-c', vpc_id: 'vpc-2', subnet_id: 'subnet-2', direction_class: 'internal', flow_direction: 'ingress', srcaddr: '10.1.0.9', dstaddr: '10.0.1.5', srcport: 45000, dstport: 5432, protocol: 6, packets: 9, bytes: 7000, start: H21b, end: H21b + 60, action: 'ACCEPT', instance_id: 'i-ccc' },
      { interface_id: 'eni-c', vpc_id: 'vpc-2', subnet_id: 'subnet-2', direction_class: 'internal', flow_direction: 'egress', srcaddr: '10.0.1.5', dstaddr: '10.1.0.9', srcport: 5432, dstport: 45000, protocol: 6, packets: 5, bytes: 1000, start: H21b, end: H21b + 60, action: 'ACCEPT', src_instance: 'i-aaa' },
    ],
  },
];

const eve = (ts: string, src: string, sport: number, dst: string, dport: number, proto: string, eni: string, instance: string) => ({
  timestamp: ts, flow_id: 1, src_ip: src, src_port: sport, dest_ip: dst, dest_port: dport, proto,
  community_id: '1:x', vxlan: { vni: 1001 }, mirror: { session_id: 'tms-1', source_eni: eni, instance_id: instance },
});

/** Creates the whole test lake in a fresh temp directory and returns its path. */
export async function buildTestLake(): Promise<string> {
  const lake = mkdtempSync(join(tmpdir(), 'nw-lake-'));
  await writeFlowFiles(lake, FLOW_FILES);
  const t = '2026-11-21T10:00:05.000000+0000';
  writeSensor(lake, 'http', '2026-11-21', '10', [
    { ...eve(t, '10.0.1.5', 40100, '198.51.100.7', 80, 'TCP', 'eni-a', 'i-aaa'), http: { hostname: 'example.com', url: '/', http_method: 'GET', status: 200, length: 10 } },
    { ...eve(t, '10.0.1.6', 40101, '198.51.100.7', 80, 'TCP', 'eni-b', 'i-bbb'), http: { hostname: 'example.com', url: '/a', http_method: 'GET', status: 404, length: 0 } },
    { ...eve(t, '10.0.1.5', 40102, '198.51.100.8', 80, 'TCP', 'eni-a', 'i-aaa'), http: { hostname: 'api.example.net', url: '/v1', http_method: 'POST', status: 201, length: 2 } },
  ]);
  writeSensor(lake, 'tls', '2026-11-21', '10', [
    { ...eve(t, '10.0.1.5', 40200, '198.51.100.7', 443, 'TCP', 'eni-a', 'i-aaa'), tls: { sni: 'example.com', version: 'TLS 1.3', ja3: { hash: 'h', string: 's' } } },
    { ...eve(t, '10.0.1.5', 40201, '198.51.100.7', 443, 'TCP', 'eni-a', 'i-aaa'), tls: { sni: 'example.com', version: 'TLS 1.2' } },
    { ...eve(t, '10.0.1.5', 40202, '198.51.100.9', 443, 'TCP', 'eni-a', 'i-aaa'), tls: { sni: 'aws.amazon.com', version: 'TLS 1.3' } },
    { ...eve(t, '10.0.1.6', 40203, '198.51.100.7', 443, 'TCP', 'eni-b', 'i-bbb'), tls: { sni: 'example.com', version: 'TLS 1.3' } },
  ]);
  const q = (name: string) => ({ version: 3, type: 'request', id: 7, flags: '100', rcode: 'NOERROR', queries: [{ rrname: name, rrtype: 'A' }] });
  writeSensor(lake, 'dns', '2026-11-21', '10', [
    { ...eve(t, '10.0.1.5', 53100, '10.0.0.2', 53, 'UDP', 'eni-a', 'i-aaa'), dns: q('example.com') },
    { ...eve(t, '10.0.1.5', 53101, '10.0.0.2', 53, 'UDP', 'eni-a', 'i-aaa'), dns: q('example.com') },
    { ...eve(t, '10.0.0.2', 53, '10.0.1.5', 53101, 'UDP', 'eni-a', 'i-aaa'), dns: { version: 3, type: 'response', id: 7, flags: '8180', rcode: 'NOERROR', queries: [], answers: [{ rrname: 'example.com', rrtype: 'A', ttl: 60, rdata: '198.51.100.7' }] } },
    { ...eve(t, '10.0.1.7', 53102, '10.0.0.2', 53, 'UDP', 'eni-c', 'i-ccc'), dns: q('db.internal') },
  ]);
  writeSensor(lake, 'flow', '2026-11-21', '10', [
    { ...eve(t, '10.0.1.5', 40001, '198.51.100.7', 443, 'TCP', 'eni-a', 'i-aaa'), flow: { pkts_toserver: 12, pkts_toclient: 18, bytes_toserver: 1500, bytes_toclient: 18500, start: t, end: t, age: 1, state: 'closed', reason: 'timeout' } },
    { ...eve(t, '10.0.1.5', 49999, '198.51.100.7', 443, 'TCP', 'eni-a', 'i-aaa'), flow: { pkts_toserver: 1, pkts_toclient: 0, bytes_toserver: 60, bytes_toclient: 0 } },
  ]);
  return lake;
}
