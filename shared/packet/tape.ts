/**
 * The sensor split in two stages for two threads (`netwatch sensor decode --threads 2`), the pure part:
 *
 * - **Front** (`SensorFront`, one thread): reads nothing itself; per captured frame it decodes every layer, counts
 *   layers, keeps the flow table (lookups, TCP state, idle/active timeouts, memcap eviction) and writes what the
 *   rest of the pipeline needs onto a *tape*: flow created (its key), flow ended (its counters), packet time, and for
 *   each packet that has something left to do (anomalies, a TCP segment of a flow still parsed, a UDP datagram that
 *   looks like DNS) its flow, direction, TCP sequence and flags, and a copy of its payload. With `dns` set it also
 *   decodes DNS over UDP itself and puts each record on the tape as its finished JSON line (UDP flows get their
 *   application protocol only from DNS, so nothing the back knows is missing); this moves ~40 % of the bench
 *   capture's records off the busier back.
 * - **Back** (`Sensor.applyTape`, the other thread): replays the tape into the same code the one-thread sensor runs
 *   after its flow lookup (TCP reassembly, application parsers, DNS, anomaly rate limits, EVE records), on mirror
 *   `Flow` objects built from the tape. The tape is in capture order and carries every event in the order the
 *   one-thread sensor meets it, so the records, their order and the stats are the same as one thread's.
 *
 * The back tells the front which flows it stopped parsing (`unparsed`, a shared array): the front then leaves
 * their segments off the tape. That only drops packets the back would ignore, so how far the front runs ahead
 * changes nothing in the output. Bare ACKs of a direction already on the tape stay off it too (they change no
 * reassembly or parser state), and the packet time goes on the tape only before an event that needs it.
 *
 * A tape batch is three arrays (32-bit words, 64-bit floats, payload bytes), transferred between threads without a
 * copy and recycled (`TapeWriter.recycle`).
 */
import { ANOMALIES, type AnomalyCode } from './anomalies.ts';
import { decodeDns, looksLikeDns } from './app/index.ts';
import { IpProto, PacketDecoder } from './decode.ts';
import { type VniLookup, eveHeader } from './eve.ts';
import { type Flow, FlowEndReason, type FlowEndReasonName, FlowTable, type FlowTableOptions, MAX_FLOW_VLANS, TcpState, type TcpStateName } from './flow.ts';
import { LAYER_NAMES, type LayerKind, MAX_LAYERS } from './result.ts';
import { TcpFlag } from './tcp.ts';

/** Event kinds (the first word of each event). */
export const TapeEvent = { now: 1, flowNew: 2, flowEnd: 3, packet: 4, dns: 5 } as const;
/** What the back does with a packet event's payload. */
export const TapePayload = { none: 0, tcp: 1, udp: 2 } as const;

/** Words of a flowNew event: kind, serial, family, src×4, dst×4, proto, ports×2, vni, vlanCount, vlans×3, icmp×2, noL4, carrier, hash. */
export const FLOW_NEW_WORDS = 24;
/** Words of a flowEnd event: kind, serial, reason, final, pkts×2, flags×2, tcpState, sawSyn, respIcmp×2. */
export const FLOW_END_WORDS = 12;
/** Words of a packet event before its anomaly codes: kind, serial, dir, payload kind, seq, flags, offset, length, vni, count. */
export const PACKET_WORDS = 10;
/** Words of a dns event before its anomaly codes: kind, serial, line offset, line length, count. */
export const DNS_WORDS = 5;

export const REASONS: readonly FlowEndReasonName[] = [FlowEndReason.timeout, FlowEndReason.forced, FlowEndReason.shutdown];
export const TCP_STATES: readonly TcpStateName[] = Object.values(TcpState);
/** Anomaly codes by index (the tape carries indices). */
export const ANOMALY_CODES = Object.keys(ANOMALIES) as AnomalyCode[];
const ANOMALY_INDEX = new Map<AnomalyCode, number>(ANOMALY_CODES.map((c, i) => [c, i]));

/** Slots of the shared "flow no longer parsed" array: indexed by serial modulo its length, holding the serial. */
export const UNPARSED_SLOTS = 1 << 16;

export interface TapeBatch {
  i32: Int32Array;
  f64: Float64Array;
  bytes: Uint8Array;
  /** Used lengths. */
  n32: number;
  n64: number;
  nb: number;
}

