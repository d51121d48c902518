/**
 * The building side of row blocks (rows.ts): records go into one FlowBatch per partition, and every batch that
 * reaches the part size becomes a Parquet part at once. Runs on the Parquet worker in the CLI (parquet-worker.ts),
 * on the calling thread otherwise (encoder.ts: inlineEncoder). Part names are the partition path, the object's
 * stem and a per-partition sequence number, so the same object always gives the same parts.
 */
import type { SideEnrichment } from '../enrich/enricher.ts';
import { FlowBatch, releaseRawBatch, SIDE_KEYS } from './batch.ts';
import { makeFormat, type FlowLogFormat } from './format.ts';
import { rawBatchToParquet } from './parquet.ts';
import type { RowBlock } from './rows.ts';

export interface LakePart {
  key: string;
  bytes: Uint8Array;
}

interface Open {
  batch: FlowBatch;
  part: number;
}

/** The per-object tables row blocks refer to by id: formats, partition paths, side enrichments. */
export class RowBlockTables {
  readonly formats: FlowLogFormat[] = [];
  readonly partitions: string[] = [];
  readonly sides: SideEnrichment[] = [];

  /** Adds the entries a block introduces (call before reading its records). */
  register(b: RowBlock): void {
    for (const names of b.newFormats) this.formats.push(makeFormat(names));
    for (const p of b.newPartitions) this.partitions.push(p);
    for (const v of b.newSides) {
      this.sides.push(Object.freeze(Object.fromEntries(SIDE_KEYS.map((k, i) => [k, v[i] ?? null]))) as unknown as SideEnrichment);
    }
  }

  /** Appends record r of block b to a batch. */
  append(batch: FlowBatch, b: RowBlock, r: number): void {
    batch.appendRow(b, r, this.formats[b.format[r]!]!, this.sides);
  }
}

export class LakeRowsWriter {
  private readonly tables = new RowBlockTables();
  private readonly nextPart: number[] = [];
  private readonly open = new Map<number, Open>();
  private readonly stem: string;
  private readonly rowsPerPart: number;

  constructor(stem: string, rowsPerPart: number) {
    this.stem = stem;
    this.rowsPerPart = rowsPerPart;
  }

  /** Appends a block's records; returns the parts that filled up. The block's arrays are only read. */
  apply(b: RowBlock): LakePart[] {
    this.tables.register(b);
    while (this.nextPart.length < this.tables.partitions.length) this.nextPart.push(0);
    const parts: LakePart[] = [];
    let pid = -1;
    let open: Open | undefined;
    for (let r = 0; r < b.rows; r++) {
      const p = b.partition[r]!;
      if (p !== pid || open === undefined) {
        pid = p;
        open = this.batchFor(p);
      }
      this.tables.append(open.batch, b, r);
      if (open.batch.length >= this.rowsPerPart) {
        parts.push(this.flush(p, open));
        open = undefined;
      }
    }
    return parts;
  }

  /** Every partition's last, partly filled part. */
  finish(): LakePart[] {
    const parts: LakePart[] = [];
    for (const [p, open] of [...this.open]) if (open.batch.length > 0) parts.push(this.flush(p, open));
    this.open.clear();
    return parts;
  }

  /** Drops what is buffered (the object failed); the column buffers go back to the pool. */
  discard(): void {
    for (const open of this.open.values()) releaseRawBatch(open.batch.raw());
    this.open.clear();
  }

  private batchFor(p: number): Open {
    let open = this.open.get(p);
    if (!open) {
      if (this.tables.partitions[p] === undefined) throw new Error(`row block names partition ${p}, which was never sent`);
      open = { batch: new FlowBatch(Math.min(this.rowsPerPart, 8192)), part: this.nextPart[p]! };
      this.open.set(p, open);
    }
    return open;
  }

  private flush(p: number, open: Open): LakePart {
    this.open.delete(p);
    this.nextPart[p] = open.part + 1;
    const raw = open.batch.raw();
    try {
      return { key: `${this.tables.partitions[p]}/${this.stem}-${String(open.part).padStart(4, '0')}.parquet`, bytes: rawBatchToParquet(raw) };
    } finally {
      releaseRawBatch(raw);
    }
  }
}
