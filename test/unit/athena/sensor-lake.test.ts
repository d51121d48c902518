/**
 * The contract between the sensor's lake objects and the sensor tables: real pcaps from ../shared/corpus go through
 * `netwatch sensor decode --out` into `sensor/event_type=…/dt=…/hour=…/*.json.gz`, and the library queries read them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main.ts';
import { openLocalLake, runNamedQuery } from '../../../shared/athena/index.ts';

const SV = new URL('../../../../shared/corpus/suricata-verify/', import.meta.url).pathname;
let lake: string;

beforeAll(async () => {
  lake = mkdtempSync(join(tmpdir(), 'nw-sensor-lake-'));
  const quiet = [vi.spyOn(process.stdout, 'write').mockImplementation(() => true), vi.spyOn(process.stderr, 'write').mockImplementation(() => true)];
  try {
    for (const p of ['bug-130/input.pcap', 'dns-tcp-www-google-com/dns.pcap']) {
      expect(await main(['node', 'netwatch', 'sensor', 'decode', join(SV, p), '--out', lake])).toBe(0);
    }
  } finally {
    quiet.forEach((s) => s.mockRestore());
  }
});
afterAll(() => {
  if (lake) rmSync(lake, { recursive: true, force: true });
});

describe('sensor tables over objects written by sensor decode', () => {
  it('top-http-hosts reads the HTTP records (suricata-verify bug-130: one GET to www.abcdefghij.com)', async () => {
    expect(await runNamedQuery('top-http-hosts', { lake })).toEqual([{ hostname: 'www.abcdefghij.com', requests: 1, clients: 1 }]);
  });

  it('sensor_dns exposes the EVE v3 queries array (the DNS-over-TCP query and its response)', async () => {
    const db = await openLocalLake(lake);
    try {
      const r = await db.query(
        'SELECT element_at(dns.queries, 1).rrname AS q, dns.type AS t, dns.version AS v, COUNT(*) AS n FROM sensor_dns GROUP BY element_at(dns.queries, 1).rrname, dns.type, dns.version ORDER BY t',
      );
      expect(r.rows).toEqual([
        { q: 'www.google.com', t: 'request', v: 3, n: 1 },
        { q: 'www.google.com', t: 'response', v: 3, n: 1 },
      ]);
      const f = await db.query("SELECT COUNT(*) AS n FROM sensor_flow WHERE proto = 'TCP' AND dt IS NOT NULL AND hour IS NOT NULL");
      expect(f.rows[0]?.n).toBeGreaterThanOrEqual(2);
    } finally {
      db.close();
    }
  });
});