/** The ArrayBuffers of a batch, for postMessage's transfer list. */
export function tapeTransferList(b: TapeBatch): ArrayBuffer[] {
  return [b.i32.buffer as ArrayBuffer, b.f64.buffer as ArrayBuffer, b.bytes.buffer as ArrayBuffer];
}

/** Appends events to the current batch, growing its arrays as needed. */
export class TapeWriter {
  private i32: Int32Array;
  private f64: Float64Array;
  private bytes: Uint8Array;
  private n32 = 0;
  private n64 = 0;
  private nb = 0;
  private readonly pool: TapeBatch[] = [];
  /** A packet time not yet on the tape, -1 when none. */
  private pendingNow = -1;
  /** The last packet buffer seen, and a Buffer view of it (for its native copy). */
  private srcBuf: Uint8Array | null = null;
  private src: Buffer = Buffer.alloc(0);
  /** The current batch's bytes, and a Buffer view of them (for writing strings). */
  private outBytes: Uint8Array | null = null;
  private out: Buffer = Buffer.alloc(0);

  constructor() {
    const b = this.fresh();
    this.i32 = b.i32;
    this.f64 = b.f64;
    this.bytes = b.bytes;
  }

  /** Why these sizes: one 1 MiB read of the bench capture makes ~20 k words, ~2 k floats and up to 1 MiB of payload. */
  private fresh(): TapeBatch {
    const b = this.pool.pop();
    if (b !== undefined) return b;
    return { i32: new Int32Array(32 * 1024), f64: new Float64Array(4 * 1024), bytes: new Uint8Array(1 << 20), n32: 0, n64: 0, nb: 0 };
  }

  /** A batch the consumer is done with: its arrays are reused for a later one. */
  recycle(b: TapeBatch): void {
    if (this.pool.length < 8) this.pool.push(b);
  }

  /** Nothing on the tape yet (a pending time alone does not count: it goes with the next event). */
  get empty(): boolean {
    return this.n32 === 0;
  }

  /** Hands over everything written so far and starts a new batch. */
  take(): TapeBatch {
    const out: TapeBatch = { i32: this.i32, f64: this.f64, bytes: this.bytes, n32: this.n32, n64: this.n64, nb: this.nb };
    const b = this.fresh();
    this.i32 = b.i32;
    this.f64 = b.f64;
    this.bytes = b.bytes;
    this.n32 = this.n64 = this.nb = 0;
    return out;
  }

  private room32(n: number): Int32Array {
    if (this.n32 + n > this.i32.length) {
      const a = new Int32Array(Math.max(this.i32.length * 2, this.n32 + n));
      a.set(this.i32.subarray(0, this.n32));
      this.i32 = a;
    }
    return this.i32;
  }

  private room64(n: number): Float64Array {
    if (this.n64 + n > this.f64.length) {
      const a = new Float64Array(Math.max(this.f64.length * 2, this.n64 + n));
      a.set(this.f64.subarray(0, this.n64));
      this.f64 = a;
    }
    return this.f64;
  }

  /**
   * The packet time moved on. Written lazily, just before the next event that goes on the tape: most packets put
   * nothing on it, and the back needs the time only for what it does.
   */
  now(ts: number): void {
    this.pendingNow = ts;
  }

  private flushNow(): void {
    if (this.pendingNow < 0) return;
    this.room32(1)[this.n32++] = TapeEvent.now;
    this.room64(1)[this.n64++] = this.pendingNow;
    this.pendingNow = -1;
  }

  flowNew(f: Flow): void {
    this.flushNow();
    const a = this.room32(FLOW_NEW_WORDS);
    let i = this.n32;
    a[i++] = TapeEvent.flowNew;
    a[i++] = f.serial;
    a[i++] = f.family;
    for (let k = 0; k < 4; k++) a[i++] = f.src[k] as number;
    for (let k = 0; k < 4; k++) a[i++] = f.dst[k] as number;
    a[i++] = f.proto;
    a[i++] = f.srcPort;
    a[i++] = f.dstPort;
    a[i++] = f.vni;
    a[i++] = f.vlanCount;
    for (let k = 0; k < MAX_FLOW_VLANS; k++) a[i++] = f.vlans[k] as number;
    a[i++] = f.icmpType;
    a[i++] = f.icmpCode;
    a[i++] = f.noL4 ? 1 : 0;
    a[i++] = f.isTunnelCarrier ? 1 : 0;
    a[i++] = f.hash;
    this.n32 = i;
    this.room64(1)[this.n64++] = f.startMicros;
  }

