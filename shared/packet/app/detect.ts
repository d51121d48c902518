import { DnsTcpParser, probeDnsTcp } from './dns.ts';
import { HttpParser, probeHttp } from './http.ts';
import { TlsParser } from './tls.ts';
import type { AppProtocol, AppSink, Direction, StreamParser } from './types.ts';

/*
 * Protocol detection by content for one TCP flow (Suricata's app-layer probing parsers, in miniature): the first
 * bytes of either direction are held until they identify TLS (a handshake record carrying a Client/ServerHello),
 * HTTP/1.x (a request or status line) or DNS over TCP (a length prefix and a plausible DNS header), then the
 * matching parser is created and replayed everything held, in arrival order. Ports are only a tie-breaker.
 */

/** Why 4 KiB per direction: every supported protocol identifies itself within its first line or record header. */
export const MAX_DETECT_BYTES = 4096;
/** Why 2: a CONNECT tunnel inside a CONNECT tunnel is already exotic; deeper nesting is not parsed. */
export const MAX_TUNNEL_DEPTH = 2;

/** What the first bytes of one direction say: a protocol, 'unknown', or 'need_more' to decide. */
export function detectAppProtocol(
  buf: Uint8Array,
  off: number,
  end: number,
  hint: { srcPort?: number; dstPort?: number } = {},
): AppProtocol | 'need_more' {
  if (end - off <= 0) return 'need_more';
  const tls = probeTls(buf, off, end);
  const dns = probeDnsTcp(buf, off, end);
  // A TLS record header can parse as a DNS length prefix; on port 53 DNS wins, elsewhere TLS.
  if (dns === 'yes' && (hint.srcPort === 53 || hint.dstPort === 53)) return 'dns';
  if (tls === 'yes') return 'tls';
  const http = probeHttp(buf, off, end);
  if (http === 'request' || http === 'response') return 'http';
  if (dns === 'yes') return 'dns';
  if (tls === 'more' || http === 'more' || dns === 'more') return 'need_more';
  return 'unknown';
}

/** TLS: handshake record (22), major version 3, minor ≤ 4, carrying a ClientHello (1) or ServerHello (2). */
function probeTls(b: Uint8Array, off: number, end: number): 'yes' | 'no' | 'more' {
  if (b[off] !== 22) return 'no';
  if (end - off < 2) return 'more';
  if (b[off + 1] !== 3) return 'no';
  if (end - off < 3) return 'more';
  if ((b[off + 2] as number) > 4) return 'no';
  if (end - off < 6) return 'more';
  const t = b[off + 5];
  return t === 1 || t === 2 ? 'yes' : 'no';
}

interface Held {
  dir: Direction;
  bytes: Uint8Array;
}

/** One TCP flow's application layer: detection, then the chosen parser. See the file comment. */
export class AppStream implements StreamParser {
  /** null until decided; 'unknown' once detection gave up (the caller may stop feeding). */
  protocol: AppProtocol | null = null;
  private readonly sink: AppSink;
  private readonly hint: { srcPort?: number; dstPort?: number };
  private readonly depth: number;
  private parser: StreamParser | null = null;
  private held: Held[] = [];
  private readonly heldBytes: [number, number] = [0, 0];
  /** Detection failed (or lost bytes) in this direction: its bytes are not held any more. */
  private readonly undecidable: [boolean, boolean] = [false, false];

  constructor(sink: AppSink, hint: { srcPort?: number; dstPort?: number } = {}, depth = 0) {
    this.sink = sink;
    this.hint = hint;
    this.depth = depth;
  }

  feed(dir: Direction, buf: Uint8Array, off = 0, end = buf.length): void {
    if (this.parser !== null) {
      this.parser.feed(dir, buf, off, end);
      return;
    }
    if (this.protocol === 'unknown' || this.undecidable[dir]) return;
    const lo = Math.max(0, off);
    const hi = Math.min(end, buf.length);
    if (hi <= lo) return;
    if (this.held.length === 0) {
      // nothing held yet (the usual first segment): decide on the bytes where they lie, copy them only to wait
      const verdict = detectAppProtocol(buf, lo, hi, this.hint);
      if (verdict === 'unknown') {
        this.giveUpOn(dir);
      } else if (verdict !== 'need_more') {
        this.start(verdict);
        (this.parser as StreamParser | null)?.feed(dir, buf, lo, hi);
      } else {
        this.held.push({ dir, bytes: buf.slice(lo, hi) });
        this.heldBytes[dir] += hi - lo;
        if (this.heldBytes[dir] > MAX_DETECT_BYTES) this.giveUpOn(dir);
      }
      return;
    }
    this.held.push({ dir, bytes: buf.slice(lo, hi) });
    this.heldBytes[dir] += hi - lo;
    this.detect(dir);
  }

  gap(dir: Direction, len: number): void {
    if (this.parser !== null) {
      this.parser.gap(dir, len);
      return;
    }
    if (this.protocol === 'unknown') return;
    // Bytes before the hole cannot be joined to bytes after it for detection.
    this.giveUpOn(dir);
  }

  end(): void {
    if (this.parser !== null) {
      this.parser.end();
      return;
    }
    this.held = [];
    if (this.protocol === null && (this.heldBytes[0] > 0 || this.heldBytes[1] > 0)) this.protocol = 'unknown';
  }

  private detect(dir: Direction): void {
    const bytes = this.joined(dir);
    const verdict = detectAppProtocol(bytes, 0, bytes.length, this.hint);
    if (verdict === 'need_more') {
      if (this.heldBytes[dir] > MAX_DETECT_BYTES) this.giveUpOn(dir);
      return;
    }
    if (verdict === 'unknown') {
      this.giveUpOn(dir);
      return;
    }
    this.start(verdict);
  }

  /** The held bytes of one direction as one array (no copy when there is a single chunk). */
  private joined(dir: Direction): Uint8Array {
    let only: Uint8Array | null = null;
    let count = 0;
    for (const h of this.held) {
      if (h.dir !== dir) continue;
      only = h.bytes;
      count++;
    }
    if (count === 1 && only !== null) return only;
    const out = new Uint8Array(this.heldBytes[dir]);
    let at = 0;
    for (const h of this.held) {
      if (h.dir !== dir) continue;
      out.set(h.bytes, at);
      at += h.bytes.length;
    }
    return out;
  }

  private giveUpOn(dir: Direction): void {
    this.undecidable[dir] = true;
    this.held = this.held.filter((h) => h.dir !== dir);
    this.heldBytes[dir] = 0;
    if (this.undecidable[0] && this.undecidable[1]) {
      this.protocol = 'unknown';
      this.held = [];
    }
  }

  private start(protocol: AppProtocol): void {
    this.protocol = protocol;
    const sink = this.sink;
    if (protocol === 'tls') this.parser = new TlsParser(sink);
    else if (protocol === 'dns') this.parser = new DnsTcpParser(sink);
    else {
      const depth = this.depth;
      this.parser = new HttpParser(sink, () => (depth < MAX_TUNNEL_DEPTH ? new AppStream(sink, {}, depth + 1) : null));
    }
    const held = this.held;
    this.held = [];
    for (const h of held) this.parser.feed(h.dir, h.bytes);
  }
}
