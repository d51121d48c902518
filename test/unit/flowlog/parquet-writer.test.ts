/**
 * The lake's Parquet writer (shared/flowlog/parquet.ts) read back by two independent readers, DuckDB and hyparquet:
 * every value, NULL pattern and type; dictionary and PLAIN column chunks; RLE runs and bit-packed indices; numeric
 * statistics; and clear errors for a part that does not fit the lake schema.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowBatch, LAKE_COLUMNS } from '../../../shared/flowlog/batch.ts';
import { DictUtf8Column } from '../../../shared/flowlog/columns.ts';
import { batchToParquet, rawBatchToParquet } from '../../../shared/flowlog/parquet.ts';
import { duck } from '../../helpers/flowlog.ts';

const dir = mkdtempSync(join(tmpdir(), 'nw-pqw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Row = Record<string, string | number | null>;

/** rows exercising every encoding path: constant runs, short runs, unique values, NULL patterns, extremes */
function rows(n: number): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      version: 5, // one value: a single RLE run, bit width 1
      account_id: i < n / 2 ? '111111111111' : '222222222222', // two long runs
      interface_id: `eni-${(i * 7919) % 97}`, // 97 values in no order: bit-packed indices
      srcaddr: i % 3 === 0 ? null : `10.${i % 5}.${(i >> 3) % 200}.${i % 251}`, // NULLs every third row
      dstaddr: `172.16.${i % 256}.${(i * 31) % 256}`,
      // packet-level addresses: the same column as srcaddr (its chunk is copied), and dstaddr but for one row
      pkt_srcaddr: i % 3 === 0 ? null : `10.${i % 5}.${(i >> 3) % 200}.${i % 251}`,
      pkt_dstaddr: i === 5 ? '192.0.2.1' : `172.16.${i % 256}.${(i * 31) % 256}`,
      srcport: i % 17 === 0 ? null : (i * 131) % 65536,
      dstport: i % 2 ? 443 : 0,
      protocol: 6,
      packets: i % 11 === 0 ? null : i,
      bytes: Number.MAX_SAFE_INTEGER - i, // beyond 32 bits: both INT64 words matter
      start: 1_700_000_000 + (i >> 6),
      end: 2_147_483_647 + i, // INT64 column with values past INT32
      action: i % 4 === 0 ? 'REJECT' : 'ACCEPT',
      log_status: 'OK',
      tcp_flags: 0x7fffffff - (i % 3), // INT32 extremes
      // unique ~70-byte strings: the dictionary passes 1 MB at this size, so the chunk falls back to PLAIN
      extra_fields: n > 10_000 ? `{"k":"${String(i).padStart(8, '0')}","pad":"${'é'.repeat(20)}"}` : null,
      src_name: i % 1000 === 999 ? 'ünïcødé name ✓' : null, // mostly NULL, a few values
      // a dictionary-encoded string column whose dictionary passes 1 MB: written PLAIN from the dictionary
      dst_tags: n > 10_000 && i % 9 !== 0 ? `{"Name":"${String(i).padStart(8, '0')}-${'x'.repeat(60)}"}` : null,
    });
  }
  return out;
}

function write(name: string, data: Row[]): string {
  const batch = new FlowBatch();
  for (const r of data) batch.appendValues(r);
  const path = join(dir, name);
  writeFileSync(path, batchToParquet(batch));
  return path;
}

const COLS = Object.keys(rows(1)[0]!);
const EMPTY = LAKE_COLUMNS.map((c) => c.name).filter((c) => !COLS.includes(c));

