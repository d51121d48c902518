/**
 * Streaming detections over flow records, run by flow-log ingest once per object:
 *
 *   const d = createDetectors(cfg.detections);
 *   for (const r of records) d.add(r);
 *   const findings = d.finish();
 *
 * Time semantics: a record belongs to the tumbling window that contains its `start` (record time, never arrival
 * time). Windows are aligned to multiples of `windowSeconds` since the epoch, so objects that arrive late or out of
 * order still name the same window, and a finding's id (hash of type, subject, window) is the same whichever object
 * produced it. Detections that need more than one object (baselines, slow scans, new destinations) run as SQL over
 * the lake (shared/athena/detections/*.sql).
 *
 * Nothing is dropped silently: records that cannot be placed (no start, no addresses, NODATA/SKIPDATA) and keys
 * beyond `maxTrackedKeys` are counted in stats().
 */
import { readFileSync } from 'node:fs';
import type { FlowRecord } from '../flowlog/record.ts';
import { CidrSet, hostCidr, parseDenyList, type Cidr } from './cidr.ts';
import { DetectionsConfig, type DetectionsConfigInput } from './config.ts';
import { DetectDictionary, directionCode, DIR_EGRESS, DIR_INGRESS, DIR_SHIFT, FLAG_NOT_OK, FLAG_REJECT, type DetectColumns } from './columns.ts';
import { isoSeconds, makeFinding, type Finding, type FindingSeverity } from './finding.ts';

export { DetectionsConfig, type DetectionsConfigInput } from './config.ts';
export type { Finding } from './finding.ts';
export { findingId, makeFinding } from './finding.ts';
export { CidrSet, CidrFormatError, parseCidr, parseDenyList, hostCidr } from './cidr.ts';

export const DETECTION_TYPES = {
  egressFlood: 'egress-flood',
  portScan: 'port-scan',
  rejectBurst: 'reject-burst',
  denyList: 'deny-list',
  /** per service: `${name}-brute-force`, e.g. ssh-brute-force, rdp-brute-force */
  bruteForceSuffix: '-brute-force',
} as const;

export interface DetectStats {
  records: number;
  /** NODATA / SKIPDATA (or any log_status other than OK) */
  notOk: number;
  /** no start time: cannot be placed in a window */
  untimed: number;
  /** no srcaddr or dstaddr */
  unaddressed: number;
  /** new (window, address) keys not tracked because maxTrackedKeys was reached */
  droppedKeys: number;
}

export interface Detectors {
  add(r: FlowRecord): void;
  /** The same for a batch of records in columns (detect/columns.ts), e.g. shipped from the parsing thread. */
  addColumns(c: DetectColumns): void;
  /** Findings for everything added so far, sorted by window start, type and id. */
  finish(): Finding[];
  stats(): DetectStats;
}

/**
 * A distinct-member set of small non-negative integers (ports as themselves, strings numbered by the detector's
 * dictionary) that stores its first four members inline and stops growing at `cap` (counts beyond it are "at least").
 * Up to LINEAR members live packed in an Int32Array scanned linearly, up to SORTED sorted and found by binary search;
 * beyond that the array becomes an open-addressing hash table of id + 1 (0 = empty slot) at most half full. Both are a fraction of a Set's memory
 * (tens of thousands of these are live for a busy object) and cheaper than hashing strings.
 */
