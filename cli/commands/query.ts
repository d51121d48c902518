import { Command, Option } from 'commander';
import { UsageError } from '../../shared/errors.ts';
import {
  formatResult,
  listQueries,
  OUTPUT_FORMATS,
  adHocQuery,
  resolveQuery,
  rowsToFindings,
  runQuery,
  type Engine,
  type OutputFormat,
} from '../../shared/athena/index.ts';

export interface QueryCliOptions {
  lake?: string;
  engine: Engine;
  format: OutputFormat;
  from?: string;
  to?: string;
  param: string[];
  list?: boolean;
  sql?: string;
  findings?: boolean;
  workgroup: string;
  database: string;
  outputLocation?: string;
  region?: string;
  timeout: string;
}

function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i < 1) throw new UsageError(`--param must be name=value (got "${p}")`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

function listing(): string {
  const qs = listQueries();
  const width = Math.max(...qs.map((q) => q.name.length));
  const section = (kind: 'query' | 'detection', head: string) => [
    head,
    ...qs.filter((q) => q.kind === kind).map((q) => `  ${q.name.padEnd(width)}  ${q.title}`),
  ];
  return `${[...section('query', 'queries:'), '', ...section('detection', 'detections (scheduled; --findings turns rows into findings):')].join('\n')}\n`;
}

export async function runQueryCommand(nameOrFile: string | undefined, o: QueryCliOptions): Promise<string> {
  if (o.list) return listing();
  if (nameOrFile && o.sql) throw new UsageError('give a query name/file or --sql, not both');
  if (!nameOrFile && !o.sql) throw new UsageError('give a query name or a .sql file (netwatch query --list shows the names)');
  const def = o.sql ? adHocQuery(o.sql) : resolveQuery(nameOrFile as string);
  const timeoutMs = Number(o.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  if (o.engine === 'duckdb' && !o.lake) throw new UsageError('--lake <dir> is required with --engine duckdb');
  // the SDK is loaded only for Athena, so `netwatch query` on a local lake starts fast
  const athenaClient = o.engine === 'athena' ? (await import('../../shared/aws/clients.ts')).athenaClient : undefined;
  const result = await runQuery(def, {
    engine: o.engine,
    lake: o.lake,
    from: o.from,
    to: o.to,
    params: parseParams(o.param),
    ...(o.engine === 'athena'
      ? {
          athena: {
            client: athenaClient!(o.region),
            workGroup: o.workgroup,
            database: o.database,
            outputLocation: o.outputLocation,
            timeoutMs,
          },
        }
      : {}),
  });
  if (o.findings) {
    if (def.kind !== 'detection') throw new UsageError(`--findings applies to detections; ${def.name} is an analyst query`);
    return rowsToFindings(def.name, result.rows).map((f) => `${JSON.stringify(f)}\n`).join('');
  }
  return formatResult(result, o.format);
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run a library query (or a .sql file) on the local lake with DuckDB, or on Athena')
    .argument('[name|file.sql]', 'query name from --list, or a path to a .sql file')
    .option('--lake <dir|s3://bucket/prefix>', 'lake root: a local directory (the --out of flowlogs ingest / sensor run) or an S3 prefix (copied down, only the dt partitions asked for)')
    .addOption(new Option('--engine <engine>', 'query engine').choices(['duckdb', 'athena']).default('duckdb'))
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .option('--from <date>', 'first dt partition to scan, YYYY-MM-DD (default: all)')
    .option('--to <date>', 'last dt partition to scan, YYYY-MM-DD, inclusive (default: all)')
    .option('--param <name=value>', 'other query parameter (repeatable), e.g. --param subnets=subnet-0a1b', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--list', 'list the query names and titles')
    .option('--sql <text>', 'run this SQL over the same tables instead of a library query')
    .option('--findings', 'for a detection: print its rows as NetWatch findings (JSON lines)')
    .addOption(new Option('--workgroup <name>', 'Athena workgroup').env('NETWATCH_ATHENA_WORKGROUP').default('netwatch'))
    .addOption(new Option('--database <name>', 'Glue database').env('NETWATCH_GLUE_DATABASE').default('netwatch'))
    .option('--output-location <s3://…>', 'Athena result location (default: the workgroup\'s)')
    .option('--region <region>', 'AWS region for Athena')
    .option('--timeout <seconds>', 'Athena query timeout', '300')
    .action(async (name: string | undefined, o: QueryCliOptions) => {
      process.stdout.write(await runQueryCommand(name, o));
    });
}
