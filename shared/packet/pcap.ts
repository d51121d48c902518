/**
 * Streaming pcap and pcapng reader (pure: fed Uint8Array chunks, calls back per packet). Memory stays bounded by
 * the largest record plus one chunk, so a multi-GB capture streams through.
 *
 * Classic pcap (wiki.wireshark.org/Development/LibpcapFileFormat): 24-byte header (magic a1b2c3d4 µs / a1b23c4d ns,
 * either byte order), then per packet: ts_sec, ts_frac, incl_len, orig_len (4 bytes each) + data.
 * pcapng (RFC draft-ietf-opsawg-pcapng): blocks of type (4) | total length (4) | body | total length (4);
 * SHB 0x0A0D0D0A (byte-order magic 0x1A2B3C4D), IDB 1 (link type, snaplen, if_tsresol option 9), EPB 6, SPB 3,
 * obsolete PB 2. Other block types are skipped.
 */
import { PipelineError } from '../errors.ts';

/** Why 256 MiB: pcapng blocks can be large (BIG TCP super-packets are 64 KiB+), but never this large honestly. */
export const MAX_RECORD_LEN = 256 * 1024 * 1024;

export class PcapFormatError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PcapFormatError';
  }
}

/** One packet: `data[off, off+capLen)`, valid only during the callback. `ts` in microseconds since the epoch. */
export interface PcapPacket {
  data: Uint8Array;
  off: number;
  capLen: number;
  origLen: number;
  tsMicros: number;
  linkType: number;
}

export type PacketCallback = (p: PcapPacket) => void;

interface Iface {
  linkType: number;
  /** Multiply raw timestamp units by this to get microseconds. */
  toMicros: number;
}

const enum_ = { unknown: 0, pcap: 1, pcapng: 2 } as const;

export class PcapReader {
  private buf = new Uint8Array(1 << 16);
  private start = 0;
  private fill = 0;
  private format: number = enum_.unknown;
  private le = true;
  private nanos = false;
  private linkType = 0;
  private ifaces: Iface[] = [];
  /** Reused for every callback: callers must copy what they keep. */
  private readonly pkt: PcapPacket = { data: this.buf, off: 0, capLen: 0, origLen: 0, tsMicros: 0, linkType: 0 };
  packets = 0;
  /** Blocks/records skipped as not packets (pcapng statistics, name resolution, ...). */
  skippedBlocks = 0;

  private readonly onPacket: PacketCallback;

  constructor(onPacket: PacketCallback) {
    this.onPacket = onPacket;
  }

  /** Feeds the next chunk of the file. */
  push(chunk: Uint8Array): void {
    this.append(chunk);
    this.parse();
  }

  /**
   * Reads the next chunk straight into the reader's own buffer (no copy, unlike push): `read(buf, off, len)` fills
   * at most `len` bytes at `off` and returns how many it read, 0 at the end of input. Returns that count.
   */
  pull(read: (buf: Uint8Array, off: number, len: number) => number, size = 1 << 20): number {
    this.reserve(size);
    const n = read(this.buf, this.fill, size);
    if (n > 0) {
      this.fill += n;
      this.parse();
    }
    return n;
  }

  /** Call at end of input: leftover bytes mean a record was cut. Returns the number of dangling bytes. */
  finish(): number {
    if (this.format === enum_.unknown && this.fill - this.start > 0) throw new PcapFormatError('not a pcap or pcapng file (short header)');
    return this.fill - this.start;
  }

  /** The link type of a classic pcap (or the first pcapng interface). */
  get fileLinkType(): number {
    return this.format === enum_.pcap ? this.linkType : (this.ifaces[0]?.linkType ?? -1);
  }

  private append(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.buf.set(chunk, this.fill);
    this.fill += chunk.length;
  }

