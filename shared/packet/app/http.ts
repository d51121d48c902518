import type { AppAnomalyCode } from './anomalies.ts';
import { equalsLower, escapeBytes, startsWith } from './text.ts';
import type { AppSink, Direction, EveHttp, StreamParser } from './types.ts';

/*
 * HTTP/1.x transaction parser (RFC 9112) over the two reassembled directions of one TCP flow, logging Suricata 8
 * EVE `http` objects.
 *
 *   request  = method SP request-target SP HTTP-version CRLF *( field-line CRLF ) CRLF [ body ]
 *   response = HTTP-version SP 3DIGIT SP [ reason ] CRLF *( field-line CRLF ) CRLF [ body ]
 *   body     = Content-Length bytes | chunked (RFC 9112 §7.1) | until close (responses only)
 *
 * - Which direction carries requests is decided by content (a request line vs a status line), not by who sent the
 *   SYN: an async mirror that sees only the server still logs its responses.
 * - Pipelining: requests queue, responses pair first-in first-out. A transaction is emitted when its response ends,
 *   and at `end()` for requests that never got one. 1xx interim responses (100 Continue, several of them) are
 *   skipped; 101 and a 2xx answer to CONNECT turn the flow into a tunnel whose bytes go to `onTunnel()`'s parser.
 * - Bodies are skipped, never buffered: only their length is counted (Suricata's `length`, after de-chunking).
 * - Gaps: inside a body of known size they are absorbed; anywhere else the direction is resynced at the next line
 *   that is a request/status line (`http.gap`), and the message in progress is logged with what was seen.
 */

/** Why 8 KiB: the common server limit for the request line and for one header line (Apache, nginx defaults). */
export const MAX_HTTP_LINE = 8192;
/** Why 128: servers reject ~100 headers; more is an attack or not HTTP. */
export const MAX_HTTP_HEADERS = 128;
/** Why 64: pipelining depth is a handful in practice; bounds memory for request-only (async) captures. */
export const MAX_HTTP_PENDING = 64;
/** Why 64 KiB: client bytes sent after CONNECT before the proxy answered (a ClientHello fits many times). */
export const MAX_CONNECT_BUFFER = 65536;

const St = {
  line: 0,
  headers: 1,
  bodyLength: 2,
  chunkSize: 3,
  chunkData: 4,
  chunkCrlf: 5,
  trailers: 6,
  bodyEof: 7,
  lost: 8,
  tunnel: 9,
  connectWait: 10,
} as const;
type State = (typeof St)[keyof typeof St];

const Role = { unknown: 0, request: 1, response: 2 } as const;
type RoleKind = (typeof Role)[keyof typeof Role];

interface Req {
  method: string;
  url: string;
  protocol: string;
  hostname?: string;
  port?: number;
  userAgent?: string;
  xff?: string;
  referer?: string;
  bodyLength: number;
}

interface Res {
  status?: number;
  statusString?: string;
  protocol: string;
  contentType?: string;
  redirect?: string;
  length: number;
}

interface Side {
  role: RoleKind;
  state: State;
  line: Uint8Array;
  lineLen: number;
  /** The current line outgrew MAX_HTTP_LINE: drop bytes until its LF. */
  lineSkip: boolean;
  headerCount: number;
  /** Body or chunk bytes still to skip. */
  remaining: number;
  contentLength: number;
  chunked: boolean;
  /** Message in progress (request or response side). */
  req: Req | null;
  res: Res | null;
  /** Header being continued by obs-fold lines, by name. */
  lastHeader: string;
  /** Client bytes held while a CONNECT waits for its answer. */
  held: Uint8Array[];
  heldBytes: number;
}

/** No line buffer until a line spans two chunks (most lines are parsed where they lie). */
const NO_LINE = new Uint8Array(0);