describe('lake Parquet writer', () => {
  for (const n of [1, 9, 1000, 20_000]) {
    it(`${n} rows: DuckDB and hyparquet read back every value`, async () => {
      const data = rows(n);
      const path = write(`rows-${n}.parquet`, data);
      const got = await duck(`SELECT ${COLS.map((c) => `"${c}"`).join(', ')} FROM read_parquet('${path}')`);
      expect(got).toEqual(data);
      const nulls = await duck(`SELECT ${EMPTY.map((c) => `count("${c}") AS "${c}"`).join(', ')} FROM read_parquet('${path}')`);
      expect(Object.values(nulls[0]!).every((v) => v === 0)).toBe(true);

      const file = await import('node:fs').then((fs) => fs.readFileSync(path));
      const buf = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
      const objs = await parquetReadObjects({ file: buf, columns: COLS, utf8: true, compressors });
      expect(objs.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])))).toEqual(data);
    });
  }

  it('types, encodings and numeric statistics as declared', async () => {
    const path = write('meta.parquet', rows(20_000));
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`);
    const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
    for (const c of LAKE_COLUMNS) expect(typeOf[c.name], c.name).toBe(c.type === 'int32' ? 'INTEGER' : c.type === 'int64' ? 'BIGINT' : 'VARCHAR');

    const meta = await duck(`SELECT path_in_schema AS col, encodings, compression, total_compressed_size AS size, data_page_offset AS data, stats_min_value AS min, stats_max_value AS max, stats_null_count AS nulls FROM parquet_metadata('${path}')`);
    const by = Object.fromEntries(meta.map((m) => [m.col, m]));
    expect(by.extra_fields!.encodings).not.toContain('RLE_DICTIONARY'); // > 1 MB of distinct values: PLAIN
    expect(by.dst_tags!.encodings).not.toContain('RLE_DICTIONARY');
    expect(by.srcaddr!.encodings).toContain('RLE_DICTIONARY');
    // zstd on every chunk with something to compress; the tiny ones (all NULL, one value) are stored as they are
    expect(by.srcaddr!.compression).toBe('ZSTD');
    expect(by.bytes!.compression).toBe('ZSTD');
    expect(by.traffic_path!.compression).toBe('UNCOMPRESSED');
    expect(by.version!.compression).toBe('UNCOMPRESSED');
    expect(by.bytes).toMatchObject({ min: String(Number.MAX_SAFE_INTEGER - 19_999), max: String(Number.MAX_SAFE_INTEGER), nulls: 0 });
    expect(by.packets).toMatchObject({ min: '1', max: '19999', nulls: 1819 });
    expect(by.tcp_flags).toMatchObject({ min: String(0x7fffffff - 2), max: String(0x7fffffff) });
    expect(by.srcport!.nulls).toBe(1177);
    expect(by.traffic_path).toMatchObject({ nulls: 20_000, min: null, max: null }); // all NULL: a count only
    expect(by.reject_reason!.nulls).toBeNull(); // strings carry no statistics
    expect(by.srcaddr!.min).toBeNull(); // no statistics on strings
    // a column identical to an earlier one repeats its pages (its own copy at its own offset)
    expect(by.pkt_srcaddr!.size).toBe(by.srcaddr!.size);
    expect(by.pkt_srcaddr!.data).not.toBe(by.srcaddr!.data);
    expect(by.pkt_dstaddr!.size).not.toBe(by.dstaddr!.size);

    // range predicates prune with those statistics: DuckDB answers from the right rows
    const r = await duck(`SELECT count(*) AS n FROM read_parquet('${path}') WHERE bytes > ${Number.MAX_SAFE_INTEGER - 10}`);
    expect(r[0]!.n).toBe(10);

    const file = await import('node:fs').then((fs) => fs.readFileSync(path));
    const md = parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
    expect(md.num_rows).toBe(20_000n);
    expect(md.row_groups).toHaveLength(1);
    expect(md.created_by).toBe('vpc-netwatch');
  });

  it('names a part that does not fit the lake schema', () => {
    const batch = new FlowBatch();
    batch.appendValues({ version: 2 });
    const raw = batch.raw();
    expect(() => rawBatchToParquet({ ...raw, columns: raw.columns.slice(1) })).toThrow(/has 6\d columns, the lake schema 6\d/);
    const ragged = raw.columns.map((c, i) => (i === 3 ? { ...c, length: 2 } : c));
    expect(() => rawBatchToParquet({ ...raw, columns: ragged })).toThrow(/lake column srcaddr has 2 values, the part 1/);
  });
});

describe('DictUtf8Column', () => {
  it('gives one dictionary entry per distinct value, whether a value comes by id or by bytes', () => {
    const col = new DictUtf8Column(16);
    const enc = new TextEncoder();
    const values: string[] = [];
    // 5 000 distinct values (the id table regrows several times), each appended three ways, NULLs between
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) {
        const v = `10.${i >> 8}.${i & 255}.9`;
        const b = enc.encode(v);
        if (i % 3 === round) col.appendBytes(b, 0, b.length);
        else col.appendId(i, b, 0, b.length); // id i always names the same bytes
        values.push(v);
        if (i % 97 === 0) {
          col.appendNull();
          values.push(null as unknown as string);
        }
      }
    }
    const raw = col.raw();
    expect(raw.kind).toBe('dict');
    if (raw.kind !== 'dict') return;
    expect(raw.dictSize).toBe(5000);
    expect(raw.length).toBe(values.length);
    const dec = new TextDecoder();
    const got = Array.from({ length: raw.length }, (_, i) =>
      raw.valid && !(raw.valid[i >> 3]! & (1 << (i & 7))) ? null : dec.decode(raw.dictData.subarray(raw.dictOffsets[raw.indices[i]!]!, raw.dictOffsets[raw.indices[i]! + 1]!)),
    );
    expect(got).toEqual(values);
  });
});
