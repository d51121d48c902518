/**
 * The http/tls/dns/flow checks of every suricata-verify case in the corpus, end to end through the sensor (decode,
 * flows, reassembly, app parsers). Expected values live in suricata-app.expected.json, generated from the cases'
 * test.yaml by make-suricata-expected.ts (regenerated only with UPDATE_GOLDEN=1); keys the sensor does not log are
 * listed there as `dropped`. KNOWN_DIFFERENCES names each check that differs from Suricata on purpose, with why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpus, count, decodeFile } from '../../helpers/pcap-sensor.ts';

interface Check {
  count: number;
  match: Record<string, unknown>;
  dropped?: string[];
}
interface Case {
  name: string;
  pcap: string;
  seed?: number;
  checks: Check[];
}

const CASES = JSON.parse(readFileSync(join(import.meta.dirname, 'suricata-app.expected.json'), 'utf8')) as Case[];

/** `<case>#<check index>` -> reason. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'decode-erspan-typeII-01#0': 'GRE/ERSPAN is not decoded (AWS Traffic Mirroring uses VXLAN); the flow is the outer GRE one',
  'decode-teredo-01#17': 'no DHCP parser: app_proto stays unset',
  'decode-teredo-01#18': 'Teredo (IPv6 in UDP 3544) is not decapsulated; the flow is the outer UDP one',
  'dns-forward-pointer#0': 'DNS names with forward compression pointers are rejected on purpose (HOUSE-STYLE 4.4, dns-packet): no queries logged',
  'tcp-fastopen-10-syn-data-ignore#0': 'Suricata IPS-mode stream test: it splits the session at a second SYN/ACK with a new ISN; we keep one flow',
  'tcp-fastopen-10-syn-data-ignore#2': 'same case: with the session kept as one flow we log one tls record with version "TLS 1.2" where Suricata logs two with "TLS 1.3"',
  'vxlan-decoder-03#2': 'no NTP parser: app_proto stays unset',
};

describe('golden: suricata-verify http/tls/dns/flow checks', () => {
  it.each(CASES)('$name', (c) => {
    const { records, stats } = decodeFile(corpus(c.pcap), { communityIdSeed: c.seed });
    expect(stats.internal_errors).toBe(0);
    c.checks.forEach((ch, i) => {
      if (KNOWN_DIFFERENCES[`${c.name}#${i}`]) return;
      expect({ check: i, match: ch.match, count: count(records, ch.match) }).toEqual({ check: i, match: ch.match, count: ch.count });
    });
  });
});
