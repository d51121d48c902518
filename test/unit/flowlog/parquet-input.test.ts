/**
 * Native Parquet flow-log objects (S3 delivery with FileFormat=parquet): columns named like the fields with
 * underscores. Built here by DuckDB in the shape AWS delivers (gzip and snappy compressed), ingested, read back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowLogFormatError } from '../../../shared/errors.ts';
import { ingestObject } from '../../../shared/flowlog/ingest.ts';
import { DirSink, fileSource } from '../../../shared/flowlog/local-io.ts';
import { duck, makeEnricher } from '../../helpers/flowlog.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-pq-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SELECT = `SELECT * FROM (VALUES
  (5::INTEGER, '123456789012', 'eni-1235b8ca123456789', '52.95.128.179', '10.0.0.71', 80::INTEGER, 34210::INTEGER, 6::INTEGER, 14::BIGINT, 15044::BIGINT, 1616729292::BIGINT, 1616729349::BIGINT, 'ACCEPT', 'OK', 'ap-southeast-2', 'ingress', 'S3', NULL::INTEGER),
  (5, '123456789012', 'eni-1235b8ca123456789', '10.0.0.71', '52.95.128.179', 34210, 80, 6, 7, 471, 1616729292, 1616729349, 'ACCEPT', 'OK', 'ap-southeast-2', 'egress', NULL, 8),
  (5, '123456789012', 'eni-1235b8ca123456789', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1616729292, 1616729349, NULL, 'NODATA', 'ap-southeast-2', NULL, NULL, NULL)
) AS t(version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status, region, flow_direction, pkt_src_aws_service, traffic_path)`;

describe('Parquet flow-log input', () => {
  it.each(['gzip', 'snappy'])('ingests a %s-compressed Parquet object with the same values', async (codec) => {
    // Prepare
    const input = join(dir, `in-${codec}.parquet`);
    await duck(`COPY (${SELECT}) TO '${input}' (FORMAT parquet, COMPRESSION ${codec})`);
    const out = join(dir, `lake-${codec}`);
    // Act
    const s = await ingestObject(fileSource(input), { enricher: makeEnricher(), sink: new DirSink(out) });
    // Assess
    expect(s).toMatchObject({ records: 3, nodata: 1, malformed: 0 });
    expect(s.outputs).toHaveLength(1);
    expect(s.outputs[0]).toContain('/flow_logs/account_id=123456789012/region=ap-southeast-2/dt=2021-03-26/hour=03/');
    const rows = await duck(
      `SELECT srcaddr, srcport, packets, bytes, log_status, flow_direction, pkt_src_aws_service, traffic_path, src_service, protocol_name, direction_class
       FROM read_parquet('${out}/flow_logs/**/*.parquet') ORDER BY log_status DESC, srcport`,
    );
    expect(rows).toEqual([
      { srcaddr: '52.95.128.179', srcport: 80, packets: 14, bytes: 15044, log_status: 'OK', flow_direction: 'ingress', pkt_src_aws_service: 'S3', traffic_path: null, src_service: 'S3', protocol_name: 'TCP', direction_class: 'aws-service' },
      { srcaddr: '10.0.0.71', srcport: 34210, packets: 7, bytes: 471, log_status: 'OK', flow_direction: 'egress', pkt_src_aws_service: null, traffic_path: 8, src_service: null, protocol_name: 'TCP', direction_class: 'egress-internet' },
      { srcaddr: null, srcport: null, packets: null, bytes: null, log_status: 'NODATA', flow_direction: null, pkt_src_aws_service: null, traffic_path: null, src_service: null, protocol_name: null, direction_class: null },
    ]);
  });

  it('counts a Parquet row with a negative counter as malformed and keeps the others', async () => {
    const input = join(dir, 'bad.parquet');
    await duck(`COPY (SELECT 2::INTEGER AS version, 'eni-1' AS interface_id, -5::BIGINT AS bytes, 1616729292::BIGINT AS start UNION ALL SELECT 2, 'eni-2', 10, 1616729292) TO '${input}' (FORMAT parquet)`);
    const s = await ingestObject(fileSource(input), { enricher: makeEnricher(), sink: new DirSink(join(dir, 'lake-bad')) });
    expect(s).toMatchObject({ records: 1, malformed: 1, malformedLines: [1] });
    expect(s.malformedReasons[0]).toMatch(/^column bytes: expected an unsigned 64-bit number/);
  });

  it('fails clearly on a file that starts like Parquet but is not', async () => {
    const input = join(dir, 'fake.parquet');
    writeFileSync(input, 'PAR1 this is not parquet');
    await expect(ingestObject(fileSource(input), { enricher: makeEnricher(), sink: new DirSink(join(dir, 'lake-fake')) })).rejects.toThrow(FlowLogFormatError);
  });
});
