/**
 * The sensor pipeline, shared by `netwatch sensor decode` (pcap) and the daemon (UDP datagrams): decode ->
 * per-layer counts and anomalies -> flow table -> TCP reassembly / UDP DNS -> application parsers -> EVE records
 * handed to a sink callback. Pure (no I/O); the caller owns reading and writing.
 */
import { type AnomalyCode } from './anomalies.ts';
import { type AppSink, type Direction, type EveDns, type EveHttp, type EveTls, type StreamParser, decodeDns, looksLikeDns } from './app/index.ts';
import { IpProto, PacketDecoder, type Tuple } from './decode.ts';
import { type EveRecord, type VniLookup, eveAnomaly, eveFlow, eveHeader } from './eve.ts';
import { Flow, type FlowEndReasonName, FlowTable, type FlowTableOptions, MAX_FLOW_VLANS } from './flow.ts';
import { DEFAULT_REASSEMBLY_OPTIONS, ReassemblyBudget, type ReassemblyOptions, TcpStream } from './reassembly.ts';
import { type DecodeResult, LAYER_NAMES, type LayerKind, MAX_LAYERS } from './result.ts';
import { AnomalyThrottle, type ShardSink } from './shard.ts';
import { ANOMALY_CODES, DNS_WORDS, EXPIRE_EVERY_MICROS, FLOW_END_WORDS, FLOW_NEW_WORDS, type FrontStats, PACKET_WORDS, REASONS, TCP_STATES, type TapeBatch, TapeEvent, TapePayload, UNPARSED_SLOTS } from './tape.ts';

/**
 * Takes a record that is already its JSON line: UTF-8 `bytes[off, off+len)`, no newline, with its event type and
 * time (the record's `timestamp`, in microseconds).
 */
export type LineFn = (bytes: Uint8Array, off: number, len: number, eventType: string, tsMicros: number) => void;

/** Builds the per-flow stream parser (HTTP/TLS/DNS-over-TCP detection by content). */
export type ParsingStream = StreamParser & { readonly protocol?: string | null };
/** Returns null when the flow is not worth parsing (its packets are then not reassembled). */
export type StreamParserFactory = (sink: AppSink, hint: { srcPort: number; dstPort: number }) => ParsingStream | null;

export interface SensorOptions {
  flow?: Partial<FlowTableOptions>;
  reassembly?: Partial<ReassemblyOptions>;
  /** Global cap on held out-of-order TCP bytes. */
  reassemblyMemcap?: number;
  mirror?: VniLookup;
  /** Community ID seed (Suricata's `community-id-seed`), default 0. */
  communityIdSeed?: number;
  /** Log the outer UDP flow of a tunnel too (Suricata does; the daemon never sees it). Default true. */
  logTunnelCarriers?: boolean;
  /** TCP application parsing; without it flows and DNS over UDP are still logged. */
  streamParsers?: StreamParserFactory;
  /** Anomaly records per (source, code) per window; the rest are counted, not logged. */
  anomalyBurst?: number;
  anomalyWindowSec?: number;
  /**
   * One of `count` threads decoding the same capture (shard.ts): this sensor sees every packet but tracks only the
   * flows whose key hash modulo `count` is `index`, and reports its records (unthrottled, with their packet and
   * flow serial) to `sink` instead of the emit callback. Thread 0 also counts the packets and their layers, and
   * logs the anomalies of packets without a flow.
   */
  shard?: { index: number; count: number; sink: ShardSink };
}

export interface SensorStats {
  packets: number;
  bytes: number;
  /** Packets with an IP header decoded (innermost). */
  decoded: number;
  truncated: number;
  tunnelled: number;
  layers: Record<string, number>;
  anomalies: Record<string, number>;
  anomaly_records_suppressed: number;
  records: Record<string, number>;
  flows: { created: number; evicted: number; active: number };
  stream: { gaps: number; memcap_used: number };
  internal_errors: number;
}

interface FlowExt {
  appProto?: string;
  stream: TcpStream | null;
  parser: ParsingStream | null;
  /** The factory declined this flow. */
  unparsed: boolean;
  /** The TLS summary was logged: the rest is encrypted, nothing more to learn (Suricata's encryption bypass). */
  tlsDone: boolean;
}


