/**
 * Which stream parser a new TCP flow gets. The application parsers live in ./app (their own module); this file is
 * the only place the packet core picks among them.
 */
import { DnsTcpParser } from './app/index.ts';
import type { StreamParserFactory } from './sensor.ts';

/** DNS over TCP by port (RFC 7766); other TCP flows get no parser (flows are still logged). */
export const defaultStreamParsers: StreamParserFactory = (sink, hint) => {
  if (hint.srcPort === 53 || hint.dstPort === 53) {
    const p = new DnsTcpParser(sink);
    return Object.assign(p, { protocol: 'dns' as const });
  }
  return null;
};
