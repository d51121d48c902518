/**
 * Bidirectional flow table keyed by (VNI, VLAN IDs, protocol, both endpoints), one Flow per conversation whichever
 * side sends. Lookups allocate nothing: a symmetric numeric hash picks a bucket in a Map<number, Flow> whose flows
 * chain through `nextInBucket`; every flow also sits on an LRU list (most recent first), so idle expiry walks from
 * the tail and the memory cap evicts the least recently seen flow (counted as `flow.memcap_evicted`).
 *
 * Direction: the first packet's sender is the client ("to_server"), except a TCP SYN+ACK first, whose receiver is
 * (Suricata does the same). TCP state follows RFC 9293 §3.3.2 loosely, as a passive observer can.
 */
import { IpProto, type Tuple } from './decode.ts';
import { TcpFlag } from './tcp.ts';

export const TcpState = {
  none: 'none',
  synSent: 'syn_sent',
  synRecv: 'syn_recv',
  established: 'established',
  finWait1: 'fin_wait1',
  closing: 'closing',
  closed: 'closed',
} as const;
export type TcpStateName = (typeof TcpState)[keyof typeof TcpState];

export const FlowEndReason = { timeout: 'timeout', forced: 'forced', shutdown: 'shutdown' } as const;
export type FlowEndReasonName = (typeof FlowEndReason)[keyof typeof FlowEndReason];

export const MAX_FLOW_VLANS = 3;

export interface FlowTableOptions {
  /** Most flows held at once; past it the least recently seen flow is evicted. Why 65536: ~30 MB of flow state. */
  maxFlows: number;
  /** Idle timeouts in seconds, Suricata's default `flow-timeouts` ("new" until both directions were seen). */
  tcpEstablishedTimeout: number;
  tcpClosedTimeout: number;
  tcpNewTimeout: number;
  udpNewTimeout: number;
  udpEstablishedTimeout: number;
  otherNewTimeout: number;
  otherEstablishedTimeout: number;
  /** A long-lived flow is logged and its counters restarted after this many seconds (like VPC flow logs' window). */
  activeTimeout: number;
}

export const DEFAULT_FLOW_OPTIONS: FlowTableOptions = {
  maxFlows: 65536,
  tcpEstablishedTimeout: 600,
  tcpClosedTimeout: 60,
  tcpNewTimeout: 60,
  udpNewTimeout: 30,
  udpEstablishedTimeout: 300,
  otherNewTimeout: 30,
  otherEstablishedTimeout: 300,
  activeTimeout: 1800,
};

export class Flow {
  family = 0;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  proto = 0;
  srcPort = 0;
  dstPort = 0;
  /** -1 when not tunnelled. */
  vni = -1;
  readonly vlans: number[] = new Array<number>(MAX_FLOW_VLANS).fill(0);
  vlanCount = 0;
  icmpType = -1;
  icmpCode = -1;
  respIcmpType = -1;
  respIcmpCode = -1;
  noL4 = true;
  /** True for the outer carrier flow of a tunnel (logged like Suricata, never parsed). */
  isTunnelCarrier = false;

  pktsToServer = 0;
  pktsToClient = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  startMicros = 0;
  lastMicros = 0;
  tcpFlagsTs = 0;
  tcpFlagsTc = 0;
  tcpState: TcpStateName = TcpState.none;
  finToServer = false;
  finToClient = false;
  /** Set when any direction saw data (for "established" on non-TCP). */
  seenToClient = false;
  /** A SYN was seen (either direction): without one Suricata (midstream off) keeps the flow "new". */
  sawSyn = false;
  /** Monotonic per table; with the key hash it makes the EVE flow_id. */
  serial = 0;
  hash = 0;
  /** Community ID, computed at the first record (eve.ts). */
  communityId = '';
  /** Address texts, made at the first record (eve.ts); '' until then. */
  srcIpText = '';
  dstIpText = '';
  communityIdSeed = 0;
  /** Opaque per-flow state owned by the sensor (reassembly, app parsers, app_proto). */
  ext: unknown = null;

  nextInBucket: Flow | null = null;
  /** Which LRU list the flow is on (FlowTable: 0 short timeouts, 1 long timeouts). */
  lruList = 0;
  lruPrev: Flow | null = null;
  lruNext: Flow | null = null;
}