export class Sensor {
  readonly dec = new PacketDecoder();
  readonly flows: FlowTable;
  private readonly emit: (r: EveRecord) => void;
  private readonly opts: SensorOptions;
  private readonly budget: ReassemblyBudget;
  private readonly reOpts: ReassemblyOptions;
  private readonly layerCounts = new Float64Array(MAX_LAYERS + 16);
  private readonly anomalyCounts = new Map<AnomalyCode, number>();
  private readonly recordCounts = new Map<string, number>();
  private readonly throttle: AnomalyThrottle;
  private readonly shard: { index: number; count: number; sink: ShardSink } | null;
  /** The packet the records being made belong to (shard mode): the packet count, plus one at the end of input. */
  private evPkt = 0;
  private lastExpire = 0;
  private now = 0;
  private curFlow: Flow | null = null;
  /** The VNI of the packet being handled (anomaly records without a flow carry it). */
  private pktVni = -1;
  /** Tape mode (tape.ts): the mirror flows by serial, and where to tell the front a flow is no longer parsed. */
  private readonly mirrors = new Map<number, Flow>();
  private readonly freeMirrors: Flow[] = [];
  private unparsedOut: Int32Array | null = null;
  packets = 0;
  bytes = 0;
  decoded = 0;
  truncated = 0;
  tunnelled = 0;
  internalErrors = 0;

  constructor(emit: (r: EveRecord) => void, opts: SensorOptions = {}) {
    this.emit = emit;
    this.opts = opts;
    this.shard = opts.shard ?? null;
    this.throttle = new AnomalyThrottle(opts.anomalyBurst ?? 10, opts.anomalyWindowSec ?? 60);
    this.budget = new ReassemblyBudget(opts.reassemblyMemcap);
    this.reOpts = { ...DEFAULT_REASSEMBLY_OPTIONS, ...opts.reassembly };
    this.flows = new FlowTable((f, reason, final) => this.flowEnded(f, reason, final), opts.flow);
  }

  /** One captured frame (pcap mode). */
  frame(buf: Uint8Array, off: number, len: number, linkType: number, tsMicros: number): void {
    this.begin(len, tsMicros);
    if (this.shard !== null) {
      this.shardFrame(buf, off, len, linkType);
      return;
    }
    try {
      this.dec.decodeFrame(buf, off, off + len, linkType);
      this.after(buf);
    } catch {
      // the last resort (HOUSE-STYLE 4.4): one bad packet never stops the sensor
      this.internalError();
    }
  }

  /** One UDP datagram received on the VXLAN port (daemon mode): starts at the VXLAN header. */
  datagram(buf: Uint8Array, off: number, len: number, tsMicros: number): void {
    this.begin(len, tsMicros);
    try {
      this.dec.decodeVxlanDatagram(buf, off, off + len);
      this.after(buf);
    } catch {
      this.internalError();
    }
  }

  /** Anomaly records suppressed by the rate limit. */
  get suppressed(): number {
    return this.throttle.suppressed;
  }

  private shardFrame(buf: Uint8Array, off: number, len: number, linkType: number): void {
    try {
      this.dec.decodeFrame(buf, off, off + len, linkType);
    } catch {
      // every thread decodes every packet: thread 0 counts it
      if ((this.shard as { index: number }).index === 0) this.internalError();
      return;
    }
    try {
      this.afterShard(buf);
    } catch {
      this.internalError();
    }
  }

