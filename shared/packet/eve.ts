/**
 * EVE JSON record builders (Suricata 8 field names and spellings, ARCHITECTURE.md "Sensor records"): the common
 * header (timestamp, flow_id, event_type, addresses, proto, community_id, vlan, vxlan, mirror) and the `flow` and
 * `anomaly` bodies. Strings are made here, once per record, never per packet.
 */
import type { AnomalyCode } from './anomalies.ts';
import { ipToString } from './addr.ts';
import { communityId } from './community-id.ts';
import { IpProto, Tuple } from './decode.ts';
import type { Flow, FlowEndReasonName } from './flow.ts';
import { TcpFlag, tcpFlagsHex } from './tcp.ts';

export interface MirrorInfo {
  session_id: string;
  source_eni: string;
  instance_id?: string;
}

/** VNI -> mirror session (the mirror manager writes this map; the daemon reloads it). */
export type VniLookup = (vni: number) => MirrorInfo | undefined;

export type EveRecord = Record<string, unknown> & { timestamp: string; event_type: string };

/** Suricata spells protocols by IANA keyword; IPv6-ICMP for 58. */
const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'IPv6-ICMP', 103: 'PIM', 112: 'VRRP', 132: 'SCTP',
};

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * The date part of a timestamp (`2009-11-24T21:27:09.`) by second, direct-mapped: app records are stamped with the
 * packet time and flow records with their start, so a one-entry cache would flip between a few seconds.
 */
const PREFIX_SLOTS = 256;
const prefixSecond = new Float64Array(PREFIX_SLOTS).fill(Number.NaN);
const prefixText: string[] = new Array<string>(PREFIX_SLOTS).fill('');