  flowEnd(f: Flow, reason: FlowEndReasonName, final: boolean): void {
    this.flushNow();
    const a = this.room32(FLOW_END_WORDS);
    let i = this.n32;
    a[i++] = TapeEvent.flowEnd;
    a[i++] = f.serial;
    a[i++] = REASONS.indexOf(reason);
    a[i++] = final ? 1 : 0;
    a[i++] = f.pktsToServer;
    a[i++] = f.pktsToClient;
    a[i++] = f.tcpFlagsTs;
    a[i++] = f.tcpFlagsTc;
    a[i++] = TCP_STATES.indexOf(f.tcpState);
    a[i++] = f.sawSyn ? 1 : 0;
    a[i++] = f.respIcmpType;
    a[i++] = f.respIcmpCode;
    this.n32 = i;
    const d = this.room64(4);
    let j = this.n64;
    d[j++] = f.bytesToServer;
    d[j++] = f.bytesToClient;
    d[j++] = f.startMicros;
    d[j++] = f.lastMicros;
    this.n64 = j;
  }

  /**
   * A DNS message decoded by the front: the anomalies its decoder raised, then its EVE record as a JSON line (UTF-8;
   * none when the message did not decode).
   */
  dns(serial: number, anomalies: readonly AnomalyCode[], line: string | null): void {
    const n = anomalies.length;
    this.flushNow();
    const a = this.room32(DNS_WORDS + n);
    let at = 0;
    let len = 0;
    if (line !== null) {
      const max = line.length * 3;
      if (this.nb + max > this.bytes.length) {
        const nb = new Uint8Array(Math.max(this.bytes.length * 2, this.nb + max));
        nb.set(this.bytes.subarray(0, this.nb));
        this.bytes = nb;
      }
      if (this.bytes !== this.outBytes) {
        this.outBytes = this.bytes;
        this.out = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
      }
      at = this.nb;
      len = this.out.write(line, at, 'utf8');
      this.nb += len;
    }
    let i = this.n32;
    a[i++] = TapeEvent.dns;
    a[i++] = serial;
    a[i++] = at;
    a[i++] = len;
    a[i++] = n;
    for (let k = 0; k < n; k++) a[i++] = ANOMALY_INDEX.get(anomalies[k] as AnomalyCode) as number;
    this.n32 = i;
  }

  /** A packet event; `len` payload bytes at `buf[off]` are copied onto the tape. */
  packet(serial: number, dir: number, kind: number, seq: number, flags: number, buf: Uint8Array, off: number, len: number, vni: number, anomalies: readonly AnomalyCode[], nAnomalies: number): void {
    this.flushNow();
    const a = this.room32(PACKET_WORDS + nAnomalies);
    let i = this.n32;
    let at = 0;
    if (len > 0) {
      if (this.nb + len > this.bytes.length) {
        const nb = new Uint8Array(Math.max(this.bytes.length * 2, this.nb + len));
        nb.set(this.bytes.subarray(0, this.nb));
        this.bytes = nb;
      }
      at = this.nb;
      // Buffer's native copy: no subarray view allocated per packet
      if (buf !== this.srcBuf) {
        this.srcBuf = buf;
        this.src = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
      }
      this.src.copy(this.bytes, at, off, off + len);
      this.nb += len;
    }
    a[i++] = TapeEvent.packet;
    a[i++] = serial;
    a[i++] = dir;
    a[i++] = kind;
    a[i++] = seq | 0;
    a[i++] = flags;
    a[i++] = at;
    a[i++] = len;
    a[i++] = vni;
    a[i++] = nAnomalies;
    for (let k = 0; k < nAnomalies; k++) a[i++] = ANOMALY_INDEX.get(anomalies[k] as AnomalyCode) as number;
    this.n32 = i;
  }
}

