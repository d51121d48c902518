/**
 * One SQL source for Athena (Trino) and DuckDB. The library is written in the common subset; the only construct
 * that differs is the null-safe array element: Trino's `element_at(array, i)` (its `array[i]` fails on a short
 * array) is DuckDB's `list_extract(list, i)` (DuckDB's element_at is for maps only). adaptForDuckDb() rewrites
 * that call, outside string literals and comments; everything else runs as written on both engines.
 */
export type Engine = 'duckdb' | 'athena';

/** Rewrites `element_at(` to `list_extract(` in code (not in '…' literals, "…" identifiers or comments). */
export function adaptForDuckDb(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      // quoted literal or identifier: copy through, '' / "" are escapes
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? sql.length : j;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '/' && next === '*') {
      const j = sql.indexOf('*/', i + 2);
      const end = j < 0 ? sql.length : j + 2;
      out += sql.slice(i, end);
      i = end;
    } else {
      const m = /^element_at\s*\(/i.exec(sql.slice(i, i + 32));
      const prev = i === 0 ? '' : (sql[i - 1] as string);
      if (m && !/[A-Za-z0-9_.]/.test(prev)) {
        out += 'list_extract(';
        i += m[0].length;
      } else {
        out += ch;
        i++;
      }
    }
  }
  return out;
}

export function adaptSql(sql: string, engine: Engine): string {
  return engine === 'duckdb' ? adaptForDuckDb(sql) : sql;
}
