/**
 * `netwatch sensor decode` as a user runs it (the real launcher in a child process): EVE JSON lines on stdout,
 * --stats JSON on stderr, --out writing partitioned gzip objects (a re-run replaces, never duplicates), exit codes
 * 0 / 1 / 2 with a one-line reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { AUTO_THREADS_MIN_BYTES, LineBuffer, decodeThreads, runDecode } from '../../../cli/commands/sensor.ts';
import { corpus } from '../../helpers/pcap-sensor.ts';
import { generateSensorPcap } from '../../../bench/sensor-generate.ts';

const ROOT = join(import.meta.dirname, '../../..');
/** The real launcher in a child process (slow: used once, for exit code and stderr as a user sees them). */
const spawnDecode = (...args: string[]) => spawnSync(process.execPath, ['bin/netwatch.mjs', 'sensor', 'decode', ...args], { cwd: ROOT, encoding: 'utf8' });

/** In-process run of the same command code path; stdout lines collected. */
async function run(file: string, o: { vniMap?: string; out?: string; threads?: string; communityIdSeed?: string } = {}) {
  let stdout = '';
  const r = await runDecode(file, { progress: false, ...o }, (chunk) => {
    stdout += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    return true;
  });
  return { stdout, ...r };
}

describe('netwatch sensor decode', () => {
  it('prints EVE JSON lines on stdout and a stats object on stderr', async () => {
    const r = await run(corpus('vxlan/zeek/vxlan-encapsulated-http.pcap'));
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.find((x) => x.event_type === 'http')).toMatchObject({
      src_ip: '172.16.11.201', dest_port: 80, vxlan: { vni: 1 }, http: { hostname: 'eu.httpbin.org', url: '/image/svg', http_method: 'GET', status: 200, length: 8984 },
    });
    const stats = r.stats as unknown as Record<string, unknown>;
    expect(stats).toMatchObject({ packets: 12, internal_errors: 0, layers: { vxlan: 12 }, records: { http: 1 } });
    expect(stats.pps).toBeGreaterThan(0);
  });

  it('labels records with the mirror session from --vni-map', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vni-'));
    const map = join(dir, 'vni.json');
    writeFileSync(map, JSON.stringify([{ vni: 5569041, session_id: 'tms-0abc', source_eni: 'eni-0def', instance_id: 'i-0123' }]));
    const r = await run(corpus('suricata-verify/vxlan-decoder-03/vxlan.pcap'), { vniMap: map });
    const dns = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.event_type === 'dns');
    expect(dns.length).toBe(16);
    for (const d of dns) expect(d.mirror).toEqual({ session_id: 'tms-0abc', source_eni: 'eni-0def', instance_id: 'i-0123' });
  });

  it('writes Hive-partitioned gzip objects with --out, and a re-run replaces them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'decode-out-'));
    const pcap = corpus('suricata-verify/dns-udp-eve-txt/input.pcap');
    expect((await run(pcap, { out })).sink?.objects).toBe(2);
    expect((await run(pcap, { out })).stdout).toBe('');
    const files = readdirSync(join(out, 'sensor'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    expect(files.map((f) => f.slice(out.length)).sort()).toEqual([
      expect.stringMatching(/^\/sensor\/event_type=dns\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/input\.pcap-[0-9a-f]{10}-00001\.json\.gz$/),
      expect.stringMatching(/^\/sensor\/event_type=flow\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/input\.pcap-[0-9a-f]{10}-00001\.json\.gz$/),
    ]);
    const dnsFile = files.find((f) => f.includes('event_type=dns')) as string;
    expect(gunzipSync(readFileSync(dnsFile)).toString().trim().split('\n')).toHaveLength(4);
  });

  it('fails with exit 1 and a one-line reason for a file that is not a capture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-'));
    const f = join(dir, 'x.pcap');
    writeFileSync(f, 'definitely not a pcap, just some text that is long enough');
    const r = spawnDecode(f, '--no-progress');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('netwatch: not a pcap or pcapng file (magic 0x64656669)\n');
  });

  it('stops quietly (exit 0, nothing on stderr) when the reader of stdout goes away', () => {
    // Prepare: a capture whose EVE output is far larger than a pipe buffer
    const dir = mkdtempSync(join(tmpdir(), 'epipe-'));
    const pcap = join(dir, 'mix.pcap');
    generateSensorPcap(pcap, 5000);
    for (const threads of ['1', '2']) {
      // Act: `| head -c 100`
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" bin/netwatch.mjs sensor decode "${pcap}" --no-progress --threads ${threads} | head -c 100 >/dev/null`], { cwd: ROOT, encoding: 'utf8' });
      // Assess
      expect(r.stderr, `threads ${threads}`).toBe('');
      expect(r.status, `threads ${threads}`).toBe(0);
    }
  });

  it('fails (exit 1) for a missing file and is a usage error (exit 2) without an argument or with a bad seed', async () => {
    await expect(runDecode('/nonexistent/file.pcap', { progress: false })).rejects.toThrow(/^cannot read \/nonexistent\/file\.pcap$/);
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'netwatch', 'sensor', 'decode'])).toBe(2);
      expect(await main(['node', 'netwatch', 'sensor', 'decode', corpus('vxlan/zeek/vxlan.pcap'), '--community-id-seed', '70000'])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
  });

  it('logs the same records, in the same order, and the same stats on two threads (the two-stage split) as on one', async () => {
    for (const f of ['vxlan/zeek/vxlan-encapsulated-http.pcap', 'suricata-verify/dns-udp-eve-txt/input.pcap', 'suricata-verify/tls13-draft22/tls13_draft22.pcap', 'suricata-verify/community-id-ipv4/input.pcap']) {
      // Prepare / Act
      const one = await run(corpus(f), { threads: '1' });
      const two = await run(corpus(f), { threads: '2' });
      // Assess: byte for byte the same output, the same counts
      expect(two.stdout, f).toBe(one.stdout);
      const { elapsed_ms: _a, pps: _b, ...stats2 } = two.stats;
      const { elapsed_ms: _c, pps: _d, ...stats1 } = one.stats;
      expect(stats2, f).toEqual(stats1);
    }
  });

  it('labels the DNS records the front stage writes with --vni-map and --community-id-seed as one thread does', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'vni2-'));
    const map = join(dir, 'vni.json');
    writeFileSync(map, JSON.stringify([{ vni: 5569041, session_id: 'tms-0abc', source_eni: 'eni-0def', instance_id: 'i-0123' }]));
    const pcap = corpus('suricata-verify/vxlan-decoder-03/vxlan.pcap');
    // Act
    const one = await run(pcap, { vniMap: map, communityIdSeed: '9', threads: '1' });
    const two = await run(pcap, { vniMap: map, communityIdSeed: '9', threads: '2' });
    // Assess
    expect(two.stdout).toBe(one.stdout);
    const dns = two.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.event_type === 'dns');
    expect(dns.length).toBe(16);
    for (const d of dns) expect(d.mirror).toEqual({ session_id: 'tms-0abc', source_eni: 'eni-0def', instance_id: 'i-0123' });
  });

  it('logs the same records and stats on three threads (flow shards, real worker threads) as on one', async () => {
    for (const f of ['vxlan/zeek/vxlan-encapsulated-http.pcap', 'suricata-verify/dns-udp-eve-txt/input.pcap', 'suricata-verify/tls13-draft22/tls13_draft22.pcap']) {
      // Prepare / Act
      const one = await run(corpus(f), { threads: '1' });
      const three = await run(corpus(f), { threads: '3' });
      // Assess: the same lines (flow_id included) in a deterministic order, the same counts
      const sorted = (s: string) => s.trim().split('\n').sort();
      expect(sorted(three.stdout), f).toEqual(sorted(one.stdout));
      expect((await run(corpus(f), { threads: '3' })).stdout, f).toBe(three.stdout);
      const { elapsed_ms: _a, pps: _b, ...stats3 } = three.stats;
      const { elapsed_ms: _c, pps: _d, ...stats1 } = one.stats;
      expect(stats3, f).toEqual(stats1);
    }
  });

  it('writes the same --out objects on two threads as on one', async () => {
    // Prepare
    const pcap = corpus('suricata-verify/dns-udp-eve-txt/input.pcap');
    const read = (out: string): Record<string, string> => {
      const files = readdirSync(join(out, 'sensor'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      return Object.fromEntries(files.map((e) => [join(e.parentPath, e.name).slice(out.length), gunzipSync(readFileSync(join(e.parentPath, e.name))).toString()]));
    };
    const out1 = mkdtempSync(join(tmpdir(), 'decode-out1-'));
    const out2 = mkdtempSync(join(tmpdir(), 'decode-out2-'));
    // Act
    const one = await run(pcap, { out: out1, threads: '1' });
    const two = await run(pcap, { out: out2, threads: '2' });
    // Assess
    expect(two.sink?.objects).toBe(2);
    expect(read(out2)).toEqual(read(out1));
    expect(two.stats.records).toEqual(one.stats.records);
  });

  it('fails with the reader\'s reason on two threads too, for a file that is not a capture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad2-'));
    const f = join(dir, 'x.pcap');
    writeFileSync(f, 'definitely not a pcap, just some text that is long enough');
    await expect(run(f, { threads: '2' })).rejects.toThrow('not a pcap or pcapng file (magic 0x64656669)');
  });

  it('picks one thread for small captures, two for large ones on 2+ cores, at most two with --out; rejects a bad --threads', () => {
    expect(decodeThreads({}, 1000)).toBe(1);
    expect(decodeThreads({ threads: 'auto' }, AUTO_THREADS_MIN_BYTES)).toBeLessThanOrEqual(2);
    expect(decodeThreads({ threads: 'auto' }, AUTO_THREADS_MIN_BYTES - 1)).toBe(1);
    expect(decodeThreads({ threads: '2' }, 1000)).toBe(2);
    expect(decodeThreads({ threads: '2', out: '/tmp/x' }, 1000)).toBe(2);
    expect(decodeThreads({ threads: '3', out: '/tmp/x' }, 1000)).toBe(2);
    expect(() => decodeThreads({ threads: '0' }, 1000)).toThrow('--threads must be an integer 1..16 or auto');
  });

  it('buffers output lines past its chunk size without losing, reordering or copying them: chunks sealed as they fill', () => {
    const lines = new LineBuffer();
    expect(lines.take()).toBeNull();
    const want: string[] = [];
    // 3000 lines of ~1 KB (some non-ASCII) come to ~3 MB, three times the chunk size, before anyone takes them
    for (let i = 0; i < 3000; i++) {
      const line = `{"n":${i},"s":"${'é→'.repeat(i % 7)}${'x'.repeat(1000)}"}`;
      want.push(line);
      if (i % 3 === 0) lines.addBytes(Buffer.from(`--${line}--`), 2, Buffer.byteLength(line));
      else lines.add(line);
    }
    // one line larger than a whole chunk
    const big = 'y'.repeat(3 << 20);
    lines.add(big);
    want.push(big);
    expect(lines.full).toBe(true);
    const chunks = lines.take()!;
    expect(chunks.length).toBeGreaterThan(3);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`${want.join('\n')}\n`);
    // every chunk ends at a line end
    for (const c of chunks) expect(c[c.length - 1]).toBe(10);
    expect(lines.full).toBe(false);
    expect(lines.take()).toBeNull();
    lines.add('{"after":1}');
    const after = lines.take()!;
    expect(Buffer.concat(after).toString()).toBe('{"after":1}\n');
    // chunks given back once written hold the next lines: same memory, right bytes
    for (const c of [...chunks, ...after]) lines.recycle(c);
    const next: string[] = [];
    for (let i = 0; i < 2000; i++) {
      next.push(`{"again":${i},"pad":"${'z'.repeat(900)}"}`);
      lines.add(next[i]!);
    }
    const again = lines.take()!;
    expect(Buffer.concat(again).toString('utf8')).toBe(`${next.join('\n')}\n`);
    const reused = new Set([...chunks, ...after].map((c) => c.buffer));
    expect(again.filter((c) => reused.has(c.buffer)).length).toBeGreaterThan(0);
  });
});