export interface SensorFrontOptions {
  flow?: Partial<FlowTableOptions>;
  /** As SensorOptions.logTunnelCarriers. */
  logTunnelCarriers?: boolean;
  /** The back parses TCP streams (SensorOptions.streamParsers is set): TCP segments go on the tape. */
  parseTcp: boolean;
  /** The back's "flow no longer parsed" array (UNPARSED_SLOTS, shared memory), or null. */
  unparsed: Int32Array | null;
  /**
   * DNS over UDP on the front: it decodes the messages and writes their records as JSON lines onto the tape (the
   * back only rate-limits the decoder's anomalies and outputs the lines). Null: the datagrams go to the back.
   * The record options are the back's (SensorOptions.mirror, communityIdSeed).
   */
  dns?: { mirror?: VniLookup; seed?: number } | null;
}

/** What the front counts (the back counts anomalies, records and streams). */
export interface FrontStats {
  packets: number;
  bytes: number;
  decoded: number;
  truncated: number;
  tunnelled: number;
  layers: Record<string, number>;
  flows: { created: number; evicted: number; active: number };
  internal_errors: number;
  /** Capture-level anomaly counts (a decoder exception, a cut last record). */
  anomalies: Record<string, number>;
}

/**
 * How often (in packet time) idle flows are swept, for both sensors. Why 5 s: the sweep walks every flow idle longer
 * than the shortest timeout; Suricata's flow manager is similar.
 */
export const EXPIRE_EVERY_MICROS = 5e6;

/** The front stage: decode + flow table, writing the tape (file comment). */
export class SensorFront {
  readonly dec = new PacketDecoder();
  readonly flows: FlowTable;
  readonly tape = new TapeWriter();
  private readonly opts: SensorFrontOptions;
  private readonly layerCounts = new Float64Array(MAX_LAYERS + 16);
  private readonly anomalyCounts = new Map<AnomalyCode, number>();
  private now = 0;
  private lastExpire = 0;
  /** The anomalies the DNS decoder raised for the message being decoded. */
  private readonly dnsAnomalies: AnomalyCode[] = [];
  private readonly onDnsAnomaly = (code: AnomalyCode): void => {
    this.dnsAnomalies.push(code);
  };
  packets = 0;
  bytes = 0;
  decoded = 0;
  truncated = 0;
  tunnelled = 0;
  internalErrors = 0;

  constructor(opts: SensorFrontOptions) {
    this.opts = opts;
    this.flows = new FlowTable((f, reason, final) => this.tape.flowEnd(f, reason, final), opts.flow);
  }

  /** One captured frame (as Sensor.frame). */
  frame(buf: Uint8Array, off: number, len: number, linkType: number, tsMicros: number): void {
    this.packets++;
    this.bytes += len;
    if (tsMicros > this.now) {
      this.now = tsMicros;
      this.tape.now(tsMicros);
    }
    if (this.now - this.lastExpire >= EXPIRE_EVERY_MICROS) {
      this.lastExpire = this.now;
      this.flows.expire(this.now);
    }
    try {
      this.dec.decodeFrame(buf, off, off + len, linkType);
      this.after(buf);
    } catch {
      this.internalErrors++;
      this.countAnomaly('internal.decoder_exception');
    }
  }

  private countAnomaly(code: AnomalyCode): void {
    this.anomalyCounts.set(code, (this.anomalyCounts.get(code) ?? 0) + 1);
  }

