import type { AnomalyCode } from './anomalies.ts';

/**
 * The one preallocated result every decoder writes into (gopacket's DecodingLayerParser idea): reset once per
 * datagram, never reallocated. Layers and anomalies are fixed-capacity arrays with a count, so the hot path
 * allocates nothing.
 */

/** Layer kinds as small integers (erasable `as const` object instead of an enum). */
export const Layer = {
  vxlan: 1,
  geneve: 2,
  ethernet: 3,
  vlan: 4,
  ipv4: 5,
  ipv6: 6,
  tcp: 7,
  udp: 8,
  icmpv4: 9,
  icmpv6: 10,
  sll: 11,
  null: 12,
  payload: 13,
} as const;
export type LayerKind = (typeof Layer)[keyof typeof Layer];
export const LAYER_NAMES: Readonly<Record<LayerKind, string>> = {
  1: 'vxlan', 2: 'geneve', 3: 'ethernet', 4: 'vlan', 5: 'ipv4', 6: 'ipv6', 7: 'tcp', 8: 'udp', 9: 'icmpv4',
  10: 'icmpv6', 11: 'sll', 12: 'null', 13: 'payload',
};

/** Why 32: three VXLAN-in-UDP-in-IP levels plus stacked VLANs stay far below it; more is hostile input. */
export const MAX_LAYERS = 32;
/** Why 16: one packet rarely has more than two problems; the rest are the same problem repeated. */
export const MAX_ANOMALIES = 16;

export class DecodeResult {
  readonly layers: LayerKind[] = new Array<LayerKind>(MAX_LAYERS).fill(Layer.payload);
  layerCount = 0;
  readonly anomalies: AnomalyCode[] = new Array<AnomalyCode>(MAX_ANOMALIES).fill('packet.empty');
  anomalyCount = 0;
  /** Bytes ran out before a header or a declared length ended (mirror PacketLength, snaplen). */
  truncated = false;

  reset(): void {
    this.layerCount = 0;
    this.anomalyCount = 0;
    this.truncated = false;
  }

  addLayer(k: LayerKind): boolean {
    if (this.layerCount >= MAX_LAYERS) {
      anomaly(this, 'packet.too_many_layers');
      return false;
    }
    this.layers[this.layerCount++] = k;
    return true;
  }

  hasLayer(k: LayerKind): boolean {
    for (let i = 0; i < this.layerCount; i++) if (this.layers[i] === k) return true;
    return false;
  }

  hasAnomaly(code: AnomalyCode): boolean {
    for (let i = 0; i < this.anomalyCount; i++) if (this.anomalies[i] === code) return true;
    return false;
  }

  /** Copies for tests and records (allocates; never on the hot path). */
  snapshot(): { layers: string[]; anomalies: AnomalyCode[]; truncated: boolean } {
    return {
      layers: this.layers.slice(0, this.layerCount).map((k) => LAYER_NAMES[k]),
      anomalies: this.anomalies.slice(0, this.anomalyCount),
      truncated: this.truncated,
    };
  }
}

/** Records an anomaly (dropped silently past MAX_ANOMALIES: the first ones explain the packet). */
export function anomaly(r: DecodeResult, code: AnomalyCode): void {
  if (r.anomalyCount < MAX_ANOMALIES) r.anomalies[r.anomalyCount++] = code;
}

/** Records an anomaly and returns -1, the "stop decoding" offset (Suricata's ENGINE_SET_INVALID_EVENT). */
export function fail(r: DecodeResult, code: AnomalyCode): -1 {
  anomaly(r, code);
  return -1;
}

/** Header cut short by the capture: flag truncation, name it, stop this layer. */
export function truncate(r: DecodeResult, code: AnomalyCode): -1 {
  r.truncated = true;
  anomaly(r, code);
  return -1;
}

/** Big-endian readers. Callers have already checked that [i, i+n) lies inside [off, end). */
export function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}
export function u32(b: Uint8Array, i: number): number {
  return (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
}
export function u24(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
}