  /** after() for one thread of several: the same steps, for this thread's flows only. */
  private afterShard(buf: Uint8Array): void {
    const sh = this.shard as { index: number; count: number; sink: ShardSink };
    const d = this.dec;
    const r: DecodeResult = d.r;
    const first = sh.index === 0;
    if (first) {
      for (let i = 0; i < r.layerCount; i++) {
        const k = r.layers[i] as LayerKind;
        this.layerCounts[k] = (this.layerCounts[k] as number) + 1;
      }
      if (r.truncated) this.truncated++;
      if (d.encapDepth > 0) this.tunnelled++;
    }
    const ts = this.now;
    const fl = this.flows;
    if (d.outer.family !== 0 && this.opts.logTunnelCarriers !== false) {
      const h = fl.keyOf(d.outer, -1, d.eth.vlanIds, 0);
      if (h % sh.count === sh.index) {
        const created = fl.created;
        const cf = fl.packet(d.outer, -1, d.eth.vlanIds, 0, ts, true, h);
        if (fl.created !== created) sh.sink.created(this.evPkt, 0, cf.serial, cf.hash);
      }
    }
    let f: Flow | null = null;
    const t = d.tuple;
    if (t.family !== 0) {
      if (first) this.decoded++;
      const h = fl.keyOf(t, d.vni, d.eth.vlanIds, d.eth.vlanCount);
      // another thread's flow: its packet, anomalies and payload are that thread's
      if (h % sh.count !== sh.index) return;
      const created = fl.created;
      f = fl.packet(t, d.vni, d.eth.vlanIds, d.eth.vlanCount, ts, false, h);
      if (fl.created !== created) sh.sink.created(this.evPkt, 1, f.serial, f.hash);
    } else if (!first) {
      return;
    }
    this.curFlow = f;
    this.pktVni = d.vni;
    for (let i = 0; i < r.anomalyCount; i++) this.anomaly(r.anomalies[i] as AnomalyCode, f, t);
    if (f === null || t.noL4) return;
    if (t.proto === IpProto.tcp) this.tcp(f, this.flows.lastDir, d.tcp.seq, d.tcp.flags, buf, d.payloadOff, d.payloadLen);
    else if (t.proto === IpProto.udp && d.payloadLen > 0) this.udp(f, t.srcPort, t.dstPort, this.flows.lastDir, buf, d.payloadOff, d.payloadOff + d.payloadLen);
  }

  private internalError(): void {
    this.internalErrors++;
    this.countAnomaly('internal.decoder_exception');
  }

  private begin(len: number, ts: number): void {
    this.packets++;
    this.evPkt = this.packets;
    this.bytes += len;
    if (ts > this.now) this.now = ts;
    // the sweep only frees memory and logs idle flows; a packet of an idle flow ends it exactly (FlowTable.packet)
    if (this.now - this.lastExpire >= EXPIRE_EVERY_MICROS) {
      this.lastExpire = this.now;
      this.flows.expire(this.now);
    }
  }

  private countAnomaly(code: AnomalyCode): void {
    this.anomalyCounts.set(code, (this.anomalyCounts.get(code) ?? 0) + 1);
  }

  private after(buf: Uint8Array): void {
    const d = this.dec;
    const r: DecodeResult = d.r;
    for (let i = 0; i < r.layerCount; i++) {
      const k = r.layers[i] as LayerKind;
      this.layerCounts[k] = (this.layerCounts[k] as number) + 1;
    }
    if (r.truncated) this.truncated++;
    if (d.encapDepth > 0) this.tunnelled++;
    const ts = this.now;
    if (d.outer.family !== 0 && this.opts.logTunnelCarriers !== false) {
      this.flows.packet(d.outer, -1, d.eth.vlanIds, 0, ts, true);
    }
    let f: Flow | null = null;
    const t = d.tuple;
    if (t.family !== 0) {
      this.decoded++;
      f = this.flows.packet(t, d.vni, d.eth.vlanIds, d.eth.vlanCount, ts);
    }
    this.curFlow = f;
    this.pktVni = d.vni;
    for (let i = 0; i < r.anomalyCount; i++) this.anomaly(r.anomalies[i] as AnomalyCode, f, t);
    if (f === null || t.noL4) return;
    if (t.proto === IpProto.tcp) this.tcp(f, this.flows.lastDir, d.tcp.seq, d.tcp.flags, buf, d.payloadOff, d.payloadLen);
    else if (t.proto === IpProto.udp && d.payloadLen > 0) this.udp(f, t.srcPort, t.dstPort, this.flows.lastDir, buf, d.payloadOff, d.payloadOff + d.payloadLen);
  }

  private ext(f: Flow): FlowExt {
    let e = f.ext as FlowExt | null;
    if (e === null) {
      e = { stream: null, parser: null, unparsed: false, tlsDone: false };
      f.ext = e;
    }
    return e;
  }