/** `final` is false for an active-timeout report: the flow goes on with fresh counters and its parsing state. */
export type FlowEndFn = (f: Flow, reason: FlowEndReasonName, final: boolean) => void;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function endpointHash(a: Uint32Array, port: number): number {
  return mix(((a[0] as number) ^ Math.imul(a[1] as number, 31) ^ Math.imul(a[2] as number, 961) ^ Math.imul(a[3] as number, 29791) ^ (port << 7)) >>> 0);
}

/** ICMP flows: request and reply share a flow (key ports = the lower/higher of type and its counterpart). */
function icmpKeyPorts(proto: number, ty: number, code: number): number {
  if (proto === IpProto.icmp) {
    if (ty === 0 || ty === 8) return 8;
    if (ty === 13 || ty === 14) return 13;
    if (ty === 15 || ty === 16) return 15;
    if (ty === 17 || ty === 18) return 17;
    if (ty === 9 || ty === 10) return 9;
  } else {
    if (ty === 128 || ty === 129) return 128;
    if (ty === 133 || ty === 134) return 133;
    if (ty === 135 || ty === 136) return 135;
  }
  return 256 + ty * 256 + code;
}

const isIcmpProto = (p: number): boolean => p === IpProto.icmp || p === IpProto.icmpv6;

/** Buckets to start with; the array doubles when flows outnumber it 3:4 (so chains stay about one flow long). */
const MIN_BUCKETS = 1024;

export class FlowTable {
  /** Chains of flows by `hash & mask` (a plain array: no Map hashing on the per-packet path). */
  private buckets: (Flow | null)[] = new Array<Flow | null>(MIN_BUCKETS).fill(null);
  private mask = MIN_BUCKETS - 1;
  /**
   * Two LRU lists, each ordered by last packet time: flows whose current idle timeout is short (new, closed) and
   * flows whose timeout is long (established). The sweep walks each from its tail and stops at the first flow fresher
   * than that list's shortest timeout, so established flows are not re-walked every sweep.
   */
  private readonly lru: [LruList, LruList] = [new LruList(), new LruList()];
  private readonly free: Flow[] = [];
  private serial = 0;
  size = 0;
  created = 0;
  evicted = 0;
  /** Direction of the last looked-up packet: 0 to_server, 1 to_client. */
  lastDir: 0 | 1 = 0;
  /**
   * The last tunnel carrier flow looked up (null once it ended): a mirror target receives every packet on a handful
   * of carrier flows, so checking this one first skips the hash and the bucket walk for nearly all of them.
   */
  private lastCarrier: Flow | null = null;
  private readonly opts: FlowTableOptions;
  private readonly onEnd: FlowEndFn;

  constructor(onEnd: FlowEndFn, opts: Partial<FlowTableOptions> = {}) {
    this.onEnd = onEnd;
    this.opts = { ...DEFAULT_FLOW_OPTIONS, ...opts };
  }

  /**
   * The flow key's hash (symmetric: both directions of a conversation get the same value, 30 bits). The sensor's
   * threads shard flows by it (sensor.ts `shard`).
   */
  keyOf(t: Tuple, vni: number, vlans: readonly number[], vlanCount: number): number {
    return this.keyHash(t, vni, vlans, vlanCount > MAX_FLOW_VLANS ? MAX_FLOW_VLANS : vlanCount);
  }

  private keyHash(t: Tuple, vni: number, vlans: readonly number[], vlanCount: number): number {
    const icmp = isIcmpProto(t.proto);
    const sp = icmp ? icmpKeyPorts(t.proto, t.icmpType, t.icmpCode) : t.srcPort;
    const dp = icmp ? sp : t.dstPort;
    // addition is commutative, so both directions land in one bucket
    let h = (endpointHash(t.src, sp) + endpointHash(t.dst, dp)) >>> 0;
    h = mix(h ^ (t.proto << 24) ^ (vni + 1));
    for (let i = 0; i < vlanCount; i++) h = mix(h ^ (vlans[i] as number));
    // 30 bits: a small integer (Smi) in V8, so the Map lookup allocates nothing
    return h & 0x3fffffff;
  }

