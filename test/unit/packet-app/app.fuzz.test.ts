import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppStream } from '../../../shared/packet/app/detect.ts';
import { DnsTcpParser, decodeDns } from '../../../shared/packet/app/dns.ts';
import { HttpParser } from '../../../shared/packet/app/http.ts';
import { TlsParser, parseClientHello } from '../../../shared/packet/app/tls.ts';
import { parseCertificate } from '../../../shared/packet/app/x509.ts';
import { isAppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppSink, Direction, StreamParser } from '../../../shared/packet/app/types.ts';
import { CORPUS, tcpStreams, udpPayloads } from './helpers/capture.ts';
import type { StreamChunk } from './helpers/capture.ts';
import { certificate, clientHelloBody, sniExt, alpnExt } from './helpers/tls-build.ts';

/*
 * Property tests: random and mutated bytes never make a parser throw, every anomaly is a known code, results do not
 * depend on how a stream is cut into chunks, and nothing outside [off, end) is read. Seeds are fixed per run by
 * fast-check's reporting (a failure prints the seed and the shrunk input).
 */

function pcapOf(c: string): string | null {
  const f = readdirSync(`${CORPUS}/${c}`).find((n) => n.endsWith('.pcap'));
  return f === undefined ? null : `${CORPUS}/${c}/${f}`;
}

const DNS_SAMPLES: Uint8Array[] = [];
const STREAMS: Array<{ name: string; chunks: StreamChunk[] }> = [];
for (const c of readdirSync(CORPUS)) {
  const p = pcapOf(c);
  if (p === null) continue;
  for (const d of udpPayloads(p)) if ((d.sport === 53 || d.dport === 53) && DNS_SAMPLES.length < 200) DNS_SAMPLES.push(d.payload.slice());
  if (/http|tls|ja4|dns-tcp|bug-(130|814|2646)|teredo/.test(c)) {
    for (const s of tcpStreams(p)) if (s.chunks.length > 0) STREAMS.push({ name: c, chunks: s.chunks });
  }
}

/** A sink that records everything and fails on an unknown anomaly code. */
function recorder(): AppSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    http: (t) => void log.push('http ' + JSON.stringify(t)),
    tls: (t) => void log.push('tls ' + JSON.stringify(t)),
    dns: (d, dir) => void log.push(`dns ${dir} ` + JSON.stringify(d)),
    anomaly: (code, dir) => {
      if (!isAppAnomalyCode(code)) throw new Error(`unknown anomaly ${code}`);
      log.push(`anomaly ${dir} ${code}`);
    },
  };
}

