/**
 * Streaming flow-log text parser. Bytes in (any chunking), validated records out, one line at a time, without a
 * JS string per field: a line is tokenised into [start, end) offsets over the chunk, numbers are parsed from the
 * bytes, and string fields are copied by the consumer straight into Arrow buffers.
 *
 * Semantics (issue #2): the first line is the header naming the fields; a later line that is a header starts a
 * new format (objects concatenated by tools); runs of spaces are one separator; `-` is NULL; a line with the wrong
 * field count or a non-number in a number field is counted as malformed (first line numbers kept) and skipped.
 */
import { FlowLogFormatError } from '../errors.ts';
import { KIND_INT32, KIND_STRING, looksLikeHeader, makeFormat, type FlowLogFormat } from './format.ts';

export const MAX_LINE_BYTES = 64 * 1024;
/** line numbers of malformed lines kept for the summary */
export const MALFORMED_SAMPLE = 10;

export interface ParseStats {
  /** physical lines read, header lines included */
  lines: number;
  headers: number;
  records: number;
  nodata: number;
  skipdata: number;
  malformed: number;
  /** first few 1-based line numbers of malformed lines */
  malformedLines: number[];
  /** first malformed reasons, parallel to malformedLines */
  malformedReasons: string[];
  /** blank lines (ignored) */
  blank: number;
}

/** A validated line as seen by the consumer; valid only during the onRecord call. */
export interface LineView {
  buf: Uint8Array;
  format: FlowLogFormat;
  /** token offsets: token i is buf[starts[i], ends[i]) */
  starts: Int32Array;
  ends: Int32Array;
  /** parsed value of numeric tokens; NaN when the token is `-` (NULL) or the field is a string field */
  nums: Float64Array;
  /** 1-based line number in the object */
  lineNo: number;
}

export interface ParserOptions {
  /** object name used in error messages */
  source: string;
  /** format to use when the object has no header line (e.g. CloudWatch Logs exports) */
  format?: FlowLogFormat;
  onRecord: (line: LineView) => void;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const MAX_TOKENS = 256;

const latin1 = new TextDecoder('latin1');

export class FlowLogParser {
  readonly stats: ParseStats = {
    lines: 0,
    headers: 0,
    records: 0,
    nodata: 0,
    skipdata: 0,
    malformed: 0,
    malformedLines: [],
    malformedReasons: [],
    blank: 0,
  };
  private format: FlowLogFormat | undefined;
  private readonly source: string;
  private readonly onRecord: (line: LineView) => void;
  private carry: Uint8Array | undefined;
  private sawFirstLine = false;
  private readonly starts = new Int32Array(MAX_TOKENS);
  private readonly ends = new Int32Array(MAX_TOKENS);
  private readonly nums = new Float64Array(MAX_TOKENS);
  private readonly view: LineView;
  private logStatusPos = -1;

  constructor(opts: ParserOptions) {
    this.source = opts.source;
    this.onRecord = opts.onRecord;
    this.format = opts.format;
    if (this.format) this.logStatusPos = this.format.names.indexOf('log-status');
    this.view = { buf: new Uint8Array(0), format: this.format!, starts: this.starts, ends: this.ends, nums: this.nums, lineNo: 0 };
  }

  get currentFormat(): FlowLogFormat | undefined {
    return this.format;
  }

