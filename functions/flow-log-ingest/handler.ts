/**
 * flow-log-ingest: S3 flow-log objects → parse → enrich → Parquet lake → detections → findings on the bus.
 * Thin: decode the event, build the inputs, call the shared core. Any object that fails throws, so Lambda's
 * async retries and the on-failure destination (DLQ) see it; re-runs are idempotent (deterministic lake names).
 */
import middy from '@middy/core';
import { publishFindings } from '../../shared/aws/findings-bus.ts';
import { loadAwsRanges } from '../../shared/enrich/aws-ranges.ts';
import { Enricher } from '../../shared/enrich/enricher.ts';
import { Inventory } from '../../shared/enrich/inventory.ts';
import { cachedAwsInventory } from '../../shared/aws/ec2-inventory.ts';
import { s3Source, S3Sink } from '../../shared/aws/s3.ts';
import { isLocalMode, runtimeConfig } from '../../shared/config/runtime.ts';
import { DirSink } from '../../shared/flowlog/local-io.ts';
import type { LakeSink } from '../../shared/flowlog/lake.ts';
import { ingestAll, type IngestSummary } from '../../shared/flowlog/pipeline.ts';
import { loadInventoryFile } from '../../shared/flowlog/sources.ts';
import { logger, withDefaults } from '../../shared/middleware.ts';
import { PipelineError } from '../../shared/errors.ts';
import { emfLine } from '../../shared/athena/emf.ts';
import { decodeIngestEvent, type ObjectRef } from './events.ts';

/** LAKE_BUCKET/LAKE_PREFIX (deployed), else the config's lake, else NETWATCH_LAKE_DIR or .netwatch/lake locally. */
async function lakeSink(): Promise<LakeSink> {
  if (process.env.NETWATCH_LAKE_DIR) return new DirSink(process.env.NETWATCH_LAKE_DIR);
  const cfg = await runtimeConfig();
  const bucket = process.env.LAKE_BUCKET ?? cfg.lake.bucket;
  if (bucket) return new S3Sink(bucket, process.env.LAKE_PREFIX ?? cfg.lake.prefix);
  if (isLocalMode()) return new DirSink('.netwatch/lake');
  throw new PipelineError('flow-log-ingest: LAKE_BUCKET is not set (and no lake.bucket in the config)');
}

async function enricher(): Promise<Enricher> {
  const cfg = await runtimeConfig();
  const file = process.env.NETWATCH_INVENTORY_FILE ?? (isLocalMode() ? cfg.local.inventory : undefined);
  // local mode never calls EC2: no inventory file means no ENI enrichment
  const inventory = file
    ? await loadInventoryFile(file)
    : isLocalMode()
      ? Inventory.empty()
      : await cachedAwsInventory(Number(process.env.INVENTORY_TTL_SECONDS ?? 900));
  return new Enricher(inventory, loadAwsRanges(process.env.NETWATCH_IP_RANGES));
}

function source(o: ObjectRef) {
  return s3Source(o.bucket, o.key, { etag: o.etag, versionId: o.versionId, fallbackKey: o.rawKey });
}

export const handler = withDefaults(
  middy<unknown, IngestSummary>().handler(async (event) => {
    const { objects, ignored } = decodeIngestEvent(event);
    if (objects.length === 0) {
      logger.info('no objects to ingest', { ignored });
      return emptySummary();
    }
    const cfg = await runtimeConfig();
    const summary = await ingestAll(objects.map(source), {
      enricher: await enricher(),
      sink: await lakeSink(),
      detections: cfg.detections,
      continueOnError: false,
    });
    await publishFindings(summary.findings);
    if (!isLocalMode()) emitMetrics(summary);
    logger.info('flow-log objects ingested', {
      files: summary.files,
      records: summary.records,
      nodata: summary.nodata,
      skipdata: summary.skipdata,
      malformed: summary.malformed,
      malformedLines: summary.malformedLines,
      outputs: summary.outputs.length,
      findings: summary.findings.length,
      ignored,
    });
    return summary;
  }),
);

function emptySummary(): IngestSummary {
  return { files: 0, records: 0, skipped: 0, nodata: 0, skipdata: 0, malformed: 0, malformedLines: [], outputs: [], findings: [], errors: [], newestEnd: null };
}

/** CloudWatch metrics as EMF log lines (the alarms and dashboard in shared/athena/monitoring.yml read them). */
function emitMetrics(s: IngestSummary, now = Date.now()): void {
  const lines = [emfLine('FlowLogRecords', s.records, {}, now)];
  if (s.newestEnd !== null) lines.push(emfLine('IngestLagSeconds', Math.max(0, Math.round(now / 1000 - s.newestEnd)), {}, now));
  const byType = new Map<string, number>();
  for (const f of s.findings) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  for (const [type, n] of byType) lines.push(emfLine('Findings', n, { Type: type }, now));
  process.stdout.write(`${lines.join('\n')}\n`);
}
