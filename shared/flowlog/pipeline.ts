/**
 * Many objects → one summary (the `--json` contract of `netwatch flowlogs ingest`) + the findings the
 * detections emitted over their records.
 */
import { DetectColumnsBuilder, type DetectColumns } from '../detect/columns.ts';
import { localDetections } from './encoder.ts';
import type { DetectionsConfigInput } from '../detect/config.ts';
import type { Finding } from '../detect/finding.ts';
import { ingestObject, type IngestOptions, type ObjectSource, type ObjectSummary } from './ingest.ts';

export interface IngestSummary {
  files: number;
  records: number;
  skipped: number;
  nodata: number;
  skipdata: number;
  malformed: number;
  /** per object with malformed lines: the first line numbers and reasons */
  malformedLines: { source: string; lines: number[]; reasons: string[] }[];
  outputs: string[];
  findings: Finding[];
  /** objects that failed as a whole (not a flow log, truncated gzip, ...): reported, never silently dropped */
  errors: { source: string; error: string }[];
  /** newest record `end` (unix seconds) seen, for the ingest-lag metric; null when no record had one */
  newestEnd: number | null;
}

export interface PipelineOptions extends Omit<IngestOptions, 'detect'> {
  detections?: DetectionsConfigInput;
  /** false: a failing object throws at once (Lambda: the event goes to the retry / dead-letter path) */
  continueOnError?: boolean;
}

/** records per batch handed to the detections */
const DETECT_BATCH = 32_768;

export async function ingestAll(sources: ObjectSource[], opts: PipelineOptions): Promise<IngestSummary> {
  // detections run where the encoder runs: on its worker thread when it has one, else here. A bad config (or an
  // unreadable deny list) fails here, before any object is read, in both cases.
  const local = await localDetections(opts.detections ?? {});
  const host = opts.encoder?.detections ? opts.encoder.detections(opts.detections ?? {}) : local;
  const builder = new DetectColumnsBuilder(DETECT_BATCH);
  const detect = { builder, ship: (c: DetectColumns) => host.add(c) };
  const summary: IngestSummary = {
    files: 0,
    records: 0,
    skipped: 0,
    nodata: 0,
    skipdata: 0,
    malformed: 0,
    malformedLines: [],
    outputs: [],
    findings: [],
    errors: [],
    newestEnd: null,
  };
  let newest = -1;
  for (const src of sources) {
    let s: ObjectSummary;
    try {
      s = await ingestObject(src, { ...opts, detect });
    } catch (err) {
      if (!opts.continueOnError) throw err;
      summary.errors.push({ source: src.name, error: (err as Error).message });
      continue;
    }
    summary.files++;
    summary.records += s.records;
    summary.skipped += s.skipped;
    summary.nodata += s.nodata;
    summary.skipdata += s.skipdata;
    summary.malformed += s.malformed;
    if (s.malformed) summary.malformedLines.push({ source: s.source, lines: s.malformedLines, reasons: s.malformedReasons });
    summary.outputs.push(...s.outputs);
    if (s.newestEnd !== null && s.newestEnd > newest) newest = s.newestEnd;
  }
  const rest = builder.take();
  if (rest) host.add(rest);
  summary.findings = (await host.finish()).findings;
  summary.newestEnd = newest >= 0 ? newest : null;
  return summary;
}