const LINEAR = 16;
/** from LINEAR to SORTED members a set is a sorted packed array; beyond SORTED, a hash table */
const SORTED = 256;
export class IdSet {
  first = -1;
  /** the second to fourth members, inline (most sets never grow past four: no array for them) */
  m1 = -1;
  m2 = -1;
  m3 = -1;
  items: Int32Array | undefined;
  size = 0;
  add(id: number, cap: number): void {
    const size = this.size;
    // a full set ignores new members
    if (size >= cap || id === this.first) return;
    if (size === 0) {
      this.first = id;
      this.size = 1;
      return;
    }
    if (size < 4) {
      if (id === this.m1 || id === this.m2) return;
      if (size === 1) this.m1 = id;
      else if (size === 2) this.m2 = id;
      else this.m3 = id;
      this.size = size + 1;
      return;
    }
    // members after the first: packed in items[0, n) while n <= LINEAR, hashed after
    const n = size - 1;
    let items = this.items;
    if (items === undefined) {
      if (id === this.m1 || id === this.m2 || id === this.m3) return;
      items = this.items = new Int32Array(8);
      items[0] = this.m1;
      items[1] = this.m2;
      items[2] = this.m3;
    } else if (n < LINEAR) {
      for (let i = 0; i < n; i++) if (items[i] === id) return;
      if (n === items.length) {
        const next = new Int32Array(2 * n);
        next.set(items);
        this.items = items = next;
      }
    } else if (n < SORTED) {
      // sorted and packed: half the memory of a hash table at its load factor (most large sets stop at a small cap)
      if (n === LINEAR) items.subarray(0, n).sort();
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const v = items[mid]!;
        if (v < id) lo = mid + 1;
        else if (v > id) hi = mid;
        else return;
      }
      if (n === items.length) {
        const next = new Int32Array(2 * n);
        next.set(items);
        this.items = items = next;
      }
      items.copyWithin(lo + 1, lo, n);
      items[lo] = id;
      this.size = size + 1;
      return;
    } else if (n === SORTED) {
      // the packed members must not contain id yet
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const v = items[mid]!;
        if (v < id) lo = mid + 1;
        else if (v > id) hi = mid;
        else return;
      }
      items = this.items = IdSet.rehash(items, n, 4 * SORTED);
      if (IdSet.insert(items, id)) this.size = size + 1;
      return;
    } else {
      if (2 * (n + 1) > items.length) items = this.items = IdSet.rehash(items, -1, 2 * items.length);
      if (IdSet.insert(items, id)) this.size = size + 1;
      return;
    }
    items[n] = id;
    this.size = size + 1;
  }

  /** inserts into a hash table; false when already present */
  private static insert(table: Int32Array, id: number): boolean {
    const mask = table.length - 1;
    const key = id + 1;
    for (let i = Math.imul(id, 0x9e3779b1) >>> 0; ; i++) {
      const slot = table[i & mask]!;
      if (slot === key) return false;
      if (slot === 0) {
        table[i & mask] = key;
        return true;
      }
    }
  }

  /** a hash table of `capacity` slots holding the packed members items[0, n), or the members of a table (n < 0) */
  private static rehash(items: Int32Array, n: number, capacity: number): Int32Array {
    const table = new Int32Array(capacity);
    if (n >= 0) for (let i = 0; i < n; i++) IdSet.insert(table, items[i]!);
    else for (const key of items) if (key !== 0) IdSet.insert(table, key - 1);
    return table;
  }

  /** the only member's id, or -1 when the set does not have exactly one */
  only(): number {
    return this.size === 1 ? this.first : -1;
  }
}

/**
 * Distinct-member sets only need to count as far as a decision or the evidence needs: a port scan is decided at
 * `ports`/`hosts` and called wide at 4×; beyond that, counts are reported as "at least" the cap. Bounding every set
 * keeps per-key memory constant (an external client that talks to hundreds of our hosts costs 64 entries, not 1000s).
 */
const DESCRIPTIVE_CAP = 64;

interface Span {
  first: number;
  last: number;
}
/** end is NaN when the record has none */
const widen = (s: Span, start: number, end: number): void => {
  if (start < s.first) s.first = start;
  const e = end !== end ? start : end;
  if (e > s.last) s.last = e;
};

interface EgressState extends Span {
  window: number;
  dstaddr: string;
  bytes: number;
  packets: number;
  flows: number;
  sources: IdSet;
  interfaces: IdSet;
  instances: IdSet;
  vpcs: IdSet;
}

interface SourceState extends Span {
  window: number;
  srcaddr: string;
  flows: number;
  rejects: number;
  ports: IdSet;
  hosts: IdSet;
  vpcs: IdSet;
  /** service name -> attempts and distinct targets (created on the first attempt: most sources never make one) */
  services: Map<string, { attempts: number; targets: IdSet }> | undefined;
}

