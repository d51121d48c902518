import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countPlaceholders, listQueries, parseQueryFile, resolveQuery, QueryLibraryError } from '../../../shared/athena/library.ts';
import { adaptForDuckDb } from '../../../shared/athena/dialect.ts';
import { bindParams } from '../../../shared/athena/index.ts';
import { formatCsv, formatTable } from '../../../shared/athena/format.ts';
import { EMBEDDED_SQL, readSqlTree } from '../../../shared/athena/sql-files.ts';

describe('the query library', () => {
  it('has the names outside checks rely on, each with a title and an answer', () => {
    const names = listQueries().map((q) => q.name);
    for (const n of ['top-talkers', 'top-rejected-sources', 'udp-users', 'bytes-stats-by-pair', 'bytes-by-direction',
      'bytes-by-instance', 'rejected-ssh-by-source', 'rejects-by-source', 'rejected-sample']) {
      expect(names).toContain(n);
    }
    for (const q of listQueries()) {
      expect(q.title.length, q.name).toBeGreaterThan(3);
      expect(q.answers.length, q.name).toBeGreaterThan(10);
      // every query is bounded by dt partitions so Athena scans only the days asked for
      expect(q.params, q.name).toContain('to');
      expect(q.sql, q.name).toMatch(/\bdt\b\s*(BETWEEN|=|>=)\s*\?/);
    }
  });

  it('embeds exactly the .sql files for bundled Lambdas (regenerate: node shared/athena/sql-files.ts --write)', () => {
    expect(EMBEDDED_SQL).toEqual(readSqlTree(new URL('../../../shared/athena/', import.meta.url).pathname));
  });

  it('parses a header and checks the placeholder count', () => {
    const q = parseQueryFile("-- title: T\n-- answers: what\n-- params: from to\n-- default x: 3\nSELECT '?' AS q, \"a?\" FROM t WHERE dt BETWEEN ? AND ? -- ?\n;", 'x/t.sql', 'query');
    expect(q).toMatchObject({ name: 't', title: 'T', answers: 'what', params: ['from', 'to'], defaults: { x: '3' } });
    expect(() => parseQueryFile('-- title: T\n-- params: from\nSELECT 1', 'x/u.sql', 'query')).toThrow(
      'x/u.sql: 0 "?" placeholders but "-- params:" names 1',
    );
    expect(() => parseQueryFile('SELECT 1', 'x/v.sql', 'query')).toThrow(QueryLibraryError);
  });

  it('counts placeholders outside literals, identifiers and comments', () => {
    expect(countPlaceholders("SELECT ? , 'it''s ?' , \"?\" /* ? */ -- ?\n, ?")).toBe(2);
  });

  it('resolves ad-hoc .sql files, and names a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-q-'));
    writeFileSync(join(dir, 'mine.sql'), 'SELECT count(*) AS n FROM flow_logs WHERE dt BETWEEN ? AND ?;\n');
    expect(resolveQuery(join(dir, 'mine.sql'))).toMatchObject({ name: 'mine', params: ['from', 'to'] });
    expect(() => resolveQuery(join(dir, 'none.sql'))).toThrow(`cannot read query file ${join(dir, 'none.sql')}`);
  });

  it('binds from/to, defaults and named params in placeholder order', () => {
    const q = resolveQuery('slow-scan');
    expect(bindParams(q, { from: '2026-11-01' })).toEqual(['2026-11-01', '9999-12-31', '100', '50', '0.8']);
    expect(bindParams(q, { params: { min_ports: '7' } })).toEqual(['0000-01-01', '9999-12-31', '7', '50', '0.8']);
  });
});

describe('adaptForDuckDb()', () => {
  it('rewrites element_at in code only', () => {
    expect(adaptForDuckDb("SELECT element_at(a, 1), ELEMENT_AT (b,2), 'element_at(x)', \"element_at(\" -- element_at(\nFROM t"))
      .toBe("SELECT list_extract(a, 1), list_extract(b,2), 'element_at(x)', \"element_at(\" -- element_at(\nFROM t");
    expect(adaptForDuckDb('SELECT my_element_at(a, 1)')).toBe('SELECT my_element_at(a, 1)');
  });
});

describe('formatters', () => {
  const r = { columns: ['srcaddr', 'bytes', 'note'], rows: [{ srcaddr: '10.0.0.1', bytes: 12345, note: 'a,"b"' }, { srcaddr: '10.0.0.22', bytes: 5, note: null }] };
  it('aligns a table with numbers right-aligned and a row count', () => {
    expect(formatTable(r)).toBe(
      ['srcaddr    bytes  note', '---------  -----  -----', '10.0.0.1   12345  a,"b"', '10.0.0.22      5', '(2 rows)', ''].join('\n'),
    );
  });
  it('quotes CSV per RFC 4180', () => {
    expect(formatCsv(r)).toBe('srcaddr,bytes,note\r\n10.0.0.1,12345,"a,""b"""\r\n10.0.0.22,5,\r\n');
  });
});