function newSide(): Side {
  return {
    role: Role.unknown,
    state: St.line,
    line: NO_LINE,
    lineLen: 0,
    lineSkip: false,
    headerCount: 0,
    remaining: 0,
    contentLength: -1,
    chunked: false,
    req: null,
    res: null,
    lastHeader: '',
    held: [],
    heldBytes: 0,
  };
}

function isTokenChar(c: number): boolean {
  // RFC 9110 §5.6.2 tchar
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x21 || c === 0x23 || c === 0x24 || c === 0x25 || c === 0x26 || c === 0x27 || c === 0x2a ||
    c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e
  );
}

/** `HTTP/d.d` at b[i, i+8). */
function isVersion(b: Uint8Array, i: number, stop: number): boolean {
  if (stop - i < 8 || !startsWith(b, i, stop, 'HTTP/')) return false;
  const maj = b[i + 5] as number;
  const min = b[i + 7] as number;
  return maj >= 0x30 && maj <= 0x39 && b[i + 6] === 0x2e && min >= 0x30 && min <= 0x39;
}

interface ReqLine {
  method: string;
  url: string;
  protocol: string;
}

/** Where the parts of the last request line matched by `matchRequestLine` are (no strings made to probe). */
const rl = { mEnd: 0, tStart: 0, tEnd: 0, vStart: 0, vEnd: 0 };

/** Parses `METHOD SP target SP HTTP/x.y` in b[start, stop) (CR already trimmed), or returns null. */
export function parseRequestLine(b: Uint8Array, start: number, stop: number): ReqLine | null {
  if (!matchRequestLine(b, start, stop)) return null;
  return {
    method: escapeBytes(b, start, rl.mEnd),
    url: escapeBytes(b, rl.tStart, rl.tEnd),
    protocol: escapeBytes(b, rl.vStart, rl.vEnd),
  };
}

/** True when b[start, stop) is a request line; its parts are then in `rl`. */
function matchRequestLine(b: Uint8Array, start: number, stop: number): boolean {
  let i = start;
  while (i < stop && isTokenChar(b[i] as number)) i++;
  if (i === start || i - start > 32 || i >= stop || b[i] !== 0x20) return false;
  const mEnd = i;
  while (i < stop && b[i] === 0x20) i++;
  // The version is the last word; the target is everything between (tolerates spaces in a raw target).
  let v = stop;
  while (v > i && b[v - 1] === 0x20) v--;
  const vStart = v - 8;
  if (vStart <= i || b[vStart - 1] !== 0x20 || !isVersion(b, vStart, v)) return false;
  let tEnd = vStart - 1;
  while (tEnd > i && b[tEnd - 1] === 0x20) tEnd--;
  if (tEnd === i) return false;
  rl.mEnd = mEnd;
  rl.tStart = i;
  rl.tEnd = tEnd;
  rl.vStart = vStart;
  rl.vEnd = v;
  return true;
}

interface StatusLine {
  protocol: string;
  status?: number;
  statusString: string;
}

/** Parses `HTTP/x.y SP status [SP reason]`; a status that is not 3 digits is kept as text (Suricata `status_string`). */
export function parseStatusLine(b: Uint8Array, start: number, stop: number): StatusLine | null {
  const i = statusEnd(b, start, stop);
  if (i < 0) return null;
  const text = escapeBytes(b, rl.tStart, i);
  const out: StatusLine = { protocol: escapeBytes(b, start, start + 8), statusString: text };
  const s0 = rl.tStart;
  if (i - s0 === 3 && isDigit(b[s0] as number) && b[s0] !== 0x30 && isDigit(b[s0 + 1] as number) && isDigit(b[s0 + 2] as number)) {
    out.status = ((b[s0] as number) - 0x30) * 100 + ((b[s0 + 1] as number) - 0x30) * 10 + ((b[s0 + 2] as number) - 0x30);
  }
  return out;
}