  /** 0: same orientation, 1: reversed, -1: not this flow. */
  private match(f: Flow, t: Tuple, vni: number, vlans: readonly number[], vlanCount: number): number {
    if (f.proto !== t.proto || f.family !== t.family || f.vni !== vni || f.vlanCount !== vlanCount) return -1;
    for (let i = 0; i < vlanCount; i++) if (f.vlans[i] !== vlans[i]) return -1;
    const icmp = isIcmpProto(t.proto);
    if (icmp && icmpKeyPorts(t.proto, t.icmpType, t.icmpCode) !== icmpKeyPorts(f.proto, f.icmpType, f.icmpCode)) return -1;
    const fwdPorts = icmp || (f.srcPort === t.srcPort && f.dstPort === t.dstPort);
    if (fwdPorts && eq(f.src, t.src) && eq(f.dst, t.dst)) {
      // an ICMP reply from the same host to itself is still "forward"; fine
      return 0;
    }
    const revPorts = icmp || (f.srcPort === t.dstPort && f.dstPort === t.srcPort);
    if (revPorts && eq(f.src, t.dst) && eq(f.dst, t.src)) return 1;
    return -1;
  }

  /**
   * Finds or creates the flow of this packet and accounts it (packets, bytes, flags, state). `lastDir` tells the
   * packet's direction afterwards. `hash`: the packet's `keyOf()` when the caller already has it.
   */
  packet(t: Tuple, vni: number, vlans: readonly number[], vlanCount: number, now: number, carrier = false, hash = -1): Flow {
    const vc = vlanCount > MAX_FLOW_VLANS ? MAX_FLOW_VLANS : vlanCount;
    let f: Flow | null = null;
    let dir = -1;
    let h = hash;
    const lc = carrier ? this.lastCarrier : null;
    if (lc !== null) {
      dir = this.match(lc, t, vni, vlans, vc);
      if (dir >= 0) {
        f = lc;
        h = lc.hash;
      }
    }
    if (f === null) {
      if (h < 0) h = this.keyHash(t, vni, vlans, vc);
      f = this.buckets[h & this.mask] as Flow | null;
      while (f !== null) {
        dir = this.match(f, t, vni, vlans, vc);
        if (dir >= 0) break;
        f = f.nextInBucket;
      }
    }
    if (f !== null && now - f.lastMicros > this.idleTimeout(f) * 1e6) {
      // idle past its timeout but not swept yet: it ends here, and this packet starts a new flow
      this.end(f, FlowEndReason.timeout);
      f = null;
    } else if (f !== null && isReuse(f, t)) {
      // a fresh SYN on a finished session: the port pair was reused, so this is a new conversation (Suricata's
      // TCP session reuse); the old one is logged as timed out
      this.end(f, FlowEndReason.timeout);
      f = null;
    }
    if (f === null) {
      f = this.create(t, vni, vlans, vc, now, h, carrier);
      dir = 0;
      if (t.proto === IpProto.tcp && !t.noL4 && (t.tcpFlags & (TcpFlag.syn | TcpFlag.ack)) === (TcpFlag.syn | TcpFlag.ack)) {
        // we joined at the SYN+ACK: the receiver is the client
        swapEndpoints(f);
        dir = 1;
      }
    } else if (now - f.startMicros > this.opts.activeTimeout * 1e6) {
      this.onEnd(f, FlowEndReason.timeout, false);
      restart(f, now);
    }
    this.lastDir = dir as 0 | 1;
    account(f, t, dir as 0 | 1, now);
    this.touch(f);
    if (carrier) this.lastCarrier = f;
    return f;
  }

  private create(t: Tuple, vni: number, vlans: readonly number[], vc: number, now: number, h: number, carrier: boolean): Flow {
    if (this.size >= this.opts.maxFlows) {
      const victim = this.oldest();
      if (victim !== null) {
        this.evicted++;
        this.end(victim, FlowEndReason.forced);
      }
    }
    const f = this.free.pop() ?? new Flow();
    f.family = t.family;
    f.src.set(t.src);
    f.dst.set(t.dst);
    f.proto = t.proto;
    f.srcPort = t.srcPort;
    f.dstPort = t.dstPort;
    f.noL4 = t.noL4;
    f.icmpType = t.icmpType;
    f.icmpCode = t.icmpCode;
    f.respIcmpType = -1;
    f.respIcmpCode = -1;
    f.vni = vni;
    f.vlanCount = vc;
    for (let i = 0; i < vc; i++) f.vlans[i] = vlans[i] as number;
    f.isTunnelCarrier = carrier;
    f.hash = h;
    f.serial = ++this.serial;
    f.ext = null;
    f.communityId = '';
    f.srcIpText = '';
    f.dstIpText = '';
    restart(f, now);
    f.tcpState = TcpState.none;
    f.finToServer = f.finToClient = false;
    if (this.size >= (this.buckets.length >> 2) * 3) this.grow();
    const bi = h & this.mask;
    f.nextInBucket = this.buckets[bi] as Flow | null;
    this.buckets[bi] = f;
    f.lruList = this.listFor(f);
    (this.lru[f.lruList] as LruList).pushHead(f);
    this.size++;
    this.created++;
    return f;
  }

