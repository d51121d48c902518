/**
 * The sensor's batch writer against a real local S3-compatible server (s3rver on 127.0.0.1), as the daemon uses it
 * with `--out s3://bucket/prefix`: Hive-partitioned keys per event type and hour, gzip JSON lines, size-triggered
 * flushes, and close() writing everything left, with a VNI map read from S3 too.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClients, s3Client } from '../../../shared/aws/clients.ts';
import { type LocalS3, startLocalS3 } from '../../../shared/aws/local-s3.ts';
import { PartitionedSink } from '../../../sensor-ami/src/sink.ts';
import { ascii, ethernet, ipv4, udp, vxlan } from '../../helpers/pcap-build.ts';

let s3: LocalS3;
let savedEndpoint: string | undefined;

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ['lake'], directory: mkdtempSync(join(tmpdir(), 'sensor-s3-')) });
  savedEndpoint = process.env.NETWATCH_S3_ENDPOINT;
  process.env.NETWATCH_S3_ENDPOINT = s3.endpoint;
  resetClients();
});

afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.NETWATCH_S3_ENDPOINT;
  else process.env.NETWATCH_S3_ENDPOINT = savedEndpoint;
  resetClients();
  await s3.close();
});

const rec = (type: string, ts: string, i: number) => ({ timestamp: ts, event_type: type, flow_id: i, src_ip: '10.0.0.1', pad: 'x'.repeat(200) });

describe('PartitionedSink to s3://', () => {
  it('writes gzip JSON-lines objects under sensor/event_type=…/dt=…/hour=…/ and loses nothing on close', async () => {
    // Prepare
    const sink = new PartitionedSink({ out: 's3://lake/mirror', stem: 'host-1-0', maxBytes: 20_000 });
    // Act: 150 flow records in one hour (two size-triggered flushes + the rest on close), 3 dns in the next hour
    for (let i = 0; i < 150; i++) sink.add(rec('flow', '2026-11-21T23:59:59.000001+0000', i));
    for (let i = 0; i < 3; i++) sink.add(rec('dns', '2026-11-22T00:00:01.000001+0000', i));
    await sink.close();
    // Assess
    const list = await s3Client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'mirror/' }));
    const keys = (list.Contents ?? []).map((o) => o.Key as string).sort();
    expect(keys).toEqual([
      'mirror/sensor/event_type=dns/dt=2026-11-22/hour=00/host-1-0-00001.json.gz',
      'mirror/sensor/event_type=flow/dt=2026-11-21/hour=23/host-1-0-00001.json.gz',
      'mirror/sensor/event_type=flow/dt=2026-11-21/hour=23/host-1-0-00002.json.gz',
      'mirror/sensor/event_type=flow/dt=2026-11-21/hour=23/host-1-0-00003.json.gz',
    ]);
    const ids: number[] = [];
    for (const k of keys.filter((x) => x.includes('event_type=flow'))) {
      const body = await (await s3Client().send(new GetObjectCommand({ Bucket: 'lake', Key: k }))).Body?.transformToByteArray();
      for (const l of gunzipSync(body as Uint8Array).toString().trim().split('\n')) ids.push((JSON.parse(l) as { flow_id: number }).flow_id);
    }
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(sink.stats).toMatchObject({ objects: 4, records: 153 });
  });

  it('the daemon reads its VNI map from S3', async () => {
    await s3Client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'config/vni-map.json', Body: JSON.stringify({ 42: { session_id: 'tms-1', source_eni: 'eni-1' } }) }));
    const { startDaemon } = await import('../../../sensor-ami/src/daemon.ts');
    const out = mkdtempSync(join(tmpdir(), 'sensor-vni-'));
    const d = await startDaemon({ listen: '127.0.0.1:0', out, vniMap: 's3://lake/config/vni-map.json', metricsOut: () => {} });
    // one VXLAN datagram with VNI 42 over real UDP, then a clean stop
    const dg = vxlan(42, ethernet(ipv4(udp(ascii('hi'), 1234, 9999), { proto: 17 })));
    const sock = createSocket('udp4');
    await new Promise<void>((res, rej) => sock.send(dg, d.udpPort, '127.0.0.1', (e) => (e ? rej(e) : res())));
    sock.close();
    for (let i = 0; i < 100 && d.stats().received < 1; i++) await new Promise((r) => setTimeout(r, 20));
    await d.stop();
    const files = readdirSync(join(out, 'sensor'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files).toHaveLength(1);
    const f = files[0] as (typeof files)[number];
    const flow = JSON.parse(gunzipSync(readFileSync(join(f.parentPath, f.name))).toString()) as Record<string, unknown>;
    expect(flow).toMatchObject({ event_type: 'flow', dest_port: 9999, vxlan: { vni: 42 }, mirror: { session_id: 'tms-1', source_eni: 'eni-1' } });
  });
});