  private tcp(f: Flow, dir: 0 | 1, seq: number, flags: number, buf: Uint8Array, off: number, len: number): void {
    const factory = this.opts.streamParsers;
    if (!factory || f.isTunnelCarrier) return;
    const e = this.ext(f);
    if (e.unparsed) return;
    if (e.stream === null) {
      const parser = factory(this.sinkFor(f), { srcPort: f.srcPort, dstPort: f.dstPort });
      if (parser === null) {
        e.unparsed = true;
        return;
      }
      e.parser = parser;
      e.stream = new TcpStream(parser, (code) => this.anomaly(code, f, null), this.budget, this.reOpts);
    }
    e.stream.segment(dir, seq, flags, buf, off, len);
    const proto = e.parser?.protocol;
    if (proto === 'unknown' || e.tlsDone) {
      // nothing (more) to parse: an unknown protocol, or TLS past its logged handshake. Stop reassembling this flow
      // (frees its held segments); the flow itself is still counted and logged
      e.stream.finish();
      e.stream = null;
      e.parser = null;
      e.unparsed = true;
      if (this.unparsedOut !== null) this.unparsedOut[f.serial & (UNPARSED_SLOTS - 1)] = f.serial;
      if (proto && proto !== 'unknown') e.appProto = proto;
    } else if (!e.appProto && proto) e.appProto = proto;
  }

  private udp(f: Flow, srcPort: number, dstPort: number, dir: 0 | 1, buf: Uint8Array, off: number, end: number): void {
    if (f.isTunnelCarrier) return;
    const dnsPort = srcPort === 53 || dstPort === 53 || srcPort === 5353 || dstPort === 5353;
    if (!dnsPort && !looksLikeDns(buf, off, end)) return;
    const dns = decodeDns(buf, off, end, (code) => this.anomaly(code, f, null));
    if (dns === null) return;
    this.ext(f).appProto = 'dns';
    this.record(this.app(f, 'dns', dns, dir === 1), f.serial);
  }

  /** An app-layer record: the flow's header, then the body under its event type's key (`http`, `tls`, `dns`). */
  private app(f: Flow, type: string, body: unknown, reverse: boolean): EveRecord {
    const rec = eveHeader(f, type, this.now, { reverse, mirror: this.opts.mirror, seed: this.opts.communityIdSeed });
    rec[type] = body;
    return rec;
  }

  private sinkFor(f: Flow): AppSink {
    return {
      http: (tx: EveHttp) => this.record(this.app(f, 'http', tx, false), f.serial),
      tls: (tls: EveTls) => {
        this.record(this.app(f, 'tls', tls, false), f.serial);
        const e = f.ext as FlowExt | null;
        if (e) e.tlsDone = true;
      },
      dns: (dns: EveDns, dir: Direction) => this.record(this.app(f, 'dns', dns, dir === 1), f.serial),
      anomaly: (code, _dir) => this.anomaly(code, f, null),
    };
  }

  private anomaly(code: AnomalyCode, f: Flow | null, _t: Tuple | null): void {
    this.countAnomaly(code);
    // per-source throttle (Zeek's weird rate limiting): the key is built only when an anomaly happens
    const src = f ? `${f.vni}|${f.src.join('.')}` : `${this.pktVni}|-`;
    const key = `${src}|${code}`;
    const w = this.throttle.window(this.now);
    if (this.shard !== null) {
      // several threads: the merger applies the limit, in the merged order (shard.ts)
      const rec = eveAnomaly(code, this.now, f, { mirror: this.opts.mirror, vni: this.pktVni, seed: this.opts.communityIdSeed });
      this.shard.sink.record(rec, this.evPkt, f ? f.serial : -1, false, key, w);
      return;
    }
    if (!this.throttle.allow(key, w)) return;
    this.record(eveAnomaly(code, this.now, f, { mirror: this.opts.mirror, vni: this.pktVni, seed: this.opts.communityIdSeed }), f ? f.serial : -1);
  }

  /** `serial`: the record's flow (shard mode), -1 when none; `last`: the flow's final record. */
  private record(rec: EveRecord, serial: number, last = false): void {
    if (this.shard !== null) {
      this.shard.sink.record(rec, this.evPkt, serial, last, null, 0);
      return;
    }
    this.recordCounts.set(rec.event_type, (this.recordCounts.get(rec.event_type) ?? 0) + 1);
    this.emit(rec);
  }