/** Flips, overwrites, inserts or cuts bytes. */
const mutation = fc.record({
  kind: fc.constantFrom('flip', 'set', 'cut', 'insert'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutate(src: Uint8Array, muts: Array<{ kind: string; at: number; value: number }>): Uint8Array {
  let b = src.slice();
  for (const m of muts) {
    if (b.length === 0) break;
    const i = m.at % b.length;
    if (m.kind === 'flip') b[i] = (b[i] as number) ^ (1 << (m.value & 7));
    else if (m.kind === 'set') b[i] = m.value;
    else if (m.kind === 'cut') b = b.slice(0, i);
    else b = new Uint8Array([...b.subarray(0, i), m.value, ...b.subarray(i)]);
  }
  return b;
}

function feedAll(p: StreamParser, chunks: StreamChunk[]): void {
  for (const ch of chunks) {
    if (ch.gap !== undefined) p.gap(ch.dir, ch.gap);
    else p.feed(ch.dir, ch.bytes);
  }
  p.end();
}

describe('decodeDns() properties', () => {
  it('never throws on random bytes and reports only known codes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const codes: string[] = [];
        const r = decodeDns(bytes, 0, bytes.length, (c) => void codes.push(c));
        expect(codes.every(isAppAnomalyCode)).toBe(true);
        if (bytes.length < 12) expect(r).toBeNull();
        else expect(r?.version).toBe(3);
      }),
      { numRuns: 20000 },
    );
  });

  it('never throws on mutated corpus messages', () => {
    fc.assert(
      fc.property(fc.nat({ max: DNS_SAMPLES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (k, muts) => {
        const b = mutate(DNS_SAMPLES[k] as Uint8Array, muts);
        const codes: string[] = [];
        decodeDns(b, 0, b.length, (c) => void codes.push(c));
        expect(codes.every(isAppAnomalyCode)).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  it('reads nothing outside [off, end): the same bytes elsewhere give the same result', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: DNS_SAMPLES.length - 1 }),
        fc.array(mutation, { maxLength: 3 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        (k, muts, before, after) => {
          const msg = mutate(DNS_SAMPLES[k] as Uint8Array, muts);
          const padded = new Uint8Array([...before, ...msg, ...after]);
          const a: string[] = [];
          const b: string[] = [];
          const r1 = decodeDns(msg, 0, msg.length, (c) => void a.push(c));
          const r2 = decodeDns(padded, before.length, before.length + msg.length, (c) => void b.push(c));
          expect(r2).toEqual(r1);
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('stream parser properties', () => {
  const makers: Array<[string, (s: AppSink) => StreamParser]> = [
    ['HttpParser', (s) => new HttpParser(s)],
    ['TlsParser', (s) => new TlsParser(s)],
    ['DnsTcpParser', (s) => new DnsTcpParser(s)],
    ['AppStream', (s) => new AppStream(s)],
  ];

  it.each(makers)('%s never throws on random chunks, gaps and directions', (_name, make) => {
    const step = fc.oneof(
      fc.record({ dir: fc.constantFrom<Direction>(0, 1), bytes: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({ dir: fc.constantFrom<Direction>(0, 1), bytes: fc.constant(new Uint8Array(0)), gap: fc.nat({ max: 5000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        feedAll(make(recorder()), steps as StreamChunk[]);
      }),
      { numRuns: 4000 },
    );
  });

  it.each(makers)('%s never throws on mutated corpus streams', (_name, make) => {
    fc.assert(
      fc.property(
        fc.nat({ max: STREAMS.length - 1 }),
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        (k, which, muts) => {
          const chunks = (STREAMS[k] as { chunks: StreamChunk[] }).chunks.map((c) => ({ ...c }));
          const target = which % chunks.length;
          const t = chunks[target] as StreamChunk;
          if (t.gap === undefined) t.bytes = mutate(t.bytes, muts);
          feedAll(make(recorder()), chunks);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('AppStream output does not depend on how the corpus streams are cut', () => {
    fc.assert(
      fc.property(fc.nat({ max: STREAMS.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (k, cuts) => {
        const chunks = (STREAMS[k] as { chunks: StreamChunk[] }).chunks;
        const whole = recorder();
        feedAll(new AppStream(whole), chunks);
        // Re-cut every data chunk at pseudo-random points (gaps stay where they are).
        const recut: StreamChunk[] = [];
        let c = 0;
        for (const ch of chunks) {
          if (ch.gap !== undefined || ch.bytes.length < 2) {
            recut.push(ch);
            continue;
          }
          const at = 1 + ((cuts[c++ % cuts.length] as number) % (ch.bytes.length - 1));
          recut.push({ dir: ch.dir, bytes: ch.bytes.subarray(0, at) }, { dir: ch.dir, bytes: ch.bytes.subarray(at) });
        }
        const split = recorder();
        feedAll(new AppStream(split), recut);
        expect(split.log).toEqual(whole.log);
      }),
      { numRuns: 300 },
    );
  });

  it.each(makers)('%s reads nothing outside [off, end)', (_name, make) => {
    fc.assert(
      fc.property(fc.nat({ max: STREAMS.length - 1 }), fc.uint8Array({ maxLength: 20 }), (k, pad) => {
        const chunks = (STREAMS[k] as { chunks: StreamChunk[] }).chunks;
        const plain = recorder();
        feedAll(make(plain), chunks);
        const padded = recorder();
        const p = make(padded);
        for (const ch of chunks) {
          if (ch.gap !== undefined) p.gap(ch.dir, ch.gap);
          else {
            const b = new Uint8Array([...pad, ...ch.bytes, ...pad]);
            p.feed(ch.dir, b, pad.length, pad.length + ch.bytes.length);
          }
        }
        p.end();
        expect(padded.log).toEqual(plain.log);
      }),
      { numRuns: 100 },
    );
  });
});

describe('TLS structure properties', () => {
  it('parseClientHello never throws on mutated hellos and reports only known codes', () => {
    const base = new Uint8Array(
      clientHelloBody({ ciphers: [0x1301, 0xc02f], exts: [sniExt('fuzz.example'), alpnExt(['h2', 'http/1.1'])] }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (muts) => {
        const b = mutate(base, muts);
        const codes: string[] = [];
        parseClientHello(b, 0, b.length, (c) => void codes.push(c));
        expect(codes.every(isAppAnomalyCode)).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  it('parseCertificate never throws on mutated DER', () => {
    const base = new Uint8Array(
      certificate({ serial: [1, 2, 3], issuer: [['2.5.4.3', 'CA']], subject: [['2.5.4.3', 'host']], notBefore: '240101000000Z', notAfter: '20300101000000Z' }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (muts) => {
        const b = mutate(base, muts);
        const r = parseCertificate(b, 0, b.length);
        if (r !== null) expect(typeof r.subject).toBe('string');
      }),
      { numRuns: 20000 },
    );
  });
});