/** The value of 1-15 decimal digits filling b[start, stop), else -1. */
function digitsValue(b: Uint8Array, start: number, stop: number): number {
  if (stop - start < 1 || stop - start > 15) return -1;
  let n = 0;
  for (let i = start; i < stop; i++) {
    const c = b[i] as number;
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Where the status of a status line in b[start, stop) ends (its start in rl.tStart), or -1 when it is not one. */
function statusEnd(b: Uint8Array, start: number, stop: number): number {
  if (!isVersion(b, start, stop) || stop - start < 10 || b[start + 8] !== 0x20) return -1;
  let i = start + 9;
  while (i < stop && b[i] === 0x20) i++;
  const sStart = i;
  while (i < stop && b[i] !== 0x20) i++;
  if (i === sStart) return -1;
  rl.tStart = sStart;
  return i;
}

/**
 * Content probe for the first bytes of a direction: 'request', 'response', 'no', or 'more' (an HTTP start so far,
 * but the line is not complete yet).
 */
export function probeHttp(b: Uint8Array, off: number, end: number): 'request' | 'response' | 'no' | 'more' {
  let i = off;
  while (i < end && (b[i] === 0x0d || b[i] === 0x0a)) i++;
  if (i === end) return 'more';
  const head = 'HTTP/';
  let k = 0;
  while (k < head.length && i + k < end && b[i + k] === head.charCodeAt(k)) k++;
  let lf = i;
  const limit = Math.min(end, i + MAX_HTTP_LINE);
  while (lf < limit && b[lf] !== 0x0a) lf++;
  if (k === head.length || i + k === end) {
    if (lf === limit) return limit === end && end - i < MAX_HTTP_LINE ? 'more' : 'no';
    const stop = lf > i && b[lf - 1] === 0x0d ? lf - 1 : lf;
    return statusEnd(b, i, stop) >= 0 ? 'response' : 'no';
  }
  // A request starts with an uppercase method token and a space.
  let m = i;
  while (m < end && m - i <= 32 && isTokenChar(b[m] as number)) {
    const c = b[m] as number;
    if (!(c >= 0x41 && c <= 0x5a) && c !== 0x2d && c !== 0x5f) return 'no';
    m++;
  }
  if (m === end) return m - i <= 32 ? 'more' : 'no';
  if (m === i || b[m] !== 0x20) return 'no';
  if (lf === limit) return limit === end && end - i < MAX_HTTP_LINE ? 'more' : 'no';
  const stop = lf > i && b[lf - 1] === 0x0d ? lf - 1 : lf;
  return matchRequestLine(b, i, stop) ? 'request' : 'no';
}

/** First byte after optional whitespace (SP / HTAB) in b[start, stop). */
function owsStart(b: Uint8Array, start: number, stop: number): number {
  while (start < stop && (b[start] === 0x20 || b[start] === 0x09)) start++;
  return start;
}

/** End of b[start, stop) without its trailing optional whitespace. */
function owsEnd(b: Uint8Array, start: number, stop: number): number {
  while (stop > start && (b[stop - 1] === 0x20 || b[stop - 1] === 0x09)) stop--;
  return stop;
}

/** Host header / authority → hostname (lowercase, Suricata keeps IPv6 brackets) and port. */
function splitHost(v: string): { hostname: string; port?: number } {
  let host = v;
  let port: number | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close > 0) {
      const rest = host.slice(close + 1);
      host = host.slice(0, close + 1);
      if (rest.startsWith(':') && /^[0-9]{1,5}$/.test(rest.slice(1))) port = Number(rest.slice(1));
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && host.indexOf(':') === colon) {
      const p = host.slice(colon + 1);
      host = host.slice(0, colon);
      if (/^[0-9]{1,5}$/.test(p)) port = Number(p);
    }
  }
  const out: { hostname: string; port?: number } = { hostname: host.toLowerCase() };
  if (port !== undefined && port > 0 && port < 65536) out.port = port;
  return out;
}

