/**
 * Application-layer parsers for the sensor (HTTP/1.x, TLS handshake, DNS), pure: no fs/net/AWS, no Buffer.
 *
 * How the packet core uses them:
 * - TCP: one `AppStream` per flow (`new AppStream(sink, { srcPort, dstPort })`), fed the reassembled bytes of each
 *   direction in order (`feed(dir, buf, off, end)`), told about holes (`gap(dir, len)`), flushed at close (`end()`).
 *   It detects HTTP / TLS / DNS-over-TCP by content (the port is only a tie-breaker) and reports records and
 *   anomalies to the sink synchronously.
 * - UDP: `decodeDns(buf, off, end, onAnomaly)` on a datagram payload returns one EVE DNS v3 object or null
 *   (`looksLikeDns` is the content probe when the port is not 53/5353).
 * - Anomaly codes: `APP_ANOMALIES` (array) / `APP_ANOMALY_TABLE` (code → description) for the master table.
 */
export { APP_ANOMALIES, APP_ANOMALY_TABLE, isAppAnomalyCode } from './anomalies.ts';
export type { AppAnomalyCode } from './anomalies.ts';
export { Dir } from './types.ts';
export { AppStream, MAX_DETECT_BYTES, MAX_TUNNEL_DEPTH, detectAppProtocol } from './detect.ts';
export { DnsTcpParser, decodeDns, looksLikeDns, probeDnsTcp, rcodeName, rrtypeName } from './dns.ts';
export { HttpParser, parseRequestLine, parseStatusLine, probeHttp } from './http.ts';
export { TlsParser, isGrease, ja3String, ja3sString, ja4, parseClientHello, parseServerHello, tlsVersionName } from './tls.ts';
export type { ClientHelloInfo, ServerHelloInfo } from './tls.ts';
export { parseCertificate } from './x509.ts';
export type { CertInfo } from './x509.ts';
export type {
  AnomalyFn,
  AppProtocol,
  AppSink,
  Direction,
  EveDns,
  EveDnsAnswer,
  EveDnsQuery,
  EveDnsSoa,
  EveDnsSrv,
  EveHttp,
  EveTls,
  StreamParser,
} from './types.ts';