/** Suricata's EVE timestamp: `2009-11-24T21:27:09.534255+0000` (UTC, microseconds). */
export function eveTimestamp(micros: number): string {
  const sec = Math.floor(micros / 1e6);
  const slot = sec & (PREFIX_SLOTS - 1);
  let cachedPrefix = prefixText[slot] as string;
  if (prefixSecond[slot] !== sec) {
    const d = new Date(sec * 1000);
    cachedPrefix = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.`;
    prefixSecond[slot] = sec;
    prefixText[slot] = cachedPrefix;
  }
  const us = Math.floor(micros) - sec * 1e6;
  if (!(us >= 0 && us < 1e6)) return `${cachedPrefix}${String(us).padStart(6, '0')}+0000`; // NaN: as before
  const ms = (us / 1000) | 0;
  return cachedPrefix + (DIGITS3[ms] as string) + (DIGITS3[us - ms * 1000] as string) + '+0000';
}

/** '000' to '999': the microseconds as two table lookups instead of a number conversion and a pad. */
const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, v) => String(v).padStart(3, '0'));

/**
 * Suricata's flow_id is a 64-bit hash; JSON readers lose precision past 2^53, so ours is the key hash (32 bits) and
 * the table serial (21 bits): unique per run, stable for one flow across its records.
 */
export function flowId(f: Flow): number {
  return (f.hash >>> 0) * 2097152 + (f.serial % 2097152);
}

const scratchTuple = new Tuple();

/** The flow's tuple as its client saw it (for Community ID). */
export function flowTuple(f: Flow): Tuple {
  const t = scratchTuple;
  t.family = f.family;
  t.src.set(f.src);
  t.dst.set(f.dst);
  t.proto = f.proto;
  t.srcPort = f.srcPort;
  t.dstPort = f.dstPort;
  t.icmpType = f.icmpType;
  t.icmpCode = f.icmpCode;
  t.noL4 = f.noL4;
  return t;
}

function hasPorts(f: Flow): boolean {
  return !f.noL4 && (f.proto === IpProto.tcp || f.proto === IpProto.udp || f.proto === 132);
}

export interface HeaderOptions {
  /** Swap source and destination (a record about a server-sent message, e.g. a DNS response). */
  reverse?: boolean;
  mirror?: VniLookup;
  /** Community ID seed (Suricata's `community-id-seed`), default 0. */
  seed?: number;
}

/** The fields every record of a flow starts with, in Suricata's order. */
export function eveHeader(f: Flow, eventType: string, tsMicros: number, opts: HeaderOptions = {}): EveRecord {
  const rev = opts.reverse === true;
  // once per flow, like the Community ID (a flow's records all name the same two addresses)
  if (f.srcIpText === '') {
    f.srcIpText = ipToString(f.src, f.family);
    f.dstIpText = ipToString(f.dst, f.family);
  }
  let rec: EveRecord;
  if (f.vlanCount === 0 && hasPorts(f) && f.icmpType < 0) {
    // the usual record (TCP/UDP, no VLAN) starts as one literal: its keys are made in one step, in the same order
    rec = {
      timestamp: eveTimestamp(tsMicros),
      flow_id: flowId(f),
      event_type: eventType,
      src_ip: rev ? f.dstIpText : f.srcIpText,
      src_port: rev ? f.dstPort : f.srcPort,
      dest_ip: rev ? f.srcIpText : f.dstIpText,
      dest_port: rev ? f.srcPort : f.dstPort,
      ip_v: f.family,
      proto: protoName(f.proto),
    };
  } else {
    rec = {
      timestamp: eveTimestamp(tsMicros),
      flow_id: flowId(f),
      event_type: eventType,
    } as EveRecord;
    if (f.vlanCount > 0) rec.vlan = f.vlans.slice(0, f.vlanCount);
    rec.src_ip = rev ? f.dstIpText : f.srcIpText;
    if (hasPorts(f)) rec.src_port = rev ? f.dstPort : f.srcPort;
    rec.dest_ip = rev ? f.srcIpText : f.dstIpText;
    if (hasPorts(f)) rec.dest_port = rev ? f.srcPort : f.dstPort;
    rec.ip_v = f.family;
    rec.proto = protoName(f.proto);
  }
  const ext = f.ext as { appProto?: string } | null;
  if (ext?.appProto) rec.app_proto = ext.appProto;
  if (f.icmpType >= 0) {
    rec.icmp_type = rev && f.respIcmpType >= 0 ? f.respIcmpType : f.icmpType;
    rec.icmp_code = rev && f.respIcmpCode >= 0 ? f.respIcmpCode : f.icmpCode;
  }
  // once per flow (and seed): SHA-1 is the costliest part of a record
  const seed = opts.seed ?? 0;
  if (f.communityId === '' || f.communityIdSeed !== seed) {
    f.communityId = communityId(flowTuple(f), seed);
    f.communityIdSeed = seed;
  }
  rec.community_id = f.communityId;
  if (f.vni >= 0) {
    rec.vxlan = { vni: f.vni };
    const m = opts.mirror?.(f.vni);
    if (m) rec.mirror = { ...m };
  }
  return rec;
}

function tcpFlagObject(flags: number, out: Record<string, unknown>): void {
  if (flags & TcpFlag.syn) out.syn = true;
  if (flags & TcpFlag.fin) out.fin = true;
  if (flags & TcpFlag.rst) out.rst = true;
  if (flags & TcpFlag.psh) out.psh = true;
  if (flags & TcpFlag.ack) out.ack = true;
  if (flags & TcpFlag.urg) out.urg = true;
  if (flags & TcpFlag.ece) out.ecn = true;
  if (flags & TcpFlag.cwr) out.cwr = true;
}

/**
 * Suricata's flow.state: new, established, closed. TCP: a session joined without any SYN stays "new" (Suricata's
 * default `stream.midstream: false`); both FINs or a RST make it "closed".
 */
function flowState(f: Flow): string {
  if (f.proto === IpProto.tcp) {
    if (!f.sawSyn) return 'new';
    if (f.tcpState === 'closed' || f.tcpState === 'closing') return 'closed';
    if (f.tcpState === 'established' || f.tcpState === 'fin_wait1') return 'established';
    return 'new';
  }
  return f.pktsToClient > 0 && f.pktsToServer > 0 ? 'established' : 'new';
}

export function eveFlow(f: Flow, reason: FlowEndReasonName, opts: HeaderOptions = {}): EveRecord {
  const rec = eveHeader(f, 'flow', f.startMicros, opts);
  if (f.icmpType >= 0 && f.respIcmpType >= 0) {
    rec.response_icmp_type = f.respIcmpType;
    rec.response_icmp_code = f.respIcmpCode;
  }
  rec.flow = {
    pkts_toserver: f.pktsToServer,
    pkts_toclient: f.pktsToClient,
    bytes_toserver: f.bytesToServer,
    bytes_toclient: f.bytesToClient,
    start: rec.timestamp, // the header's timestamp is the flow's start
    end: eveTimestamp(f.lastMicros),
    age: Math.floor(f.lastMicros / 1e6) - Math.floor(f.startMicros / 1e6),
    state: flowState(f),
    reason,
    alerted: false,
  };
  if (f.proto === IpProto.tcp && !f.noL4) {
    const tcp: Record<string, unknown> = {
      tcp_flags: tcpFlagsHex(f.tcpFlagsTs | f.tcpFlagsTc),
      tcp_flags_ts: tcpFlagsHex(f.tcpFlagsTs),
      tcp_flags_tc: tcpFlagsHex(f.tcpFlagsTc),
    };
    tcpFlagObject(f.tcpFlagsTs | f.tcpFlagsTc, tcp);
    tcp.state = f.tcpState;
    rec.tcp = tcp;
  }
  return rec;
}

/** Suricata's anomaly.type: decode (packet layers), stream, applayer (http/tls/dns), flow, internal. */
export function anomalyType(code: AnomalyCode): string {
  const layer = code.slice(0, code.indexOf('.'));
  if (layer === 'stream' || layer === 'flow' || layer === 'internal') return layer;
  if (layer === 'http' || layer === 'tls' || layer === 'dns') return 'applayer';
  return 'decode';
}

/** An anomaly record about a packet with a known flow (`f`), or without one (decode failed before IP). */
export function eveAnomaly(code: AnomalyCode, tsMicros: number, f: Flow | null, opts: HeaderOptions & { vni?: number } = {}): EveRecord {
  const body: Record<string, unknown> = { type: anomalyType(code), event: code };
  const layer = code.slice(0, code.indexOf('.'));
  if (body.type === 'applayer') {
    body.app_proto = layer;
    body.layer = 'proto_parser';
  }
  if (f) {
    const rec = eveHeader(f, 'anomaly', tsMicros, opts);
    rec.anomaly = body;
    return rec;
  }
  const rec: EveRecord = { timestamp: eveTimestamp(tsMicros), event_type: 'anomaly' };
  if (opts.vni !== undefined && opts.vni >= 0) {
    rec.vxlan = { vni: opts.vni };
    const m = opts.mirror?.(opts.vni);
    if (m) rec.mirror = { ...m };
  }
  rec.anomaly = body;
  return rec;
}