/** Per-flow HTTP/1.x parser; see the file comment. */
export class HttpParser implements StreamParser {
  private readonly sink: AppSink;
  private readonly onTunnel: (() => StreamParser | null) | undefined;
  private readonly sides: [Side, Side];
  /** Requests whose headers ended, waiting for a response (FIFO). */
  private readonly pending: Req[] = [];
  /** The request the response in progress answers (null: response without request). */
  private answering: Req | null = null;
  private inner: StreamParser | null = null;
  private tunneled = false;
  private orphanReported = false;

  /**
   * @param sink receives transactions and anomalies.
   * @param onTunnel called once when the flow becomes a tunnel (CONNECT 2xx, 101); returns the parser for the
   *   tunnelled bytes (e.g. a fresh protocol detector), or null to ignore them.
   */
  constructor(sink: AppSink, onTunnel?: () => StreamParser | null) {
    this.sink = sink;
    this.onTunnel = onTunnel;
    this.sides = [newSide(), newSide()];
  }

  feed(dir: Direction, buf: Uint8Array, off = 0, end = buf.length): void {
    const s = this.sides[dir];
    let i = Math.max(0, off);
    const stop = Math.min(end, buf.length);
    while (i < stop) {
      switch (s.state) {
        case St.tunnel:
          this.inner?.feed(dir, buf, i, stop);
          return;
        case St.connectWait:
          this.hold(dir, s, buf, i, stop);
          return;
        case St.bodyLength:
        case St.chunkData: {
          const n = Math.min(s.remaining, stop - i);
          this.countBody(s, n);
          s.remaining -= n;
          i += n;
          if (s.remaining === 0) {
            if (s.state === St.bodyLength) this.messageDone(dir, s);
            else s.state = St.chunkCrlf;
          }
          break;
        }
        case St.bodyEof:
          this.countBody(s, stop - i);
          return;
        default:
          i = this.feedLine(dir, s, buf, i, stop);
      }
    }
  }

  gap(dir: Direction, len: number): void {
    const s = this.sides[dir];
    switch (s.state) {
      case St.tunnel:
        this.inner?.gap(dir, len);
        return;
      case St.bodyEof:
        this.countBody(s, len);
        return;
      case St.bodyLength:
      case St.chunkData:
        if (len > 0 && len <= s.remaining) {
          // Lost body bytes only: still counted, as the declared length says they were there.
          this.countBody(s, len);
          s.remaining -= len;
          if (s.remaining === 0) {
            if (s.state === St.bodyLength) this.messageDone(dir, s);
            else s.state = St.chunkCrlf;
          }
          return;
        }
        break;
      case St.lost:
        return;
      default:
        // Headers, chunk framing, or between messages: the next bytes may start anywhere, so resync.
        break;
    }
    this.sink.anomaly('http.gap', dir);
    this.abandon(dir, s);
    s.state = St.lost;
    s.lineLen = 0;
    s.lineSkip = false;
  }

  end(): void {
    for (const dir of [0, 1] as const) {
      const s = this.sides[dir];
      if (s.state === St.connectWait) this.release(dir, s, false);
      if (s.state !== St.tunnel) this.abandon(dir, s);
    }
    while (this.pending.length > 0) this.emit(this.pending.shift() as Req, null);
    this.inner?.end();
  }

  private anomaly(code: AppAnomalyCode, dir: Direction): void {
    this.sink.anomaly(code, dir);
  }

  private countBody(s: Side, n: number): void {
    if (s.res !== null) s.res.length += n;
    else if (s.req !== null) s.req.bodyLength += n;
  }

  /** Logs the message in progress on `s` with what was seen (gap or end of flow). */
  private abandon(dir: Direction, s: Side): void {
    if (s.role === Role.response && s.res !== null) {
      this.finishResponse(s);
    } else if (s.role === Role.request && s.req !== null) {
      this.queue(dir, s.req);
      s.req = null;
    }
  }