  /** Moves the flow to the head of the list its current timeout belongs to. */
  private touch(f: Flow): void {
    const want = this.listFor(f);
    const cur = this.lru[f.lruList] as LruList;
    if (want === f.lruList && cur.head === f) return;
    cur.unlink(f);
    f.lruList = want;
    (this.lru[want] as LruList).pushHead(f);
  }

  private listFor(f: Flow): number {
    return this.idleTimeout(f) > LONG_TIMEOUT_SECONDS ? 1 : 0;
  }

  /** The least recently seen flow of both lists. */
  private oldest(): Flow | null {
    const a = this.lru[0].tail;
    const b = this.lru[1].tail;
    if (a === null) return b;
    if (b === null) return a;
    return a.lastMicros <= b.lastMicros ? a : b;
  }

  private end(f: Flow, reason: FlowEndReasonName): void {
    if (this.lastCarrier === f) this.lastCarrier = null;
    this.onEnd(f, reason, true);
    // bucket unlink
    const bi = f.hash & this.mask;
    let p = this.buckets[bi] as Flow | null;
    if (p === f) {
      this.buckets[bi] = f.nextInBucket;
    } else {
      while (p !== null && p.nextInBucket !== f) p = p.nextInBucket;
      if (p) p.nextInBucket = f.nextInBucket;
    }
    (this.lru[f.lruList] as LruList).unlink(f);
    f.nextInBucket = null;
    f.ext = null;
    this.size--;
    this.free.push(f);
  }

  /** Doubles the bucket array; chains are rebuilt (their order never matters: a key has at most one live flow). */
  private grow(): void {
    const old = this.buckets;
    const n = old.length * 2;
    const b = new Array<Flow | null>(n).fill(null);
    const mask = n - 1;
    for (let i = 0; i < old.length; i++) {
      let f = old[i] as Flow | null;
      while (f !== null) {
        const next = f.nextInBucket;
        const bi = f.hash & mask;
        f.nextInBucket = b[bi] as Flow | null;
        b[bi] = f;
        f = next;
      }
    }
    this.buckets = b;
    this.mask = mask;
  }

  private idleTimeout(f: Flow): number {
    const o = this.opts;
    if (f.proto === IpProto.tcp) {
      // both FINs seen (closing) is as good as closed: nothing but the last ACKs will follow
      if (f.tcpState === TcpState.closed || f.tcpState === TcpState.closing) return o.tcpClosedTimeout;
      if (f.tcpState === TcpState.established || f.tcpState === TcpState.finWait1) return o.tcpEstablishedTimeout;
      return o.tcpNewTimeout;
    }
    const est = f.pktsToServer > 0 && f.pktsToClient > 0;
    if (f.proto === IpProto.udp) return est ? o.udpEstablishedTimeout : o.udpNewTimeout;
    return est ? o.otherEstablishedTimeout : o.otherNewTimeout;
  }

  /**
   * Ends flows idle longer than their timeout. Walks from the LRU tail; stops at the first flow not yet idle past the
   * longest timeout. Call it as time advances (the sensor does so at most once per second of packet time).
   */
  expire(now: number): number {
    let n = 0;
    const o = this.opts;
    const all = [o.tcpEstablishedTimeout, o.tcpClosedTimeout, o.tcpNewTimeout, o.udpNewTimeout, o.udpEstablishedTimeout, o.otherNewTimeout, o.otherEstablishedTimeout];
    const floors = [Math.min(...all), Math.min(...all.filter((x) => x > LONG_TIMEOUT_SECONDS), Number.POSITIVE_INFINITY)];
    for (let li = 0; li < 2; li++) {
      // each list is ordered by last packet time: once a flow is fresher than the list's shortest timeout, all the rest are
      const floor = (floors[li] as number) * 1e6;
      let f = (this.lru[li] as LruList).tail;
      while (f !== null) {
        const prev = f.lruPrev;
        const idle = now - f.lastMicros;
        if (idle > this.idleTimeout(f) * 1e6) {
          this.end(f, FlowEndReason.timeout);
          n++;
        } else if (idle <= floor) {
          break;
        }
        f = prev;
      }
    }
    return n;
  }

