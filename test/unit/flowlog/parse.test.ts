import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FlowLogFormatError } from '../../../shared/errors.ts';
import { parseFormatString } from '../../../shared/flowlog/format.ts';
import { workerEncoder } from '../../../shared/flowlog/encoder.ts';
import { ingestObject, type ObjectSource } from '../../../shared/flowlog/ingest.ts';
import type { LakeSink } from '../../../shared/flowlog/lake.ts';
import { lastTokenSlot, SlotCache, tokenString } from '../../../shared/flowlog/parse.ts';
import { makeEnricher, parseRows } from '../../helpers/flowlog.ts';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const LINE = '2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1600000000 1600000060 ACCEPT OK';

class MemorySink implements LakeSink {
  readonly root = 'mem://';
  readonly objects = new Map<string, Uint8Array>();
  async put(key: string, body: Uint8Array) {
    this.objects.set(key, body.slice()); // the caller reuses body's buffer once put resolves (LakeSink)
    return `mem://${key}`;
  }
  async remove(key: string) {
    this.objects.delete(key);
  }
}

function memSource(name: string, bytes: Uint8Array): ObjectSource {
  return { name, identity: name, key: name, open: async () => Readable.from([Buffer.from(bytes)]) };
}

describe('FlowLogParser', () => {
  it('counts a line with the wrong field count as malformed, keeps its line number, and skips it', () => {
    // Prepare
    const text = [HEADER, LINE, '2 123456789010 eni-1 10.0.0.1', LINE, ''].join('\n');
    // Act
    const { rows, stats } = parseRows(text);
    // Assess
    expect(rows).toHaveLength(2);
    expect(stats).toMatchObject({ records: 2, malformed: 1, malformedLines: [3], malformedReasons: ['expected 14 fields, found 4'] });
  });

  it('counts a non-number in a number field as malformed, naming the field', () => {
    const { stats } = parseRows([HEADER, LINE.replace(' 6 3 4 ', ' tcp 3 4 ')].join('\n'));
    expect(stats.malformed).toBe(1);
    expect(stats.malformedReasons[0]).toBe('protocol is not a 32-bit unsigned number: "tcp"');
  });

  it('rejects a 32-bit field that overflows but keeps 64-bit counters beyond 2^32', () => {
    const big = LINE.replace(' 1 2 6 3 4 ', ' 1 2 6 3 9999999999 ');
    expect(parseRows([HEADER, big].join('\n')).rows[0]!.bytes).toBe(9999999999);
    const { stats } = parseRows([HEADER, LINE.replace(' 1 2 6 ', ' 1 4294967296 6 ')].join('\n'));
    expect(stats.malformedReasons[0]).toMatch(/^dstport is not a 32-bit/);
  });

  it('keeps only the first 10 malformed line numbers but counts them all', () => {
    const lines = [HEADER, ...Array.from({ length: 25 }, () => 'garbage line')];
    const { stats } = parseRows(lines.join('\n'));
    expect(stats.malformed).toBe(25);
    expect(stats.malformedLines).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('treats runs of spaces, tabs and CRLF line ends as separators', () => {
    const { rows } = parseRows(`${HEADER}\r\n${LINE.replace(/ /g, '  \t')}   \r\n`);
    expect(rows[0]).toMatchObject({ interface_id: 'eni-1', srcport: 1, log_status: 'OK' });
  });

  it('switches format at a repeated header line (concatenated objects)', () => {
    const text = [HEADER, LINE, 'interface-id srcaddr action', 'eni-9 192.0.2.1 REJECT'].join('\n');
    const { rows, stats } = parseRows(text);
    expect(stats.headers).toBe(2);
    expect(rows[1]).toMatchObject({ interface_id: 'eni-9', srcaddr: '192.0.2.1', action: 'REJECT', version: null, srcport: null });
  });

  it('keeps unknown future fields as strings in extra_fields', () => {
    const { rows } = parseRows('interface-id quantum-state srcaddr\neni-1 entangled 10.1.1.1\neni-2 - 10.1.1.2\n');
    expect(rows[0]).toMatchObject({ interface_id: 'eni-1', srcaddr: '10.1.1.1', extra_fields: '{"quantum-state":"entangled"}' });
    expect(rows[1]!.extra_fields).toBe('{"quantum-state":null}');
  });

  it('fails with a clear error naming the object when there is no header line', () => {
    expect(() => parseRows(LINE)).toThrow(FlowLogFormatError);
    expect(() => parseRows(LINE)).toThrow('test: no header line naming the flow-log fields');
  });

  it('parses header-less lines with an explicit format (CloudWatch Logs exports)', () => {
    const { rows } = parseRows(`${LINE}\n`, { format: parseFormatString(HEADER.split(' ').map((f) => `\${${f}}`).join(' ')) });
    expect(rows[0]).toMatchObject({ version: 2, bytes: 4, action: 'ACCEPT' });
  });

  it('fails on binary garbage and on an empty object', () => {
    expect(() => parseRows(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toThrow(/not a text flow log/);
    expect(() => parseRows('')).toThrow(/empty object/);
  });

  it('rejects a header that names a field twice', () => {
    expect(() => parseRows('srcaddr dstaddr srcaddr\n1 2 3\n')).toThrow(/bad header: field "srcaddr" appears twice/);
  });
});

describe('SlotCache', () => {
  it('gives every interned string its own value, also when strings take over each other\'s slot', () => {
    // 100 000 distinct tokens in 65 536 interner slots, twice over: slots are shared and taken over all the time
    const cache = new SlotCache();
    const truth = new Map<string, number>();
    let computed = 0;
    const compute = (v: string) => {
      computed++;
      if (!truth.has(v)) truth.set(v, truth.size);
      return truth.get(v)!;
    };
    const enc = new TextEncoder();
    let wrong = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100_000; i++) {
        const text = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
        const buf = enc.encode(text);
        const view = { buf, starts: Int32Array.of(0), ends: Int32Array.of(buf.length), nums: new Float64Array(1), format: parseFormatString('srcaddr'), lineNo: 1 };
        const str = tokenString(view, 0)!;
        if (str !== text || cache.get(str, lastTokenSlot(), compute) !== truth.get(text)) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(truth.size).toBe(100_000);
    // the second round found some strings still cached (no compute), and recomputed those whose slot was taken over
    expect(computed).toBeGreaterThan(100_000);
    expect(computed).toBeLessThan(200_000);
  });
});

describe('ingestObject()', () => {
  it('reports a truncated gzip as a clear error naming the file and leaves nothing in the lake', async () => {
    // Prepare: many partitions' worth of rows so parts would be written before the gzip ends
    const body = [HEADER, ...Array.from({ length: 300 }, (_, i) => LINE.replace('1600000000', String(1600000000 + i * 3600)))].join('\n');
    const gz = gzipSync(body);
    const sink = new MemorySink();
    // Act
    const run = ingestObject(memSource('s3://b/AWSLogs/x.log.gz', gz.subarray(0, gz.length - 20)), { enricher: makeEnricher(), sink, rowsPerPart: 1 });
    // Assess
    await expect(run).rejects.toThrow(/^s3:\/\/b\/AWSLogs\/x\.log\.gz: truncated or corrupt gzip/);
    expect(sink.objects.size).toBe(0);
  });

  it('rolls back the parts a worker thread already built when the gzip turns out truncated', async () => {
    // Prepare: 40 000 records over 10 hours with 1 000-row parts: blocks reach the worker and parts are written
    // long before the end of the (truncated) object
    const body = [HEADER, ...Array.from({ length: 40_000 }, (_, i) => LINE.replace('1600000000', String(1600000000 + (i % 10) * 3600)).replace(' 1 2 6', ` ${i} 2 6`))].join('\n');
    const gz = gzipSync(body);
    const puts: string[] = [];
    const sink = new MemorySink();
    const put = sink.put.bind(sink);
    sink.put = async (key, bytes) => {
      puts.push(key);
      return put(key, bytes);
    };
    const encoder = workerEncoder();
    try {
      // Act
      const run = ingestObject(memSource('s3://b/AWSLogs/w.log.gz', gz.subarray(0, gz.length - 2000)), { enricher: makeEnricher(), sink, rowsPerPart: 1000, encoder });
      // Assess: parts were written, then removed; the worker is still usable for the next object
      await expect(run).rejects.toThrow(/^s3:\/\/b\/AWSLogs\/w\.log\.gz: truncated or corrupt gzip/);
      expect(puts.length).toBeGreaterThan(5);
      expect(sink.objects.size).toBe(0);
      const ok = await ingestObject(memSource('s3://b/AWSLogs/ok.log.gz', gz), { enricher: makeEnricher(), sink, rowsPerPart: 1000, encoder });
      expect(ok.records).toBe(40_000);
      expect(sink.objects.size).toBe(40);
    } finally {
      await encoder.close();
    }
  });

  it('writes one part per partition hour with deterministic names; a re-run writes the same keys', async () => {
    const body = gzipSync([HEADER, LINE, LINE.replace('1600000000', '1600003700'), LINE].join('\n'));
    const a = new MemorySink();
    const b = new MemorySink();
    const s1 = await ingestObject(memSource('bucket/AWSLogs/123456789010/vpcflowlogs/eu-west-1/2020/09/13/f.log.gz', body), { enricher: makeEnricher(), sink: a });
    await ingestObject(memSource('bucket/AWSLogs/123456789010/vpcflowlogs/eu-west-1/2020/09/13/f.log.gz', body), { enricher: makeEnricher(), sink: b });
    expect([...a.objects.keys()]).toEqual([...b.objects.keys()]);
    const keys = [...a.objects.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^flow_logs\/account_id=123456789010\/region=eu-west-1\/dt=2020-09-13\/hour=12\/f-[0-9a-f]{16}-0000\.parquet$/);
    expect(keys[1]).toMatch(/^flow_logs\/account_id=123456789010\/region=eu-west-1\/dt=2020-09-13\/hour=13\/f-[0-9a-f]{16}-0000\.parquet$/);
    expect(s1).toMatchObject({ records: 3, malformed: 0, outputs: expect.arrayContaining([expect.stringMatching(/hour=12/), expect.stringMatching(/hour=13/)]) });
  });

  it('splits a partition into parts of rowsPerPart rows', async () => {
    const body = [HEADER, ...Array.from({ length: 10 }, () => LINE)].join('\n');
    const sink = new MemorySink();
    const s = await ingestObject(memSource('x.log', new TextEncoder().encode(body)), { enricher: makeEnricher(), sink, rowsPerPart: 4 });
    expect(s.outputs.map((o) => o.slice(-13))).toEqual(['-0000.parquet', '-0001.parquet', '-0002.parquet']);
  });
});