  private flowEnded(f: Flow, reason: FlowEndReasonName, final: boolean): void {
    const e = f.ext as FlowExt | null;
    if (final && e?.stream) {
      const saved = this.curFlow;
      this.curFlow = f;
      e.stream.finish();
      e.parser?.end();
      if (!e.appProto && e.parser?.protocol && e.parser.protocol !== 'unknown') e.appProto = e.parser.protocol;
      this.curFlow = saved;
    }
    if (reason === 'forced') this.countAnomaly('flow.memcap_evicted');
    this.record(eveFlow(f, reason, { mirror: this.opts.mirror, seed: this.opts.communityIdSeed }), f.serial, final);
  }

  /**
   * Tape mode (tape.ts): this sensor is the back stage. `unparsed` (shared with the front) is where it marks the
   * flows it stopped parsing, so the front leaves their segments off the tape.
   */
  useTape(unparsed: Int32Array | null, emitLine?: LineFn): void {
    this.unparsedOut = unparsed;
    if (emitLine) this.emitLine = emitLine;
  }

  /** Records that come as JSON lines (the front's DNS records) without `useTape`'s emitLine: parsed, then emitted. */
  private emitLine: LineFn = (bytes, off, len) => {
    this.emit(JSON.parse(new TextDecoder().decode(bytes.subarray(off, off + len))) as EveRecord);
  };

  /** Replays one tape batch from the front: the steps `after()` takes past the flow lookup, on mirror flows. */
  applyTape(b: TapeBatch): void {
    const a = b.i32;
    const fl = b.f64;
    const bytes = b.bytes;
    const n = b.n32;
    let i = 0;
    let j = 0;
    while (i < n) {
      switch (a[i]) {
        case TapeEvent.now: {
          const ts = fl[j++] as number;
          if (ts > this.now) this.now = ts;
          i++;
          break;
        }
        case TapeEvent.flowNew: {
          this.mirrorNew(a, i, fl[j++] as number);
          i += FLOW_NEW_WORDS;
          break;
        }
        case TapeEvent.flowEnd: {
          const f = this.mirrors.get(a[i + 1] as number);
          const final = a[i + 3] === 1;
          if (f === undefined) throw new Error(`tape: end of unknown flow ${a[i + 1]}`);
          f.pktsToServer = a[i + 4] as number;
          f.pktsToClient = a[i + 5] as number;
          f.tcpFlagsTs = a[i + 6] as number;
          f.tcpFlagsTc = a[i + 7] as number;
          f.tcpState = TCP_STATES[a[i + 8] as number] as Flow['tcpState'];
          f.sawSyn = a[i + 9] === 1;
          f.respIcmpType = a[i + 10] as number;
          f.respIcmpCode = a[i + 11] as number;
          f.bytesToServer = fl[j++] as number;
          f.bytesToClient = fl[j++] as number;
          f.startMicros = fl[j++] as number;
          f.lastMicros = fl[j++] as number;
          try {
            this.flowEnded(f, REASONS[a[i + 2] as number] as FlowEndReasonName, final);
          } catch {
            this.internalError();
          }
          if (final) {
            this.mirrors.delete(f.serial);
            f.ext = null;
            if (this.freeMirrors.length < 4096) this.freeMirrors.push(f);
          }
          i += FLOW_END_WORDS;
          break;
        }
        case TapeEvent.packet: {
          const serial = a[i + 1] as number;
          const f = serial >= 0 ? (this.mirrors.get(serial) ?? null) : null;
          const dir = a[i + 2] as 0 | 1;
          const kind = a[i + 3] as number;
          const off = a[i + 6] as number;
          const len = a[i + 7] as number;
          const count = a[i + 9] as number;
          this.pktVni = a[i + 8] as number;
          this.curFlow = f;
          try {
            for (let k = 0; k < count; k++) this.anomaly(ANOMALY_CODES[a[i + PACKET_WORDS + k] as number] as AnomalyCode, f, null);
            if (f !== null) {
              if (kind === TapePayload.tcp) this.tcp(f, dir, (a[i + 4] as number) >>> 0, a[i + 5] as number, bytes, off, len);
              else if (kind === TapePayload.udp) {
                const sp = dir === 0 ? f.srcPort : f.dstPort;
                const dp = dir === 0 ? f.dstPort : f.srcPort;
                this.udp(f, sp, dp, dir, bytes, off, off + len);
              }
            }
          } catch {
            this.internalError();
          }
          i += PACKET_WORDS + count;
          break;
        }
        case TapeEvent.dns: {
          const f = this.mirrors.get(a[i + 1] as number);
          if (f === undefined) throw new Error(`tape: DNS of unknown flow ${a[i + 1]}`);
          const off = a[i + 2] as number;
          const len = a[i + 3] as number;
          const count = a[i + 4] as number;
          this.curFlow = f;
          try {
            for (let k = 0; k < count; k++) this.anomaly(ANOMALY_CODES[a[i + DNS_WORDS + k] as number] as AnomalyCode, f, null);
            if (len > 0) {
              this.ext(f).appProto = 'dns';
              this.recordCounts.set('dns', (this.recordCounts.get('dns') ?? 0) + 1);
              this.emitLine(bytes, off, len, 'dns', this.now);
            }
          } catch {
            this.internalError();
          }
          i += DNS_WORDS + count;
          break;
        }
        default:
          throw new Error(`tape: unknown event ${a[i]} at word ${i}`);
      }
    }
  }