  /** Reads one line (or part of it) starting at i; returns the next offset. */
  private feedLine(dir: Direction, s: Side, b: Uint8Array, i: number, stop: number): number {
    let lf = i;
    while (lf < stop && b[lf] !== 0x0a) lf++;
    if (s.lineSkip) {
      if (lf < stop) s.lineSkip = false;
      return lf < stop ? lf + 1 : stop;
    }
    if (lf === stop) {
      // Incomplete line: keep it (bounded).
      this.append(dir, s, b, i, stop);
      return stop;
    }
    if (s.lineLen + (lf - i) > MAX_HTTP_LINE) {
      this.lineTooLong(dir, s);
      s.lineSkip = false;
      return lf + 1;
    }
    let ls: Uint8Array;
    let start: number;
    let end: number;
    if (s.lineLen === 0) {
      ls = b;
      start = i;
      end = lf;
    } else {
      this.append(dir, s, b, i, lf);
      if (s.lineSkip) {
        s.lineSkip = false;
        s.lineLen = 0;
        return lf + 1;
      }
      ls = s.line;
      start = 0;
      end = s.lineLen;
    }
    if (end > start && ls[end - 1] === 0x0d) end--;
    this.onLine(dir, s, ls, start, end);
    s.lineLen = 0;
    return lf + 1;
  }

  private append(dir: Direction, s: Side, b: Uint8Array, i: number, stop: number): void {
    const n = stop - i;
    if (s.lineLen + n > MAX_HTTP_LINE) {
      this.lineTooLong(dir, s);
      return;
    }
    if (s.line.length < s.lineLen + n) {
      const grown = new Uint8Array(Math.min(MAX_HTTP_LINE, Math.max(s.lineLen + n, s.line.length * 2, 256)));
      grown.set(s.line.subarray(0, s.lineLen));
      s.line = grown;
    }
    s.line.set(b.subarray(i, stop), s.lineLen);
    s.lineLen += n;
  }

  /** A line outgrew MAX_HTTP_LINE: a start line loses sync, a header line is dropped; skip to its LF. */
  private lineTooLong(dir: Direction, s: Side): void {
    if (s.state !== St.lost) {
      this.anomaly('http.header_line_too_long', dir);
      if (s.state === St.line) s.state = St.lost;
    }
    s.lineSkip = true;
    s.lineLen = 0;
  }

  private onLine(dir: Direction, s: Side, b: Uint8Array, start: number, end: number): void {
    switch (s.state) {
      case St.line:
      case St.lost:
        this.startLine(dir, s, b, start, end);
        return;
      case St.headers:
        if (end === start) this.headersDone(dir, s);
        else this.header(dir, s, b, start, end);
        return;
      case St.chunkSize:
        this.chunkSize(dir, s, b, start, end);
        return;
      case St.chunkCrlf:
        if (end !== start) {
          this.anomaly('http.chunk_terminator_invalid', dir);
          // Treat the line as the next chunk-size line (lenient, as most servers are).
          s.state = St.chunkSize;
          this.chunkSize(dir, s, b, start, end);
          return;
        }
        s.state = St.chunkSize;
        return;
      case St.trailers:
        if (end === start) this.messageDone(dir, s);
        return;
    }
  }

  private startLine(dir: Direction, s: Side, b: Uint8Array, start: number, end: number): void {
    const lost = s.state === St.lost;
    if (end === start) return; // RFC 9112 §2.2: empty lines before a message are ignored
    if (s.role !== Role.response) {
      const rl = parseRequestLine(b, start, end);
      if (rl !== null) {
        s.role = Role.request;
        s.req = { method: rl.method, url: rl.url, protocol: rl.protocol, bodyLength: 0 };
        this.beginHeaders(s);
        return;
      }
    }
    if (s.role !== Role.request) {
      const sl = parseStatusLine(b, start, end);
      if (sl !== null) {
        s.role = Role.response;
        const res: Res = { protocol: sl.protocol, length: 0 };
        if (sl.status !== undefined) res.status = sl.status;
        else res.statusString = sl.statusString;
        s.res = res;
        this.beginHeaders(s);
        return;
      }
    }
    if (lost) return;
    this.anomaly(
      s.role === Role.request
        ? 'http.request_line_invalid'
        : s.role === Role.response
          ? 'http.status_line_invalid'
          : 'http.unparsed_data',
      dir,
    );
    s.state = St.lost;
  }

