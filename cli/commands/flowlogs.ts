import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { inlineEncoder, workerEncoder } from '../../shared/flowlog/encoder.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { UsageError } from '../../shared/errors.ts';
import { parseFormatString, type FlowLogFormat } from '../../shared/flowlog/format.ts';
import { DEFAULT_ROWS_PER_PART } from '../../shared/flowlog/ingest.ts';
import { ingestAll, type IngestSummary } from '../../shared/flowlog/pipeline.ts';
import { makeEnricher, resolveSink, resolveSources } from '../../shared/flowlog/sources.ts';

export interface IngestCliOptions {
  out: string;
  inventory?: string;
  ipRanges?: string;
  format?: string;
  config?: string;
  json?: boolean;
  rowsPerPart?: string;
  endpoint?: string;
}

export async function runIngest(inputs: string[], o: IngestCliOptions): Promise<IngestSummary> {
  if (o.endpoint) process.env.NETWATCH_S3_ENDPOINT = o.endpoint;
  let format: FlowLogFormat | undefined;
  if (o.format) {
    try {
      format = parseFormatString(o.format);
    } catch (err) {
      throw new UsageError(`--format: ${(err as Error).message}`);
    }
  }
  const rowsPerPart = o.rowsPerPart ? Number(o.rowsPerPart) : DEFAULT_ROWS_PER_PART;
  if (!Number.isInteger(rowsPerPart) || rowsPerPart < 1) throw new UsageError('--rows-per-part must be a positive integer');
  // a second core builds the lake columns, writes Parquet and runs the detections while this one parses
  // (NETWATCH_PARQUET_WORKER=0 keeps it on one thread). Started first: it boots while this thread reads the config,
  // lists the inputs and loads the enrichment data.
  const encoder = availableParallelism() > 1 && process.env.NETWATCH_PARQUET_WORKER !== '0' ? workerEncoder() : inlineEncoder;
  try {
    const config = o.config ? await loadConfig(o.config) : undefined;
    const sources = await resolveSources(inputs);
    if (sources.length === 0) throw new Error(`no flow-log files found in ${inputs.join(', ')}`);
    const enricher = await makeEnricher({ inventory: o.inventory ?? config?.local.inventory, ipRanges: o.ipRanges });
    return await ingestAll(sources, {
      enricher,
      sink: await resolveSink(o.out),
      rowsPerPart,
      format,
      encoder,
      detections: config?.detections,
      continueOnError: true,
    });
  } finally {
    await encoder.close();
  }
}

function printHuman(s: IngestSummary): void {
  const lines = [
    `files      ${s.files}`,
    `records    ${s.records}  (NODATA ${s.nodata}, SKIPDATA ${s.skipdata})`,
    `skipped    ${s.skipped}  (malformed ${s.malformed})`,
    ...s.malformedLines.map((m) => `  ${m.source}: malformed lines ${m.lines.join(', ')} (${m.reasons[0] ?? ''})`),
    `outputs    ${s.outputs.length} Parquet object(s)`,
    `findings   ${s.findings.length}`,
    ...s.findings.map((f) => `  [${f.severity}] ${f.type} ${JSON.stringify(f.subject)}`),
    ...s.errors.map((e) => `error      ${e.source}: ${e.error}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerFlowlogs(program: Command): void {
  const flowlogs = program.command('flowlogs').description('VPC Flow Logs: ingest objects into the enriched Parquet lake');
  flowlogs
    .command('ingest')
    .description('read .log, .log.gz and .parquet flow-log objects and write the enriched Parquet lake under <out>/flow_logs/')
    .argument('<inputs...>', 'files, directories or s3://bucket/prefix URLs')
    .requiredOption('--out <dir|s3://bucket/prefix>', 'lake root (local directory or S3 prefix)')
    .option('--inventory <eni.json>', 'ENI inventory: DescribeNetworkInterfaces output (optionally with Reservations)')
    .option('--ip-ranges <ip-ranges.json>', 'AWS ip-ranges.json to use instead of the shipped snapshot')
    .option('--format <fields>', 'field list for header-less logs, e.g. "${version} ${account-id} ..." or plain names')
    .option('--config <netwatch.config.yml>', 'config file (detection thresholds, local.inventory)')
    .option('--rows-per-part <n>', 'rows per Parquet part file (bounds memory)', String(DEFAULT_ROWS_PER_PART))
    .addOption(new Option('--endpoint <url>', 'S3-compatible endpoint for s3:// inputs/outputs (local S3 server)').env('NETWATCH_S3_ENDPOINT'))
    .option('--json', 'print one JSON summary object on stdout')
    .action(async (inputs: string[], o: IngestCliOptions) => {
      const s = await runIngest(inputs, o);
      if (o.json) {
        const { errors, malformedLines, ...rest } = s;
        process.stdout.write(`${JSON.stringify({ ...rest, malformedLines, errors })}\n`);
      } else printHuman(s);
      if (s.errors.length) {
        process.stderr.write(`netwatch: ${s.errors.length} object(s) failed: ${s.errors.map((e) => e.error).join('; ')}\n`);
        process.exitCode = 1;
      }
    });
}
