/**
 * Property tests: any subset of the flow-log fields in any order, with any values (or `-`), written as an S3
 * text object and parsed back, gives the same values; and the same rows survive Parquet (read back by DuckDB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLOW_LOG_FIELDS, type FlowLogField } from '../../shared/flowlog/fields.ts';
import { FlowBatch } from '../../shared/flowlog/batch.ts';
import { batchToParquet } from '../../shared/flowlog/parquet.ts';
import { DirSink } from '../../shared/flowlog/local-io.ts';
import { duck, parseRows } from '../helpers/flowlog.ts';

type Value = string | number | null;

const token = fc.stringMatching(/^[A-Za-z0-9._:/=+-]{1,24}$/).filter((s) => s !== '-');
function valueArb(f: FlowLogField): fc.Arbitrary<Value> {
  const v: fc.Arbitrary<Value> =
    f.type === 'int32' ? fc.integer({ min: 0, max: 0x7fffffff }) : f.type === 'int64' ? fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) : token;
  return fc.option(v, { nil: null, freq: 4 });
}

const formatArb = fc
  .shuffledSubarray([...FLOW_LOG_FIELDS], { minLength: 1 })
  .chain((fields) =>
    fc.record({
      fields: fc.constant(fields),
      rows: fc.array(fc.tuple(...fields.map(valueArb)), { minLength: 1, maxLength: 20 }),
      sep: fc.constantFrom(' ', '  ', ' \t'),
      chunk: fc.integer({ min: 1, max: 200 }),
    }),
  );

const render = (v: Value) => (v === null ? '-' : String(v));

describe('flow-log text round trip (property)', () => {
  it('parses back exactly what was written, for random formats and records', () => {
    fc.assert(
      fc.property(formatArb, ({ fields, rows, sep, chunk }) => {
        const text = [fields.map((f) => f.name).join(' '), ...rows.map((r) => r.map(render).join(sep))].join('\n');
        const { rows: parsed, stats } = parseRows(text, { chunk });
        expect(stats.malformed).toBe(0);
        expect(parsed).toHaveLength(rows.length);
        parsed.forEach((p, i) => {
          const rec = p as unknown as Record<string, Value>;
          fields.forEach((f, k) => expect(rec[f.column], f.column).toEqual(rows[i]![k]));
          for (const f of FLOW_LOG_FIELDS) if (!fields.includes(f)) expect(rec[f.column]).toBeNull();
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('Parquet round trip', () => {
  it('DuckDB reads back every column of random batches with the lake types', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-rt-'));
    try {
      const samples = fc.sample(formatArb, { numRuns: 5, seed: 42 });
      const sink = new DirSink(dir);
      const expected: Record<string, Value>[] = [];
      for (const [n, s] of samples.entries()) {
        const batch = new FlowBatch();
        for (const r of s.rows) {
          const values: Record<string, Value> = {};
          s.fields.forEach((f, k) => (values[f.column] = r[k]!));
          batch.appendValues(values);
          expected.push(Object.fromEntries(FLOW_LOG_FIELDS.map((f) => [f.column, values[f.column] ?? null])));
        }
        await sink.put(`part-${n}.parquet`, batchToParquet(batch));
      }
      const got = await duck(`SELECT ${FLOW_LOG_FIELDS.map((f) => `"${f.column}"`).join(', ')} FROM read_parquet('${dir}/part-*.parquet', filename = true) ORDER BY filename, file_row_number`.replace('filename = true', 'filename = true, file_row_number = true'));
      expect(got).toEqual(expected);
      const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${dir}/part-0.parquet'))`);
      const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
      for (const f of FLOW_LOG_FIELDS) expect(typeOf[f.column], f.column).toBe(f.type === 'int32' ? 'INTEGER' : f.type === 'int64' ? 'BIGINT' : 'VARCHAR');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