  private beginHeaders(s: Side): void {
    s.state = St.headers;
    s.headerCount = 0;
    s.contentLength = -1;
    s.chunked = false;
    s.lastHeader = '';
  }

  private header(dir: Direction, s: Side, b: Uint8Array, start: number, end: number): void {
    if (++s.headerCount > MAX_HTTP_HEADERS) {
      if (s.headerCount === MAX_HTTP_HEADERS + 1) this.anomaly('http.too_many_headers', dir);
      return;
    }
    const c0 = b[start] as number;
    if (c0 === 0x20 || c0 === 0x09) {
      // obs-fold continuation (RFC 9112 §5.2): extend the previous field's value.
      const vs = owsStart(b, start, end);
      const ve = owsEnd(b, vs, end);
      if (s.lastHeader !== '' && ve > vs) this.setField(dir, s, s.lastHeader, ' ' + escapeBytes(b, vs, ve), true);
      return;
    }
    let colon = start;
    while (colon < end && b[colon] !== 0x3a) colon++;
    let nEnd = colon;
    while (nEnd > start && (b[nEnd - 1] === 0x20 || b[nEnd - 1] === 0x09)) nEnd--;
    if (colon === end || nEnd === start) {
      this.anomaly('http.header_invalid', dir);
      s.lastHeader = '';
      return;
    }
    const vs = owsStart(b, colon + 1, end);
    const ve = owsEnd(b, vs, end);
    const name = headerName(b, start, nEnd);
    s.lastHeader = name;
    if (name === '') return;
    if (name === 'content-length') {
      const plain = digitsValue(b, vs, ve);
      if (plain >= 0) {
        // the usual single value: what the general path below makes of it, without its strings and arrays
        if (s.contentLength >= 0 && s.contentLength !== plain) this.anomaly('http.content_length_conflict', dir);
        s.contentLength = plain;
        return;
      }
      const v = escapeBytes(b, vs, ve);
      // Repeated identical values ("5, 5") are allowed (RFC 9110 §8.6); anything else is a conflict.
      const parts = v.split(',').map((p) => p.trim());
      if (!parts.every((p) => /^[0-9]{1,15}$/.test(p))) {
        this.anomaly('http.content_length_invalid', dir);
        return;
      }
      const n = Number(parts[0]);
      if (parts.some((p) => Number(p) !== n) || (s.contentLength >= 0 && s.contentLength !== n)) {
        this.anomaly('http.content_length_conflict', dir);
      }
      s.contentLength = n;
      return;
    }
    if (name === 'transfer-encoding') {
      const v = escapeBytes(b, vs, ve).toLowerCase();
      const codings = v.split(',').map((p) => p.trim());
      s.chunked = codings[codings.length - 1] === 'chunked';
      return;
    }
    this.setField(dir, s, name, escapeBytes(b, vs, ve), false);
  }

  private setField(dir: Direction, s: Side, name: string, v: string, fold: boolean): void {
    const req = s.req;
    const res = s.res;
    if (s.role === Role.request && req !== null) {
      switch (name) {
        case 'host':
          if (fold) return;
          if (req.hostname === undefined) {
            const h = splitHost(v);
            req.hostname = h.hostname;
            if (h.port !== undefined) req.port = h.port;
          }
          return;
        case 'user-agent':
          req.userAgent = fold ? (req.userAgent ?? '') + v : v;
          return;
        case 'referer':
          req.referer = fold ? (req.referer ?? '') + v : v;
          return;
        case 'x-forwarded-for':
          // Several XFF lines are one list (RFC 9110 §5.3).
          req.xff = fold ? (req.xff ?? '') + v : req.xff === undefined ? v : `${req.xff}, ${v}`;
          return;
      }
    } else if (s.role === Role.response && res !== null) {
      switch (name) {
        case 'content-type': {
          // Suricata logs the media type only: parameters dropped, lowercased (libhtp's response_content_type).
          const full = fold ? (res.contentType ?? '') + v : v;
          const semi = full.indexOf(';');
          res.contentType = (semi >= 0 ? full.slice(0, semi) : full).trim().toLowerCase();
          return;
        }
        case 'location':
          res.redirect = fold ? (res.redirect ?? '') + v : v;
          return;
      }
    }
    void dir;
  }

