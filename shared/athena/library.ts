/**
 * The query library: one .sql file per query under shared/athena/queries/ (analyst queries) and
 * shared/athena/detections/ (scheduled detections). Each file starts with a header comment:
 *
 *   -- title: Top talkers
 *   -- answers: the 10 source/destination pairs that moved the most bytes
 *   -- params: from to
 *
 * `params` names the values bound to the `?` placeholders, in order (the same placeholders Athena's
 * ExecutionParameters and DuckDB's prepared statements fill). Known parameters: from / to (dt partition bounds,
 * YYYY-MM-DD, inclusive) and the detection thresholds documented in each detection file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError, UsageError } from '../errors.ts';
import { EMBEDDED_SQL, readSqlTree } from './sql-files.ts';

/** A query file that is missing, unreadable or has a bad header. */
export class QueryLibraryError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryLibraryError';
  }
}

export type QueryKind = 'query' | 'detection';

export interface QueryDef {
  /** file stem, e.g. `top-talkers` */
  name: string;
  kind: QueryKind;
  title: string;
  answers: string;
  /** names bound to the `?` placeholders, in order */
  params: string[];
  /** parameter name -> default value, from `-- default <name>: <value>` header lines */
  defaults: Record<string, string>;
  sql: string;
  path: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const QUERIES_DIR = join(HERE, 'queries');
export const DETECTIONS_DIR = join(HERE, 'detections');

/** Counts `?` placeholders outside literals, quoted identifiers and comments. */
export function countPlaceholders(sql: string): number {
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === ch && sql[j + 1] !== ch)) j += sql[j] === ch ? 2 : 1;
      i = j + 1;
    } else if (ch === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      i = j < 0 ? sql.length : j;
    } else if (ch === '/' && next === '*') {
      const j = sql.indexOf('*/', i + 2);
      i = j < 0 ? sql.length : j + 2;
    } else {
      if (ch === '?') n++;
      i++;
    }
  }
  return n;
}

export function parseQueryFile(text: string, path: string, kind: QueryKind): QueryDef {
  const head: Record<string, string> = {};
  const defaults: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('--')) break;
    const m = /^--\s*([a-z]+(?: [a-z_]+)?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    if (key.startsWith('default ')) defaults[key.slice(8)] = (m[2] as string).trim();
    else head[key] = head[key] ? `${head[key]} ${(m[2] as string).trim()}` : (m[2] as string).trim();
  }
  const name = basename(path, '.sql');
  if (!head.title) throw new QueryLibraryError(`${path}: header has no "-- title:" line`);
  const params = (head.params ?? '').split(/[\s,]+/).filter(Boolean);
  const sql = text.trim().replace(/;\s*$/, '');
  const n = countPlaceholders(sql);
  if (n !== params.length) {
    throw new QueryLibraryError(`${path}: ${n} "?" placeholders but "-- params:" names ${params.length}`);
  }
  return { name, kind, title: head.title, answers: head.answers ?? '', params, defaults, sql, path };
}

/**
 * Every analyst query and scheduled detection, sorted by name within kind. Read from shared/athena/ when the files
 * are on disk (the CLI, tests); bundled Lambdas use the embedded copy (sql-files.generated.ts).
 */
export function listQueries(): QueryDef[] {
  const onDisk = existsSync(QUERIES_DIR) && existsSync(DETECTIONS_DIR);
  const files = onDisk ? readSqlTree(HERE) : EMBEDDED_SQL;
  const root = onDisk ? HERE : 'shared/athena';
  const defs = Object.entries(files).map(([rel, text]) =>
    parseQueryFile(text, join(root, rel), rel.startsWith('detections/') ? 'detection' : 'query'),
  );
  const order = (q: QueryDef) => `${q.kind === 'query' ? 0 : 1}${q.name}`;
  return defs.sort((a, b) => order(a).localeCompare(order(b)));
}

/** SQL without a header (a file or `--sql`): no parameters, or exactly two `?` taken as from and to. */
export function adHocQuery(text: string, source = 'inline SQL'): QueryDef {
  const sql = text.trim().replace(/;\s*$/, '');
  const n = countPlaceholders(sql);
  const params = n === 2 ? ['from', 'to'] : [];
  if (n !== params.length) throw new QueryLibraryError(`${source}: ${n} "?" placeholders; only "from to" may be implied`);
  const name = source.endsWith('.sql') ? basename(source, '.sql') : 'inline';
  return { name, kind: 'query', title: basename(source), answers: '', params, defaults: {}, sql, path: source };
}

/** A library name (`top-talkers`, `detections/slow-scan` or just `slow-scan`) or a path to a .sql file. */
export function resolveQuery(nameOrFile: string): QueryDef {
  if (nameOrFile.endsWith('.sql')) {
    let text: string;
    try {
      text = readFileSync(nameOrFile, 'utf8');
    } catch (err) {
      throw new QueryLibraryError(`cannot read query file ${nameOrFile}`, { cause: err });
    }
    // ad-hoc files need no header; when they have one, it is checked like the library's
    if (!text.startsWith('--')) return adHocQuery(text, nameOrFile);
    return parseQueryFile(text, nameOrFile, 'query');
  }
  const stem = nameOrFile.replace(/^(queries|detections)\//, '');
  const hit = listQueries().find((q) => q.name === stem);
  if (!hit) throw new UsageError(`unknown query "${nameOrFile}" (netwatch query --list shows the names)`);
  return hit;
}
