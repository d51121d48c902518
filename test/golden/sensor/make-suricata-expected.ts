/**
 * Regenerates suricata-app.expected.json from the corpus's suricata-verify test.yaml files (run on purpose only:
 * `UPDATE_GOLDEN=1 node test/golden/sensor/make-suricata-expected.ts`). It keeps the http/tls/dns/flow checks of
 * Suricata ≥ 8 and, in each, the keys the sensor logs (ARCHITECTURE.md "Sensor records"); keys about Suricata
 * features we do not have (pcap_cnt, tx_id, alerts, dns.grouped, header lists, app_proto "failed", ...) are dropped,
 * and the dropped key names are kept in the file so the review sees exactly what is not compared.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../../../../shared/corpus/suricata-verify');
const OUT = join(import.meta.dirname, 'suricata-app.expected.json');
const EVENT_TYPES = new Set(['http', 'tls', 'dns', 'flow']);
const KEEP = [
  /^(event_type|src_ip|src_port|dest_ip|dest_port|proto|community_id|icmp_type|icmp_code|response_icmp_type|response_icmp_code|vlan)$/,
  /^flow\.(pkts_toserver|pkts_toclient|bytes_toserver|bytes_toclient|state|reason|age)$/,
  /^http\.(hostname|url|http_user_agent|http_content_type|http_refer|http_method|protocol|status|length|redirect|xff|http_port)$/,
  /^tls\.(sni|version|ja3\.hash|ja3\.string|ja3s\.hash|ja3s\.string|ja4|subject|issuerdn|serial|fingerprint|notbefore|notafter|client_alpns|server_alpns)$/,
  /^dns\.(version|type|id|flags|qr|aa|tc|rd|ra|z|opcode|rcode)$/,
  /^dns\.(queries|answers|authorities|additionals)\[\d+\]\.(rrname|rrtype|ttl|rdata)$/,
  /^dns\.(authorities|answers)\[\d+\]\.soa\.\w+$/,
  /^dns\.(answers|additionals)\[\d+\]\.srv\.\w+$/,
];

function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

interface Filter {
  count?: number;
  match?: Record<string, unknown>;
  requires?: Record<string, unknown>;
}

const cases: unknown[] = [];
for (const name of readdirSync(ROOT).sort()) {
  const dir = join(ROOT, name);
  const pcaps = readdirSync(dir).filter((f) => f.endsWith('.pcap'));
  if (pcaps.length !== 1) continue;
  const y = parse(readFileSync(join(dir, 'test.yaml'), 'utf8')) as { checks?: { filter?: Filter }[] };
  const checks = [];
  for (const c of y.checks ?? []) {
    const f = c.filter;
    if (!f?.match || f.count === undefined || !EVENT_TYPES.has(String(f.match.event_type))) continue;
    if (f.requires?.['lt-version'] !== undefined) continue; // pre-Suricata-8 EVE shapes
    const flat = flatten(f.match);
    if (flat.app_proto !== undefined && flat.app_proto !== 'failed') flat.app_proto_kept = flat.app_proto;
    const match: Record<string, unknown> = {};
    const dropped: string[] = [];
    for (const [k, v] of Object.entries(flat)) {
      if (k === 'app_proto_kept') match.app_proto = v;
      else if (KEEP.some((re) => re.test(k))) match[k] = v;
      else if (k !== 'app_proto' || v === 'failed') dropped.push(k);
    }
    checks.push({ count: f.count, match, ...(dropped.length ? { dropped } : {}) });
  }
  if (checks.length) cases.push({ name, pcap: `suricata-verify/${name}/${pcaps[0]}`, ...(name.startsWith('community-id') ? { seed: 7 } : {}), checks });
}

if (process.env.UPDATE_GOLDEN !== '1') {
  process.stderr.write('refusing to overwrite the baseline without UPDATE_GOLDEN=1\n');
  process.exit(2);
}
writeFileSync(OUT, `${JSON.stringify(cases, null, 1)}\n`);
process.stderr.write(`wrote ${cases.length} cases to ${OUT}\n`);