  /** Feeds the next chunk of the (decompressed) object. */
  push(chunk: Uint8Array): void {
    let buf = chunk;
    let pos = 0;
    if (this.carry) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.appendCarry(chunk);
        return;
      }
      const joined = new Uint8Array(this.carry.length + nl + 1);
      joined.set(this.carry);
      joined.set(chunk.subarray(0, nl + 1), this.carry.length);
      this.carry = undefined;
      this.line(joined, 0, joined.length - 1);
      pos = nl + 1;
    }
    const len = buf.length;
    while (pos < len) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        this.appendCarry(buf.subarray(pos));
        return;
      }
      this.line(buf, pos, nl);
      pos = nl + 1;
    }
  }

  /** Ends the object: a last line without a newline is still a line. */
  end(): ParseStats {
    if (this.carry) {
      const c = this.carry;
      this.carry = undefined;
      this.line(c, 0, c.length);
    }
    if (!this.sawFirstLine) throw new FlowLogFormatError(this.source, 'empty object: no header line');
    return this.stats;
  }

  private appendCarry(part: Uint8Array): void {
    const prev = this.carry;
    const total = (prev?.length ?? 0) + part.length;
    if (total > MAX_LINE_BYTES) {
      throw new FlowLogFormatError(this.source, `line ${this.stats.lines + 1} is longer than ${MAX_LINE_BYTES} bytes: not a flow log`);
    }
    const next = new Uint8Array(total);
    if (prev) next.set(prev);
    next.set(part, prev?.length ?? 0);
    this.carry = next;
  }

  private tokenize(buf: Uint8Array, start: number, end: number): number {
    const starts = this.starts;
    const ends = this.ends;
    let n = 0;
    let i = start;
    while (i < end) {
      let c = buf[i]!;
      while ((c === SPACE || c === TAB) && ++i < end) c = buf[i]!;
      if (i >= end) break;
      if (n === MAX_TOKENS) return -1;
      starts[n] = i;
      while (i < end && (c = buf[i]!) !== SPACE && c !== TAB) i++;
      ends[n++] = i;
    }
    return n;
  }

  private tokenStrings(buf: Uint8Array, n: number): string[] {
    const out: string[] = [];
    for (let t = 0; t < n; t++) out.push(latin1.decode(buf.subarray(this.starts[t]!, this.ends[t]!)));
    return out;
  }

  private malformed(lineNo: number, reason: string): void {
    const s = this.stats;
    s.malformed++;
    if (s.malformedLines.length < MALFORMED_SAMPLE) {
      s.malformedLines.push(lineNo);
      s.malformedReasons.push(reason);
    }
  }

  private line(buf: Uint8Array, start: number, end: number): void {
    const stats = this.stats;
    const lineNo = ++stats.lines;
    while (end > start && (buf[end - 1] === CR || buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
    if (!this.sawFirstLine) {
      this.sawFirstLine = true;
      this.checkText(buf, start, end);
    }
    // header lines: the first line, and any later line made only of field names (concatenated objects)
    let first = start;
    while (first < end && (buf[first] === SPACE || buf[first] === TAB)) first++;
    if (first === end) {
      stats.blank++;
      return;
    }
    const c0 = buf[first]!;
    if (c0 >= 0x61 && c0 <= 0x7a) {
      const n = this.tokenize(buf, start, end);
      const tokens = n > 0 ? this.tokenStrings(buf, n) : [];
      if (looksLikeHeader(tokens)) {
        try {
          this.format = makeFormat(tokens);
        } catch (err) {
          throw new FlowLogFormatError(this.source, `line ${lineNo}: bad header: ${(err as Error).message}`);
        }
        this.view.format = this.format;
        this.logStatusPos = this.format.names.indexOf('log-status');
        stats.headers++;
        return;
      }
    }
    const format = this.format;
    if (!format) {
      throw new FlowLogFormatError(
        this.source,
        'no header line naming the flow-log fields (S3 delivery writes one); pass the format explicitly for header-less logs',
      );
    }
    // one pass: token offsets, and the value of every numeric field (validated before the consumer sees the line)
    const kinds = format.kinds;
    const nk = kinds.length;
    const starts = this.starts;
    const ends = this.ends;
    const nums = this.nums;
    let n = 0;
    let bad = -1;
    let i = first;
    while (i < end) {
      let c = buf[i]!;
      while ((c === SPACE || c === TAB) && ++i < end) c = buf[i]!;
      if (i >= end) break;
      if (n === MAX_TOKENS) {
        n = -1;
        break;
      }
      starts[n] = i;
      const kind = n < nk ? kinds[n]! : KIND_STRING;
      if (kind === KIND_STRING) {
        while (i < end && (c = buf[i]!) !== SPACE && c !== TAB) i++;
        nums[n] = NaN;
      } else {
        let v = 0;
        let ok = true;
        const s0 = i;
        while (i < end && (c = buf[i]!) !== SPACE && c !== TAB) {
          const d = c - 0x30;
          if (d < 0 || d > 9) ok = false;
          else v = v * 10 + d;
          i++;
        }
        if (i - s0 === 1 && buf[s0] === DASH) nums[n] = NaN;
        else if (!ok || i - s0 > 16 || (kind === KIND_INT32 && v > 0x7fffffff) || v > Number.MAX_SAFE_INTEGER) {
          if (bad < 0) bad = n;
          nums[n] = NaN;
        } else nums[n] = v;
      }
      ends[n++] = i;
    }
    if (n !== nk) {
      this.malformed(lineNo, `expected ${nk} fields, found ${n < 0 ? `more than ${MAX_TOKENS}` : n}`);
      return;
    }
    if (bad >= 0) {
      const f = format.fields[bad]!;
      const text = latin1.decode(buf.subarray(starts[bad]!, ends[bad]!)).slice(0, 40);
      this.malformed(lineNo, `${f.name} is not ${f.type === 'int32' ? 'a 32-bit' : 'a 64-bit'} unsigned number: "${text}"`);
      return;
    }
    stats.records++;
    const lsPos = this.logStatusPos;
    if (lsPos >= 0) {
      const s = this.starts[lsPos]!;
      const len = this.ends[lsPos]! - s;
      if (len === 6 && buf[s] === 0x4e /* N */) stats.nodata++;
      else if (len === 8 && buf[s] === 0x53 /* S */) stats.skipdata++;
    }
    const view = this.view;
    view.buf = buf;
    view.lineNo = lineNo;
    this.onRecord(view);
  }

  /** Rejects binary garbage early with a clear error (a flow-log header line is ASCII text). */
  private checkText(buf: Uint8Array, start: number, end: number): void {
    const stop = Math.min(end, start + 512);
    for (let i = start; i < stop; i++) {
      const c = buf[i]!;
      if (c === 0 || (c < 0x20 && c !== TAB && c !== CR) || c >= 0x7f) {
        throw new FlowLogFormatError(this.source, `not a text flow log (binary byte 0x${c.toString(16).padStart(2, '0')} at offset ${i - start} of line 1)`);
      }
    }
  }
}

/**
 * Interns short byte strings: flow logs repeat the same ENIs, addresses, regions and actions millions of times, so
 * a hash of the bytes finds the string made last time (verified byte by byte) instead of allocating a new one.
 */
/**
 * Byte ranges → shared JS strings. Two-way set associative (a string may sit in its slot or the slot's neighbour),
 * so two strings that hash to the same slot do not evict each other on every alternate line; hashed four bytes at a
 * time through a DataView of the current buffer.
 */
const SLOT_BYTES = 32;

class Interner {
  private readonly mask: number;
  private readonly hashes: Int32Array;
  private readonly strings: (string | undefined)[];
  /** which of a pair was filled last (the other is replaced next) */
  private readonly recent: Uint8Array;
  /** the slot of the string get() returned last */
  slot = 0;
  private buf: Uint8Array | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));
  constructor(bits = 16) {
    this.mask = (1 << bits) - 1;
    this.hashes = new Int32Array(1 << bits);
    this.strings = new Array<string | undefined>(1 << bits).fill(undefined);
    this.recent = new Uint8Array(1 << (bits - 1));
    this.bytes = new Uint8Array(SLOT_BYTES << bits);
    this.bytesView = new DataView(this.bytes.buffer);
  }
  /** the bytes of each slot's string (up to SLOT_BYTES; longer strings compare by character) */
  private readonly bytes: Uint8Array;
  private readonly bytesView: DataView;
  private same(slot: number, cur: string, dv: DataView, buf: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (cur.length !== n) return false;
    if (n > SLOT_BYTES) {
      for (let i = 0; i < n; i++) if (cur.charCodeAt(i) !== buf[s + i]) return false;
      return true;
    }
    const bv = this.bytesView;
    const base = slot * SLOT_BYTES;
    let i = 0;
    for (; i + 4 <= n; i += 4) if (bv.getInt32(base + i, true) !== dv.getInt32(s + i, true)) return false;
    const b = this.bytes;
    for (; i < n; i++) if (b[base + i] !== buf[s + i]) return false;
    return true;
  }
  get(buf: Uint8Array, s: number, e: number): string {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const dv = this.view;
    let h = (0x811c9dc5 ^ (e - s)) | 0;
    let i = s;
    for (; i + 4 <= e; i += 4) h = Math.imul(h ^ dv.getInt32(i, true), 0x01000193);
    for (; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h ^= h >>> 16;
    const a = h & this.mask;
    const b = a ^ 1;
    const strings = this.strings;
    const hashes = this.hashes;
    let cur = strings[a];
    if (cur !== undefined && hashes[a] === h && this.same(a, cur, dv, buf, s, e)) {
      this.slot = a;
      return cur;
    }
    cur = strings[b];
    if (cur !== undefined && hashes[b] === h && this.same(b, cur, dv, buf, s, e)) {
      this.slot = b;
      return cur;
    }
    const str = e - s > 64 ? latin1.decode(buf.subarray(s, e)) : String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
    // an empty slot of the pair, else the one not filled last
    const pair = a >> 1;
    const slot = strings[a] === undefined ? a : strings[b] === undefined ? b : this.recent[pair] === (a & 1) ? b : a;
    this.recent[pair] = slot & 1;
    hashes[slot] = h;
    strings[slot] = str;
    if (e - s <= SLOT_BYTES) this.bytes.set(buf.subarray(s, e), slot * SLOT_BYTES);
    this.slot = slot;
    return str;
  }
}
/** slots of the token-string interner: per-string caches keyed by slot (SlotCache) have this many entries */
export const INTERNER_SLOTS = 1 << 16;
const interner = new Interner(16);

