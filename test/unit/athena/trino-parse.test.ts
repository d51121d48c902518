import { describe, expect, it } from 'vitest';
import { TrinoSQL } from 'dt-sql-parser';
import { listQueries } from '../../../shared/athena/index.ts';

const trino = new TrinoSQL();

describe('every library query parses with the Trino grammar (what Athena runs)', () => {
  const all = listQueries();

  it('finds the whole library', () => {
    expect(all.length).toBeGreaterThanOrEqual(16);
  });

  it.each(all.map((q) => [q.kind, q.name, q.sql] as const))('%s %s', (_kind, _name, sql) => {
    expect(trino.validate(sql)).toEqual([]);
  });

  it('rejects SQL that Trino would not accept (the check can fail)', () => {
    expect(trino.validate('SELECT srcaddr, FROM flow_logs WHERE').length).toBeGreaterThan(0);
    expect(trino.validate('SELECT list_extract(a, 1) FROM t QUALIFY x').length).toBeGreaterThan(0);
  });
});