  private headersDone(dir: Direction, s: Side): void {
    if (s.chunked && s.contentLength >= 0) this.anomaly('http.content_length_conflict', dir);
    if (s.role === Role.request) {
      const req = s.req as Req;
      if (req.hostname === undefined) {
        // Absolute-form target (proxy requests): the authority names the host (RFC 9112 §3.2.2).
        const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#@]*@)?([^/?#]+)/.exec(req.url);
        if (m !== null && m[2] !== undefined) {
          const h = splitHost(m[2]);
          req.hostname = h.hostname;
          if (h.port !== undefined) req.port = h.port;
        }
      }
      if (req.method === 'CONNECT') {
        this.queue(dir, req);
        s.req = null;
        s.state = St.connectWait;
        return;
      }
      if (s.chunked) {
        s.state = St.chunkSize;
      } else if (s.contentLength > 0) {
        s.state = St.bodyLength;
        s.remaining = s.contentLength;
      } else {
        this.messageDone(dir, s);
      }
      return;
    }
    // Response
    const res = s.res as Res;
    const status = res.status ?? 0;
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim response: not a transaction; the final one follows.
      s.res = null;
      s.state = St.line;
      return;
    }
    this.answering = this.pending.shift() ?? null;
    if (this.answering === null && !this.orphanReported) {
      // Once per flow: on a one-sided (server-only) capture every response is an orphan, one code says it all.
      this.orphanReported = true;
      this.anomaly('http.response_without_request', dir);
    }
    const req = this.answering;
    if (status === 101 || (req !== null && req.method === 'CONNECT' && status >= 200 && status < 300)) {
      this.finishResponse(s);
      this.openTunnel();
      return;
    }
    if (req !== null && req.method === 'CONNECT') {
      // Refused CONNECT: the client side goes back to HTTP (its held bytes are requests).
      for (const d of [0, 1] as const) this.release(d, this.sides[d], false);
    }
    const noBody = (req !== null && req.method === 'HEAD') || status === 204 || status === 304;
    if (noBody) {
      this.messageDone(dir, s);
    } else if (s.chunked) {
      s.state = St.chunkSize;
    } else if (s.contentLength >= 0) {
      if (s.contentLength === 0) this.messageDone(dir, s);
      else {
        s.state = St.bodyLength;
        s.remaining = s.contentLength;
      }
    } else {
      s.state = St.bodyEof;
    }
  }

  private chunkSize(dir: Direction, s: Side, b: Uint8Array, start: number, end: number): void {
    let i = start;
    let size = 0;
    let digits = 0;
    for (; i < end; i++) {
      const c = b[i] as number;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : -1;
      if (d < 0) break;
      if (++digits > 12) break;
      size = size * 16 + d;
    }
    // After the digits: optional whitespace and ";ext" (RFC 9112 §7.1.1).
    let j = i;
    while (j < end && (b[j] === 0x20 || b[j] === 0x09)) j++;
    if (digits === 0 || digits > 12 || (j < end && b[j] !== 0x3b)) {
      this.anomaly('http.chunk_size_invalid', dir);
      this.abandon(dir, s);
      s.state = St.lost;
      return;
    }
    if (size === 0) {
      s.state = St.trailers;
      return;
    }
    s.remaining = size;
    s.state = St.chunkData;
  }

  private messageDone(dir: Direction, s: Side): void {
    if (s.role === Role.request) {
      if (s.req !== null) this.queue(dir, s.req);
      s.req = null;
    } else {
      this.finishResponse(s);
    }
    if (s.state !== St.tunnel) s.state = St.line;
  }

  private queue(dir: Direction, req: Req): void {
    if (this.pending.length >= MAX_HTTP_PENDING) {
      this.anomaly('http.too_many_pending', dir);
      this.emit(this.pending.shift() as Req, null);
    }
    this.pending.push(req);
  }

  private finishResponse(s: Side): void {
    const res = s.res;
    s.res = null;
    if (res === null) return;
    const req = this.answering;
    this.answering = null;
    this.emit(req, res);
  }

  /** Builds the EVE object in Suricata's key order and hands it to the sink. */
  private emit(req: Req | null, res: Res | null): void {
    // Built field by field so the JSON key order is Suricata's; `length` is set last for the same reason.
    const tx = {} as EveHttp;
    if (req?.hostname !== undefined) tx.hostname = req.hostname;
    if (req?.port !== undefined) tx.http_port = req.port;
    if (req !== null) tx.url = req.url;
    if (req?.userAgent !== undefined) tx.http_user_agent = req.userAgent;
    if (req?.xff !== undefined) tx.xff = req.xff;
    if (res?.contentType !== undefined) tx.http_content_type = res.contentType;
    if (req?.referer !== undefined) tx.http_refer = req.referer;
    if (req !== null) tx.http_method = req.method;
    tx.protocol = req?.protocol ?? res?.protocol ?? '';
    if (res?.status !== undefined) tx.status = res.status;
    if (res?.statusString !== undefined) tx.status_string = res.statusString;
    if (res?.redirect !== undefined) tx.redirect = res.redirect;
    tx.length = res?.length ?? 0;
    if (req !== null && req.bodyLength > 0) tx.request_body_length = req.bodyLength;
    this.sink.http(tx);
  }

  private hold(dir: Direction, s: Side, b: Uint8Array, i: number, stop: number): void {
    if (s.heldBytes + (stop - i) > MAX_CONNECT_BUFFER) {
      // No answer seen (one-sided capture) and the client keeps talking: it is tunnel data.
      s.held.push(b.slice(i, stop));
      s.heldBytes += stop - i;
      this.openTunnel();
      return;
    }
    s.held.push(b.slice(i, stop));
    s.heldBytes += stop - i;
    void dir;
  }

  /** Replays bytes held during CONNECT, into the tunnel or back into HTTP parsing. */
  private release(dir: Direction, s: Side, toTunnel: boolean): void {
    if (s.state !== St.connectWait) return;
    const held = s.held;
    s.held = [];
    s.heldBytes = 0;
    s.state = toTunnel ? St.tunnel : St.line;
    for (const chunk of held) this.feed(dir, chunk);
  }

  private openTunnel(): void {
    if (this.tunneled) return;
    this.tunneled = true;
    this.inner = this.onTunnel?.() ?? null;
    for (const dir of [0, 1] as const) {
      const s = this.sides[dir];
      if (s.state === St.connectWait) this.release(dir, s, true);
      else {
        const partial = s.state === St.line && s.lineLen > 0 ? s.line.slice(0, s.lineLen) : null;
        s.state = St.tunnel;
        s.lineLen = 0;
        // Bytes the peer sent before the switch were buffered as a line start: they belong to the tunnel.
        if (partial !== null) this.inner?.feed(dir, partial);
      }
    }
  }
}

const KNOWN_HEADERS = [
  'host',
  'user-agent',
  'referer',
  'x-forwarded-for',
  'content-type',
  'content-length',
  'transfer-encoding',
  'location',
] as const;

/** The lowercase name when it is one the parser uses, else '' (no string made for other headers). */
function headerName(b: Uint8Array, start: number, end: number): string {
  for (const n of KNOWN_HEADERS) if (equalsLower(b, start, end, n)) return n;
  return '';
}