/**
 * The interner slot of the string tokenString() returned last (0 for NULL). A string stays in its slot until
 * another string with the same slot replaces it, so a cache keyed by slot must check that the string is the same
 * object (SlotCache does).
 */
export function lastTokenSlot(): number {
  return interner.slot;
}

/**
 * A value per interned string, kept by interner slot: a hit is one array read and an identity comparison instead of
 * a Map lookup keyed by the string. Misses (a first sight, or a slot taken over by another string) call `compute`.
 */
export class SlotCache<T = number> {
  private readonly keys: (string | undefined)[] = new Array<string | undefined>(INTERNER_SLOTS).fill(undefined);
  private readonly values: T[] = new Array<T>(INTERNER_SLOTS);

  get(str: string, slot: number, compute: (s: string) => T): T {
    if (this.keys[slot] === str) return this.values[slot]!;
    const v = compute(str);
    this.keys[slot] = str;
    this.values[slot] = v;
    return v;
  }
}

/** Token t of a line as a string (latin1 is exact for the ASCII of flow logs), or null for `-` / an absent field. */
export function tokenString(view: LineView, t: number): string | null {
  if (t < 0) return null;
  const s = view.starts[t]!;
  const e = view.ends[t]!;
  if (e - s === 1 && view.buf[s] === DASH) return null;
  return interner.get(view.buf, s, e);
}

/**
 * Token t of successive lines as a string, remembering the last one: for fields that rarely change within an
 * object (account, region, VPC) a byte comparison with the previous line replaces hashing and interning.
 */
export class TokenMemo {
  private bytes = new Uint8Array(64);
  private len = -1;
  private value: string | null = null;

  get(view: LineView, t: number): string | null {
    if (t < 0) return null;
    const s = view.starts[t]!;
    const n = view.ends[t]! - s;
    const buf = view.buf;
    if (n === this.len) {
      const b = this.bytes;
      let i = 0;
      while (i < n && b[i] === buf[s + i]) i++;
      if (i === n) return this.value;
    }
    this.value = tokenString(view, t);
    if (n > this.bytes.length) this.bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.bytes[i] = buf[s + i]!;
    this.len = n;
    return this.value;
  }
}
