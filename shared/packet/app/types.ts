import type { AppAnomalyCode } from './anomalies.ts';

/**
 * Shapes shared by the application-layer parsers: stream directions, the sink the parsers report to, and the EVE
 * sub-objects they emit (`http`, `tls`, `dns` of a Suricata 8 EVE record; the packet core adds timestamp, addresses,
 * community_id, vxlan and mirror around them).
 */

/** Stream direction, from the flow's point of view: 0 = client→server (to_server), 1 = server→client (to_client). */
export const Dir = { toServer: 0, toClient: 1 } as const;
export type Direction = (typeof Dir)[keyof typeof Dir];

/** Receives an anomaly code; parsers never throw on bad input, they call this and carry on (or stop that stream). */
export type AnomalyFn = (code: AppAnomalyCode) => void;

/**
 * Where stream parsers report. Calls happen synchronously inside `feed`/`gap`/`end`, so the caller still knows the
 * packet (timestamp, addresses) that completed the record. The objects handed over are fresh and owned by the sink.
 */
export interface AppSink {
  /** One HTTP transaction (request and, when seen, its response). */
  http(tx: EveHttp): void;
  /** One TLS session summary (after the server's handshake flight, or at gap/end with what was seen). */
  tls(tls: EveTls): void;
  /** One DNS message; `dir` says which side sent it (responses come from the server: swap src/dest). */
  dns(dns: EveDns, dir: Direction): void;
  anomaly(code: AppAnomalyCode, dir: Direction): void;
}

/**
 * The common shape of every streaming parser: bytes of one direction arrive in order; `gap` says `len` bytes were
 * lost in that direction (len may be 0 when unknown); `end` flushes what is pending (flow closed or timed out).
 * `buf[off, end)` is only valid during the call: parsers copy what they keep.
 */
export interface StreamParser {
  feed(dir: Direction, buf: Uint8Array, off?: number, end?: number): void;
  gap(dir: Direction, len: number): void;
  end(): void;
}

/** What `detectAppProtocol` recognised from the first bytes of a direction. */
export type AppProtocol = 'http' | 'tls' | 'dns' | 'unknown';

/** Suricata 8 EVE `http` object (field names and spellings as Suricata logs them; `http_refer` sic). */
export interface EveHttp {
  hostname?: string;
  http_port?: number;
  url?: string;
  http_user_agent?: string;
  xff?: string;
  http_content_type?: string;
  http_refer?: string;
  http_method?: string;
  protocol?: string;
  status?: number;
  /** The status text when it is not three digits (Suricata 8 logs e.g. `"status_string": "2XX"` then). */
  status_string?: string;
  redirect?: string;
  /** Response body bytes seen (after de-chunking), as Suricata's `length`. */
  length: number;
  /** Request body bytes seen, after de-chunking (our addition: Suricata 8 has no such field). Omitted when 0. */
  request_body_length?: number;
}

/** Suricata 8 EVE `tls` object. */
export interface EveTls {
  subject?: string;
  issuerdn?: string;
  serial?: string;
  fingerprint?: string;
  sni?: string;
  version?: string;
  notbefore?: string;
  notafter?: string;
  ja3?: { hash: string; string: string };
  ja3s?: { hash: string; string: string };
  ja4?: string;
  client_alpns?: string[];
  server_alpns?: string[];
  /** The negotiated ALPN (server's choice), else the client's first offer when no ServerHello was seen. */
  alpn?: string;
  session_resumed?: boolean;
}

export interface EveDnsQuery {
  rrname: string;
  rrtype: string;
  /** Set when the name exceeded 255 octets and was cut (Suricata 8's field of the same name). */
  rrname_truncated?: true;
}

export interface EveDnsSoa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface EveDnsSrv {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

export interface EveDnsAnswer {
  rrname: string;
  rrtype: string;
  ttl: number;
  rrname_truncated?: true;
  rdata?: string;
  soa?: EveDnsSoa;
  srv?: EveDnsSrv;
  sshfp?: { algo: number; type: number; fingerprint: string };
}

/** Suricata 8 EVE DNS version 3 (one object per message: requests and responses alike). */
export interface EveDns {
  version: 3;
  type: 'request' | 'response';
  id: number;
  /** Header flags word in lowercase hex without padding (Suricata's `{:x}`), e.g. '8180', '100'. */
  flags: string;
  qr?: true;
  aa?: true;
  tc?: true;
  rd?: true;
  ra?: true;
  z?: true;
  opcode?: number;
  rcode: string;
  queries?: EveDnsQuery[];
  answers?: EveDnsAnswer[];
  authorities?: EveDnsAnswer[];
  additionals?: EveDnsAnswer[];
  /** Answers grouped by type: rdata strings, or soa/srv/sshfp objects (Suricata 8 `grouped` format). */
  grouped?: Record<string, unknown[]>;
}