  private mirrorNew(a: Int32Array, i: number, start: number): void {
    const f = this.freeMirrors.pop() ?? new Flow();
    f.serial = a[i + 1] as number;
    f.family = a[i + 2] as number;
    for (let k = 0; k < 4; k++) {
      f.src[k] = a[i + 3 + k] as number;
      f.dst[k] = a[i + 7 + k] as number;
    }
    f.proto = a[i + 11] as number;
    f.srcPort = a[i + 12] as number;
    f.dstPort = a[i + 13] as number;
    f.vni = a[i + 14] as number;
    f.vlanCount = a[i + 15] as number;
    for (let k = 0; k < MAX_FLOW_VLANS; k++) f.vlans[k] = a[i + 16 + k] as number;
    f.icmpType = a[i + 19] as number;
    f.icmpCode = a[i + 20] as number;
    f.noL4 = a[i + 21] === 1;
    f.isTunnelCarrier = a[i + 22] === 1;
    f.hash = a[i + 23] as number;
    f.respIcmpType = f.respIcmpCode = -1;
    f.startMicros = f.lastMicros = start;
    f.ext = null;
    f.communityId = '';
    f.srcIpText = f.dstIpText = '';
    this.mirrors.set(f.serial, f);
  }

  /** Wall-clock tick for a live sensor: idle flows end even when no packet arrives. */
  tick(nowMicros: number): void {
    if (nowMicros > this.now) this.now = nowMicros;
    this.lastExpire = this.now;
    this.flows.expire(this.now);
  }

  /** The capture file ended inside a record (a cut download, a capture still being written). */
  countTruncatedCapture(_danglingBytes: number): void {
    this.countAnomaly('pcap.truncated_record');
  }

  /** End of input: every flow is logged (reason shutdown). */
  finish(): void {
    this.evPkt = this.packets + 1;
    this.flows.flush();
  }

  stats(): SensorStats {
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
      anomalies: Object.fromEntries([...this.anomalyCounts].sort(([a], [b]) => a.localeCompare(b))),
      anomaly_records_suppressed: this.suppressed,
      records: Object.fromEntries(this.recordCounts),
      flows: { created: this.flows.created, evicted: this.flows.evicted, active: this.flows.size },
      stream: { gaps: this.anomalyCounts.get('stream.gap') ?? 0, memcap_used: this.budget.used },
      internal_errors: this.internalErrors,
    };
  }
}


/** One run's stats in tape mode: the front's packet, layer and flow counts with the back's anomalies, records and streams. */
export function combineTapeStats(front: FrontStats, back: SensorStats): SensorStats {
  const anomalies: Record<string, number> = { ...back.anomalies };
  for (const [k, v] of Object.entries(front.anomalies)) anomalies[k] = (anomalies[k] ?? 0) + v;
  return {
    ...back,
    packets: front.packets,
    bytes: front.bytes,
    decoded: front.decoded,
    truncated: front.truncated,
    tunnelled: front.tunnelled,
    layers: front.layers,
    anomalies: Object.fromEntries(Object.entries(anomalies).sort(([a], [b]) => a.localeCompare(b))),
    flows: front.flows,
    internal_errors: front.internal_errors + back.internal_errors,
  };
}