  /** Ends every flow (end of a pcap, daemon shutdown). */
  flush(reason: FlowEndReasonName = FlowEndReason.shutdown): void {
    // least recently seen first, across both lists
    for (let f = this.oldest(); f !== null; f = this.oldest()) this.end(f, reason);
  }
}

/** Timeouts above this (seconds) put a flow on the "long" LRU list. */
const LONG_TIMEOUT_SECONDS = 120;

/** A doubly linked list of flows through lruPrev/lruNext, most recent at the head. */
class LruList {
  head: Flow | null = null;
  tail: Flow | null = null;

  pushHead(f: Flow): void {
    f.lruPrev = null;
    f.lruNext = this.head;
    if (this.head) this.head.lruPrev = f;
    this.head = f;
    if (!this.tail) this.tail = f;
  }

  unlink(f: Flow): void {
    if (f.lruPrev) f.lruPrev.lruNext = f.lruNext;
    if (f.lruNext) f.lruNext.lruPrev = f.lruPrev;
    if (this.head === f) this.head = f.lruNext;
    if (this.tail === f) this.tail = f.lruPrev;
    f.lruPrev = f.lruNext = null;
  }
}

function isReuse(f: Flow, t: Tuple): boolean {
  return (
    f.proto === IpProto.tcp &&
    !t.noL4 &&
    (t.tcpFlags & (TcpFlag.syn | TcpFlag.ack)) === TcpFlag.syn &&
    (f.tcpState === TcpState.closed || f.tcpState === TcpState.closing)
  );
}

function eq(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

function swapEndpoints(f: Flow): void {
  for (let i = 0; i < 4; i++) {
    const x = f.src[i] as number;
    f.src[i] = f.dst[i] as number;
    f.dst[i] = x;
  }
  const p = f.srcPort;
  f.srcPort = f.dstPort;
  f.dstPort = p;
}

function restart(f: Flow, now: number): void {
  f.pktsToServer = f.pktsToClient = 0;
  f.bytesToServer = f.bytesToClient = 0;
  f.startMicros = f.lastMicros = now;
  f.tcpFlagsTs = f.tcpFlagsTc = 0;
  f.seenToClient = false;
  f.sawSyn = false;
}

function account(f: Flow, t: Tuple, dir: 0 | 1, now: number): void {
  if (now > f.lastMicros) f.lastMicros = now;
  if (dir === 0) {
    f.pktsToServer++;
    f.bytesToServer += t.length;
  } else {
    f.pktsToClient++;
    f.bytesToClient += t.length;
    f.seenToClient = true;
    if (f.respIcmpType < 0 && t.icmpType >= 0) {
      f.respIcmpType = t.icmpType;
      f.respIcmpCode = t.icmpCode;
    }
  }
  if (f.proto !== IpProto.tcp || t.noL4) return;
  const fl = t.tcpFlags;
  if (fl & TcpFlag.syn) f.sawSyn = true;
  if (dir === 0) f.tcpFlagsTs |= fl;
  else f.tcpFlagsTc |= fl;
  if (fl & TcpFlag.rst) {
    f.tcpState = TcpState.closed;
    return;
  }
  switch (f.tcpState) {
    case TcpState.none:
      if ((fl & (TcpFlag.syn | TcpFlag.ack)) === TcpFlag.syn) f.tcpState = TcpState.synSent;
      else if ((fl & (TcpFlag.syn | TcpFlag.ack)) === (TcpFlag.syn | TcpFlag.ack)) f.tcpState = TcpState.synRecv;
      else f.tcpState = TcpState.established; // joined mid-stream (one-sided or late mirror)
      break;
    case TcpState.synSent:
      if (dir === 1 && (fl & (TcpFlag.syn | TcpFlag.ack)) === (TcpFlag.syn | TcpFlag.ack)) f.tcpState = TcpState.synRecv;
      else if (dir === 0 && (fl & TcpFlag.ack) && !(fl & TcpFlag.syn)) f.tcpState = TcpState.established; // SYN-reply unseen (one-sided)
      break;
    case TcpState.synRecv:
      if ((fl & TcpFlag.ack) && !(fl & TcpFlag.syn)) f.tcpState = TcpState.established;
      break;
    default:
      break;
  }
  if (fl & TcpFlag.fin) {
    if (dir === 0) f.finToServer = true;
    else f.finToClient = true;
    f.tcpState = f.finToServer && f.finToClient ? TcpState.closing : TcpState.finWait1;
  } else if (f.tcpState === TcpState.closing && (fl & TcpFlag.ack)) {
    f.tcpState = TcpState.closed;
  }
}