interface DenyState extends Span {
  window: number;
  addr: string;
  side: 'src' | 'dst';
  cidr: Cidr;
  flows: number;
  accepted: number;
  rejected: number;
  bytes: number;
  peers: IdSet;
  interfaces: IdSet;
  instances: IdSet;
  vpcs: IdSet;
}

/** Reads `denyList.file` (if any) and merges it with `denyList.cidrs`. */
function loadDenyList(cfg: DetectionsConfig): CidrSet {
  const set = new CidrSet(cfg.denyList.cidrs);
  if (cfg.denyList.file) {
    for (const c of parseDenyList(readFileSync(cfg.denyList.file, 'utf8'), cfg.denyList.file)) set.add(c);
  }
  return set;
}

export function createDetectors(input: DetectionsConfigInput = {}): Detectors {
  const cfg = DetectionsConfig.parse(input);
  const W = cfg.windowSeconds;
  const internal = new CidrSet(cfg.internalCidrs);
  const deny = cfg.denyList.enabled ? loadDenyList(cfg) : new CidrSet();
  const services = Object.entries(cfg.bruteForce.services);
  const serviceByPort = new Map(services.map(([name, port]) => [port, name]));
  const SET_CAP = DESCRIPTIVE_CAP;
  // scan dimensions: enough to classify "wide" (4× the threshold) and report it
  const SCAN_CAP = Math.max(DESCRIPTIVE_CAP, 4 * Math.max(cfg.portScan.ports, cfg.portScan.hosts) + 1);
  const egressOn = cfg.egressFlood.enabled;
  const ingressTracked = cfg.portScan.enabled || cfg.bruteForce.enabled || cfg.rejectBurst.enabled;
  const denyOn = cfg.denyList.enabled && deny.size > 0;
  const shortFlow = cfg.bruteForce.shortFlowPackets;

  // strings (addresses, interfaces, instances, VPCs) as small integers: state maps and distinct sets key on them
  const dict = new DetectDictionary();
  const names = dict.names;
  const only = (set: IdSet): string | undefined => {
    const id = set.only();
    return id < 0 ? undefined : names[id];
  };
  // per address id: internal? (-1 not yet known) and deny-list hit (undefined not yet known)
  let internalById = new Int8Array(1024).fill(-1);
  const denyById: (Cidr | null | undefined)[] = [];
  const isInternal = (id: number): boolean => {
    if (id >= internalById.length) {
      const next = new Int8Array(Math.max(2 * internalById.length, id + 1)).fill(-1);
      next.set(internalById);
      internalById = next;
    }
    let v = internalById[id]!;
    if (v < 0) internalById[id] = v = internal.lookup(names[id]!) !== null ? 1 : 0;
    return v === 1;
  };
  const denied = (id: number): Cidr | null => {
    let hit = denyById[id];
    if (hit === undefined) denyById[id] = hit = deny.lookup(names[id]!);
    return hit;
  };

  // window start -> address id -> state (nested maps: no per-record key to build and hash)
  const egress = new Map<number, Map<number, EgressState>>();
  const sources = new Map<number, Map<number, SourceState>>();
  const deniedSrc = new Map<number, Map<number, DenyState>>();
  const deniedDst = new Map<number, Map<number, DenyState>>();
  // records of one object fall mostly in one window: remember the last bucket looked up per map
  const lastBucket = new Map<Map<number, Map<number, unknown>>, { w: number; b: Map<number, unknown> }>();
  const bucket = <T,>(m: Map<number, Map<number, T>>, w: number): Map<number, T> => {
    const last = lastBucket.get(m as Map<number, Map<number, unknown>>);
    if (last !== undefined && last.w === w) return last.b as Map<number, T>;
    let b = m.get(w);
    if (!b) m.set(w, (b = new Map()));
    if (last) {
      last.w = w;
      last.b = b;
    } else lastBucket.set(m as Map<number, Map<number, unknown>>, { w, b });
    return b;
  };
  function* all<T>(m: Map<number, Map<number, T>>): Generator<T> {
    for (const b of m.values()) yield* b.values();
  }
  const st: DetectStats = { records: 0, notOk: 0, untimed: 0, unaddressed: 0, droppedKeys: 0 };
  let tracked = 0;
  const room = (): boolean => {
    if (tracked >= cfg.maxTrackedKeys) {
      st.droppedKeys++;
      return false;
    }
    tracked++;
    return true;
  };

  /**
   * One record, as every entry point reduces it: numbers (NaN or -1 for NULL) and strings as dictionary ids (-1 for
   * NULL). `dir` is the direction class: 0 none, 1 egress-internet, 2 ingress-internet, 3 any other class.
   */
  function observe(
    notOk: boolean, start: number, end: number, src: number, dst: number, dstport: number, protocol: number,
    packets: number, bytes: number, rejected: boolean, dir: number, iface: number, inst: number, vpc: number,
  ): void {
    st.records++;
    if (notOk) {
      st.notOk++;
      return;
    }
    if (start !== start) {
      st.untimed++;
      return;
    }
    if (src < 0 || dst < 0) {
      st.unaddressed++;
      return;
    }
    const w = Math.floor(start / W) * W;

    // egress to an external address (the enrichment's class when there is one, else our internal ranges)
    if (egressOn && !rejected && (dir !== 0 ? dir === DIR_EGRESS : isInternal(src) && !isInternal(dst))) {
      const eb = bucket(egress, w);
      let e = eb.get(dst);
      if (!e && room()) {
        e = {
          window: w, dstaddr: names[dst]!, bytes: 0, packets: 0, flows: 0, first: start, last: end !== end ? start : end,
          sources: new IdSet(), interfaces: new IdSet(), instances: new IdSet(), vpcs: new IdSet(),
        };
        eb.set(dst, e);
      }
      if (e) {
        e.bytes += bytes;
        e.packets += packets;
        e.flows++;
        e.sources.add(src, SET_CAP);
        if (iface >= 0) e.interfaces.add(iface, SET_CAP);
        if (inst >= 0) e.instances.add(inst, SET_CAP);
        if (vpc >= 0) e.vpcs.add(vpc, SET_CAP);
        widen(e, start, end);
      }
    }

    if (ingressTracked && (!cfg.externalSourcesOnly || (dir !== 0 ? dir === DIR_INGRESS : !isInternal(src)))) {
      const sb = bucket(sources, w);
      let s = sb.get(src);
      if (!s && room()) {
        s = {
          window: w, srcaddr: names[src]!, flows: 0, rejects: 0, first: start, last: end !== end ? start : end,
          ports: new IdSet(), hosts: new IdSet(), vpcs: new IdSet(), services: undefined,
        };
        sb.set(src, s);
      }
      if (s) {
        s.flows++;
        if (rejected) s.rejects++;
        if (dstport >= 0) s.ports.add(dstport, SCAN_CAP);
        s.hosts.add(dst, SCAN_CAP);
        if (vpc >= 0) s.vpcs.add(vpc, SET_CAP);
        const service = protocol === 6 && dstport >= 0 ? serviceByPort.get(dstport) : undefined;
        if (service !== undefined && (rejected || packets <= shortFlow)) {
          s.services ??= new Map();
          let a = s.services.get(service);
          if (!a) s.services.set(service, (a = { attempts: 0, targets: new IdSet() }));
          a.attempts++;
          a.targets.add(dst, SET_CAP);
        }
        widen(s, start, end);
      }
    }

    if (denyOn) {
      const hitSrc = denied(src);
      if (hitSrc) trackDenied(deniedSrc, 'src', src, dst, hitSrc, w, start, end, bytes, rejected, iface, inst, vpc);
      const hitDst = denied(dst);
      if (hitDst) trackDenied(deniedDst, 'dst', dst, src, hitDst, w, start, end, bytes, rejected, iface, inst, vpc);
    }
  }

  function trackDenied(
    m: Map<number, Map<number, DenyState>>, side: 'src' | 'dst', addr: number, peer: number, hit: Cidr,
    w: number, start: number, end: number, bytes: number, rejected: boolean, iface: number, inst: number, vpc: number,
  ): void {
    const db = bucket(m, w);
    let d = db.get(addr);
    if (!d && room()) {
      d = {
        window: w, addr: names[addr]!, side, cidr: hit, flows: 0, accepted: 0, rejected: 0, bytes: 0, first: start,
        last: end !== end ? start : end, peers: new IdSet(), interfaces: new IdSet(), instances: new IdSet(),
        vpcs: new IdSet(),
      };
      db.set(addr, d);
    }
    if (!d) return;
    d.flows++;
    if (rejected) d.rejected++;
    else d.accepted++;
    d.bytes += bytes;
    d.peers.add(peer, SET_CAP);
    if (iface >= 0) d.interfaces.add(iface, SET_CAP);
    if (inst >= 0) d.instances.add(inst, SET_CAP);
    if (vpc >= 0) d.vpcs.add(vpc, SET_CAP);
    widen(d, start, end);
  }

  const id = (v: string | null | undefined): number => (v == null ? -1 : dict.idOf(v));
  function add(r: FlowRecord): void {
    observe(
      r.log_status != null && r.log_status !== 'OK', r.start ?? NaN, r.end ?? NaN, id(r.srcaddr), id(r.dstaddr),
      r.dstport ?? -1, r.protocol ?? -1, r.packets ?? 0, r.bytes ?? 0, r.action === 'REJECT', directionCode(r.direction_class),
      r.interface_id ? dict.idOf(r.interface_id) : -1, r.instance_id ? dict.idOf(r.instance_id) : -1, r.vpc_id ? dict.idOf(r.vpc_id) : -1,
    );
  }

  function addColumns(c: DetectColumns): void {
    dict.extend(c.names, c.firstId);
    const { start, end, src, dst, dstport, protocol, packets, bytes, flags, iface, inst, vpc } = c;
    for (let i = 0; i < c.length; i++) {
      const f = flags[i]!;
      observe(
        (f & FLAG_NOT_OK) !== 0, start[i]!, end[i]!, src[i]!, dst[i]!, dstport[i]!, protocol[i]!, packets[i]!, bytes[i]!,
        (f & FLAG_REJECT) !== 0, f >> DIR_SHIFT, iface[i]!, inst[i]!, vpc[i]!,
      );
    }
  }

  const seen = (s: Span) => ({ firstSeen: isoSeconds(s.first), lastSeen: isoSeconds(s.last) });

  function finish(): Finding[] {
    const out: Finding[] = [];

    const ef = cfg.egressFlood;
    for (const e of all(egress)) {
      const over = e.bytes >= ef.bytes || e.packets >= ef.packets || e.flows >= ef.flows;
      const cidr = hostCidr(e.dstaddr);
      if (!over || cidr === null) continue;
      const ratio = Math.max(e.bytes / ef.bytes, e.packets / ef.packets, e.flows / ef.flows);
      out.push(
        makeFinding({
          type: DETECTION_TYPES.egressFlood,
          severity: ratio >= 10 ? 'critical' : 'high',
          key: { dstaddr: e.dstaddr },
          subject: {
            dstaddr: e.dstaddr,
            srcaddr: only(e.sources),
            interface_id: only(e.interfaces),
            instance_id: only(e.instances),
            vpc_id: only(e.vpcs),
          },
          windowStart: e.window,
          windowEnd: e.window + W,
          evidence: {
            bytes: e.bytes, packets: e.packets, flows: e.flows, sources: e.sources.size, ...seen(e),
            thresholds: { bytes: ef.bytes, packets: ef.packets, flows: ef.flows },
          },
          cidr,
          direction: 'outbound',
        }),
      );
    }

    for (const s of all(sources)) {
      const cidr = hostCidr(s.srcaddr);
      if (cidr === null) continue;
      const vpc_id = only(s.vpcs);
      const ps = cfg.portScan;
      const rejectRatio = s.flows === 0 ? 0 : s.rejects / s.flows;
      if (ps.enabled && (s.ports.size >= ps.ports || s.hosts.size >= ps.hosts) && rejectRatio >= ps.minRejectRatio) {
        const wide = s.ports.size >= 4 * ps.ports || s.hosts.size >= 4 * ps.hosts;
        out.push(
          makeFinding({
            type: DETECTION_TYPES.portScan,
            severity: wide ? 'high' : 'medium',
            key: { srcaddr: s.srcaddr },
            subject: { srcaddr: s.srcaddr, vpc_id },
            windowStart: s.window,
            windowEnd: s.window + W,
            evidence: {
              ports: s.ports.size, hosts: s.hosts.size, flows: s.flows, rejects: s.rejects,
              rejectRatio: Math.round(rejectRatio * 1000) / 1000, ...seen(s),
              thresholds: { ports: ps.ports, hosts: ps.hosts, minRejectRatio: ps.minRejectRatio },
            },
            cidr,
            direction: 'inbound',
          }),
        );
      }
      const bf = cfg.bruteForce;
      if (bf.enabled) {
        for (const [service, { attempts, targets }] of s.services ?? []) {
          if (attempts < bf.attempts) continue;
          out.push(
            makeFinding({
              type: `${service}${DETECTION_TYPES.bruteForceSuffix}`,
              severity: 'high',
              key: { srcaddr: s.srcaddr },
              subject: { srcaddr: s.srcaddr, dstaddr: only(targets), vpc_id },
              windowStart: s.window,
              windowEnd: s.window + W,
              evidence: {
                attempts, port: bf.services[service], targets: targets.size, ...seen(s),
                thresholds: { attempts: bf.attempts, shortFlowPackets: bf.shortFlowPackets },
              },
              cidr,
              direction: 'inbound',
            }),
          );
        }
      }
      const rb = cfg.rejectBurst;
      if (rb.enabled && s.rejects >= rb.rejects) {
        out.push(
          makeFinding({
            type: DETECTION_TYPES.rejectBurst,
            severity: s.rejects >= 5 * rb.rejects ? 'medium' : 'low',
            key: { srcaddr: s.srcaddr },
            subject: { srcaddr: s.srcaddr, vpc_id },
            windowStart: s.window,
            windowEnd: s.window + W,
            evidence: { rejects: s.rejects, flows: s.flows, hosts: s.hosts.size, ...seen(s), thresholds: { rejects: rb.rejects } },
            cidr,
            direction: 'inbound',
          }),
        );
      }
    }

    for (const d of [...all(deniedSrc), ...all(deniedDst)]) {
      // accepted traffic to/from a listed address is worse than traffic the VPC already rejected
      const severity: FindingSeverity = d.accepted === 0 ? 'medium' : d.side === 'dst' ? 'critical' : 'high';
      const subject =
        d.side === 'src'
          ? { srcaddr: d.addr, dstaddr: only(d.peers) }
          : { dstaddr: d.addr, srcaddr: only(d.peers) };
      out.push(
        makeFinding({
          type: DETECTION_TYPES.denyList,
          severity,
          key: d.side === 'src' ? { srcaddr: d.addr } : { dstaddr: d.addr },
          subject: { ...subject, interface_id: only(d.interfaces), instance_id: only(d.instances), vpc_id: only(d.vpcs) },
          windowStart: d.window,
          windowEnd: d.window + W,
          evidence: {
            listed: d.cidr.text, side: d.side, flows: d.flows, accepted: d.accepted, rejected: d.rejected, bytes: d.bytes,
            peers: d.peers.size, ...seen(d),
          },
          cidr: d.cidr.text,
          direction: d.side === 'src' ? 'inbound' : 'outbound',
        }),
      );
    }

    return out.sort(
      (a, b) => a.window.start.localeCompare(b.window.start) || a.type.localeCompare(b.type) || a.id.localeCompare(b.id),
    );
  }

  if (!cfg.enabled) {
    return {
      add: () => {
        st.records++;
      },
      addColumns: (c) => {
        st.records += c.length;
      },
      finish: () => [],
      stats: () => ({ ...st }),
    };
  }
  return { add, addColumns, finish, stats: () => ({ ...st }) };
}