  private after(buf: Uint8Array): void {
    const d = this.dec;
    const r = d.r;
    for (let i = 0; i < r.layerCount; i++) {
      const k = r.layers[i] as LayerKind;
      this.layerCounts[k] = (this.layerCounts[k] as number) + 1;
    }
    if (r.truncated) this.truncated++;
    if (d.encapDepth > 0) this.tunnelled++;
    const fl = this.flows;
    const ts = this.now;
    if (d.outer.family !== 0 && this.opts.logTunnelCarriers !== false) {
      const created = fl.created;
      const cf = fl.packet(d.outer, -1, d.eth.vlanIds, 0, ts, true);
      if (fl.created !== created) this.tape.flowNew(cf);
    }
    let f: Flow | null = null;
    const t = d.tuple;
    if (t.family !== 0) {
      this.decoded++;
      const created = fl.created;
      f = fl.packet(t, d.vni, d.eth.vlanIds, d.eth.vlanCount, ts);
      if (fl.created !== created) this.tape.flowNew(f);
    }
    // what is left for the back: anomalies, a TCP segment of a flow it still parses, a UDP datagram that may be DNS
    let kind: number = TapePayload.none;
    if (f !== null && !t.noL4 && !f.isTunnelCarrier) {
      if (t.proto === IpProto.tcp) {
        const u = this.opts.unparsed;
        if (this.opts.parseTcp && (u === null || u[f.serial & (UNPARSED_SLOTS - 1)] !== f.serial) && this.segmentMatters(f, fl.lastDir, d.payloadLen, t.tcpFlags)) kind = TapePayload.tcp;
      } else if (t.proto === IpProto.udp && d.payloadLen > 0) {
        const end = d.payloadOff + d.payloadLen;
        const dnsPort = t.srcPort === 53 || t.dstPort === 53 || t.srcPort === 5353 || t.dstPort === 5353;
        if (dnsPort || looksLikeDns(buf, d.payloadOff, end)) kind = TapePayload.udp;
      }
    }
    const dns = kind === TapePayload.udp && this.opts.dns ? this.opts.dns : null;
    if (dns !== null) kind = TapePayload.none;
    if (kind !== TapePayload.none || r.anomalyCount > 0) {
      const len = kind === TapePayload.none ? 0 : d.payloadLen;
      this.tape.packet(f === null ? -1 : f.serial, fl.lastDir, kind, d.tcp.seq, d.tcp.flags, buf, d.payloadOff, len, d.vni, r.anomalies, r.anomalyCount);
    }
    // after the packet's own anomalies, as the one-thread sensor (Sensor.udp) logs them
    if (dns !== null && f !== null) this.dns(f, fl.lastDir, buf, d.payloadOff, d.payloadOff + d.payloadLen, dns);
  }

  /**
   * Whether the back's reassembly needs this TCP segment: one with payload, SYN, FIN or RST, or the first of its
   * direction (it starts that direction's sequence space). A bare ACK after that changes no reassembly or parser
   * state (TcpStream.segment returns before anything for it), so it stays off the tape.
   */
  private segmentMatters(f: Flow, dir: number, len: number, flags: number): boolean {
    const bit = dir === 0 ? 1 : 2;
    let e = f.ext as { tcpDirs?: number } | null;
    if (e === null) {
      e = { tcpDirs: 0 };
      f.ext = e;
    }
    const seen = e.tcpDirs ?? 0;
    if ((seen & bit) !== 0 && len === 0 && (flags & (TcpFlag.syn | TcpFlag.fin | TcpFlag.rst)) === 0) return false;
    e.tcpDirs = seen | bit;
    return true;
  }

  /** Sensor.udp's DNS steps, with the record written as its JSON line. */
  private dns(f: Flow, dir: number, buf: Uint8Array, off: number, end: number, o: { mirror?: VniLookup; seed?: number }): void {
    this.dnsAnomalies.length = 0;
    const msg = decodeDns(buf, off, end, this.onDnsAnomaly);
    let line: string | null = null;
    if (msg !== null) {
      let e = f.ext as { appProto?: string } | null;
      if (e === null) {
        e = {};
        f.ext = e;
      }
      e.appProto = 'dns';
      const rec = eveHeader(f, 'dns', this.now, { reverse: dir === 1, mirror: o.mirror, seed: o.seed });
      rec.dns = msg;
      line = JSON.stringify(rec);
    }
    if (line !== null || this.dnsAnomalies.length > 0) this.tape.dns(f.serial, this.dnsAnomalies, line);
  }

  /** The capture file ended inside a record. */
  countTruncatedCapture(): void {
    this.countAnomaly('pcap.truncated_record');
  }

  /** End of input: every flow ends (reason shutdown) onto the tape. */
  finish(): void {
    this.flows.flush();
  }

  stats(): FrontStats {
    const layers: Record<string, number> = {};
    for (let k = 1; k < this.layerCounts.length; k++) {
      const name = LAYER_NAMES[k as LayerKind];
      if (name && this.layerCounts[k]) layers[name] = this.layerCounts[k] as number;
    }
    return {
      packets: this.packets,
      bytes: this.bytes,
      decoded: this.decoded,
      truncated: this.truncated,
      tunnelled: this.tunnelled,
      layers,
      flows: { created: this.flows.created, evicted: this.flows.evicted, active: this.flows.size },
      internal_errors: this.internalErrors,
      anomalies: Object.fromEntries(this.anomalyCounts),
    };
  }
}