  /** Makes room for `n` more bytes after `fill` (moves the unparsed rest to the front, or grows). */
  private reserve(n: number): void {
    const avail = this.fill - this.start;
    if (this.fill + n > this.buf.length) {
      if (avail + n <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.fill);
      } else {
        let size = this.buf.length;
        while (size < avail + n) size *= 2;
        const nb = new Uint8Array(size);
        nb.set(this.buf.subarray(this.start, this.fill));
        this.buf = nb;
        this.pkt.data = nb;
      }
      this.fill = avail;
      this.start = 0;
    }
  }

  private u32(i: number, le = this.le): number {
    const b = this.buf;
    return le
      ? ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0
      : (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
  }

  private u16(i: number): number {
    const b = this.buf;
    return this.le ? (b[i] as number) | ((b[i + 1] as number) << 8) : ((b[i] as number) << 8) | (b[i + 1] as number);
  }

  private parse(): void {
    if (this.format === enum_.unknown) {
      if (this.fill - this.start < 4) return;
      const m = this.u32(this.start, false);
      if (m === 0x0a0d0d0a) this.format = enum_.pcapng;
      else {
        if (this.fill - this.start < 24) return;
        if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) this.le = false;
        else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) this.le = true;
        else throw new PcapFormatError(`not a pcap or pcapng file (magic 0x${m.toString(16).padStart(8, '0')})`);
        this.nanos = m === 0xa1b23c4d || m === 0x4d3cb2a1;
        // the top bits of the link-type word carry FCS flags (pcap spec §4)
        this.linkType = this.u32(this.start + 20) & 0x0fffffff;
        this.start += 24;
        this.format = enum_.pcap;
      }
    }
    if (this.format === enum_.pcap) this.parsePcap();
    else this.parsePcapng();
  }

  private parsePcap(): void {
    const p = this.pkt;
    p.linkType = this.linkType;
    while (this.fill - this.start >= 16) {
      const s = this.start;
      const incl = this.u32(s + 8);
      if (incl > MAX_RECORD_LEN) throw new PcapFormatError(`pcap record ${this.packets + 1} claims ${incl} bytes`);
      if (this.fill - s < 16 + incl) return;
      const sec = this.u32(s);
      const frac = this.u32(s + 4);
      p.data = this.buf;
      p.off = s + 16;
      p.capLen = incl;
      p.origLen = this.u32(s + 12);
      p.tsMicros = sec * 1e6 + (this.nanos ? Math.floor(frac / 1000) : frac);
      this.start = s + 16 + incl;
      this.packets++;
      this.onPacket(p);
    }
  }

  private parsePcapng(): void {
    const p = this.pkt;
    while (this.fill - this.start >= 12) {
      const s = this.start;
      const type = this.u32(s, this.le);
      if (type === 0x0a0d0d0a) {
        // section header: the byte-order magic decides the order for this section
        if (this.fill - s < 12) return;
        const bom = this.u32(s + 8, true);
        if (bom === 0x1a2b3c4d) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else throw new PcapFormatError('pcapng section header has a bad byte-order magic');
        this.ifaces = [];
      }
      const len = this.u32(s + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD_LEN) throw new PcapFormatError(`pcapng block of type ${type} has a bad length ${len}`);
      if (this.fill - s < len) return;
      const body = s + 8;
      const bodyEnd = s + len - 4;
      this.start = s + len;
      if (type === 1) {
        if (bodyEnd - body < 8) throw new PcapFormatError('pcapng interface block too short');
        this.ifaces.push({ linkType: this.u16(body), toMicros: this.tsResol(body + 8, bodyEnd) });
      } else if (type === 6 || type === 2) {
        if (bodyEnd - body < 20) throw new PcapFormatError('pcapng packet block too short');
        const ifId = type === 6 ? this.u32(body) : this.u16(body);
        const iface = this.ifaces[ifId];
        if (!iface) throw new PcapFormatError(`pcapng packet refers to unknown interface ${ifId}`);
        const ts = this.u32(body + 4) * 4294967296 + this.u32(body + 8);
        const cap = this.u32(body + 12);
        if (cap > bodyEnd - (body + 20)) throw new PcapFormatError('pcapng packet data runs past its block');
        p.data = this.buf;
        p.off = body + 20;
        p.capLen = cap;
        p.origLen = this.u32(body + 16);
        p.tsMicros = Math.floor(ts * iface.toMicros);
        p.linkType = iface.linkType;
        this.packets++;
        this.onPacket(p);
      } else if (type === 3) {
        const iface = this.ifaces[0];
        if (!iface) throw new PcapFormatError('pcapng simple packet block before any interface');
        const orig = this.u32(body);
        p.data = this.buf;
        p.off = body + 4;
        p.capLen = Math.min(orig, bodyEnd - (body + 4));
        p.origLen = orig;
        p.tsMicros = 0;
        p.linkType = iface.linkType;
        this.packets++;
        this.onPacket(p);
      } else if (type !== 0x0a0d0d0a) {
        this.skippedBlocks++;
      }
    }
  }

  /** if_tsresol (option 9): high bit clear = 10^-n seconds, set = 2^-n; default 10^-6. */
  private tsResol(optStart: number, optEnd: number): number {
    let o = optStart;
    while (optEnd - o >= 4) {
      const code = this.u16(o);
      const len = this.u16(o + 2);
      if (code === 0) break;
      if (code === 9 && len >= 1 && o + 4 < optEnd) {
        const v = this.buf[o + 4] as number;
        const secsPerUnit = v & 0x80 ? 2 ** -(v & 0x7f) : 10 ** -(v & 0x7f);
        return secsPerUnit * 1e6;
      }
      o += 4 + ((len + 3) & ~3);
    }
    return 1;
  }
}
