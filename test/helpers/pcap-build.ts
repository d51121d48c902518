/**
 * Byte builders for tests: Ethernet / VLAN / IPv4 / IPv6 / TCP / UDP / ICMP / VXLAN / GENEVE. Checksums are left 0
 * (the decoder ignores them, as AWS mirror truncation requires). Round-trip tests decode what these build.
 */

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

export function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

export function ipv6Bytes(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':').filter(Boolean) : [];
  const t = tail ? tail.split(':').filter(Boolean) : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => u16(Number.parseInt(g, 16)));
}

export function ethernet(payload: Uint8Array, etherType = 0x0800, vlans: number[] = [], outerTpid = 0x8100): Uint8Array {
  const hdr = [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
  // the frame's type field holds the first TPID; each tag is VID then the next type (another TPID, or the payload's)
  if (vlans.length === 0) return concat(Uint8Array.from([...hdr, ...u16(etherType)]), payload);
  const body: number[] = [];
  vlans.forEach((v, i) => {
    body.push(...u16(v), ...u16(i + 1 < vlans.length ? 0x8100 : etherType));
  });
  return concat(Uint8Array.from([...hdr, ...u16(outerTpid), ...body]), payload);
}

export interface Ipv4Opts {
  proto: number;
  src?: string;
  dst?: string;
  ttl?: number;
  id?: number;
  flags?: number;
  fragOffset?: number;
  options?: number[];
  totalLength?: number;
}

export function ipv4(payload: Uint8Array, o: Ipv4Opts): Uint8Array {
  const opts = o.options ?? [];
  const hlen = 20 + opts.length;
  const total = o.totalLength ?? hlen + payload.length;
  const h = [
    0x40 | (hlen / 4), 0, ...u16(total), ...u16(o.id ?? 1), ...u16(((o.flags ?? 0) << 13) | ((o.fragOffset ?? 0) / 8)),
    o.ttl ?? 64, o.proto, 0, 0, ...ipv4Bytes(o.src ?? '10.0.0.1'), ...ipv4Bytes(o.dst ?? '10.0.0.2'), ...opts,
  ];
  return concat(Uint8Array.from(h), payload);
}

export function ipv6(payload: Uint8Array, o: { next: number; src?: string; dst?: string; ext?: Uint8Array }): Uint8Array {
  const ext = o.ext ?? new Uint8Array(0);
  const h = [0x60, 0, 0, 0, ...u16(ext.length + payload.length), o.next, 64, ...ipv6Bytes(o.src ?? '2001:db8::1'), ...ipv6Bytes(o.dst ?? '2001:db8::2')];
  return concat(Uint8Array.from(h), ext, payload);
}

export interface TcpOpts {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: number;
  options?: number[];
}

export function tcp(payload: Uint8Array, o: TcpOpts): Uint8Array {
  const opts = o.options ?? [];
  const hlen = 20 + opts.length;
  const h = [...u16(o.sport), ...u16(o.dport), ...u32(o.seq ?? 1), ...u32(o.ack ?? 0), (hlen / 4) << 4, o.flags ?? 0x18, ...u16(65535), 0, 0, 0, 0, ...opts];
  return concat(Uint8Array.from(h), payload);
}

export function udp(payload: Uint8Array, sport: number, dport: number, length?: number): Uint8Array {
  return concat(Uint8Array.from([...u16(sport), ...u16(dport), ...u16(length ?? 8 + payload.length), 0, 0]), payload);
}

export function icmp(type: number, code: number, rest: number[] = [0, 1, 0, 1]): Uint8Array {
  return Uint8Array.from([type, code, 0, 0, ...rest]);
}

export function vxlan(vni: number, inner: Uint8Array, flags = 0x08): Uint8Array {
  return concat(Uint8Array.from([flags, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0]), inner);
}

export function geneve(vni: number, inner: Uint8Array, protocol = 0x6558, options: number[] = []): Uint8Array {
  return concat(Uint8Array.from([options.length / 4, 0, ...u16(protocol), (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0, ...options]), inner);
}

/** An AWS-mirror-shaped frame: outer Ethernet/IPv4/UDP 4789 around VXLAN around `inner` (an Ethernet frame). */
export function mirrorFrame(inner: Uint8Array, vni = 1234, sport = 40000): Uint8Array {
  return ethernet(ipv4(udp(vxlan(vni, inner), sport, 4789), { proto: 17, src: '10.9.0.10', dst: '10.9.0.20' }));
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
