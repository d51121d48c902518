/** Query results as an aligned text table, JSON (an array of row objects) or CSV (RFC 4180, header row). */
import type { QueryResult, Value } from './results.ts';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

function text(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Math.round(v * 1000) / 1000);
  return String(v);
}

/** Aligned columns; numbers right-aligned; NULL shown empty; `(n rows)` footer. */
export function formatTable(r: QueryResult): string {
  const cells = r.rows.map((row) => r.columns.map((c) => text(row[c] ?? null)));
  const numeric = r.columns.map((c) => r.rows.length > 0 && r.rows.every((row) => row[c] === null || typeof row[c] === 'number'));
  const width = r.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (vals: string[], head = false) =>
    vals
      .map((v, i) => (numeric[i] && !head ? v.padStart(width[i] as number) : v.padEnd(width[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(r.columns, true), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map((c) => line(c))];
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

const csvCell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function formatCsv(r: QueryResult): string {
  const lines = [r.columns.map(csvCell).join(','), ...r.rows.map((row) => r.columns.map((c) => csvCell(text(row[c] ?? null))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export function formatJson(r: QueryResult): string {
  return `${JSON.stringify(r.rows, null, 2)}\n`;
}

export function formatResult(r: QueryResult, format: OutputFormat): string {
  return format === 'json' ? formatJson(r) : format === 'csv' ? formatCsv(r) : formatTable(r);
}
