/**
 * The analyst tables, defined once in Hive type syntax (what Glue stores) and translated to DuckDB types for the
 * local views, so Athena and DuckDB see the same columns under the same names.
 *
 * flow_logs: Parquet under `flow_logs/account_id=…/region=…/dt=YYYY-MM-DD/hour=HH/`. The files also carry
 * account_id and region as ordinary columns; Glue cannot have a column and a partition key of the same name, so the
 * Glue table declares them only as partition keys. DuckDB (hive_partitioning) likewise lets the directory value win
 * over the file column (tested), so both engines answer from the path.
 *
 * sensor_<type>: Suricata-EVE JSON lines (gzip) under `sensor/event_type=<type>/dt=…/hour=…/`, one table per
 * event type (flow, http, tls, dns, anomaly), partitioned by dt and hour. Struct fields whose names are reserved in
 * Hive's type grammar (flow.start/end, ja3.string) are left out of the declared types; the records keep them.
 */
import { FLOW_LOG_FIELDS } from '../flowlog/fields.ts';
import { ENRICHMENT_COLUMNS } from '../flowlog/record.ts';

export interface Column {
  name: string;
  /** Hive/Glue type: string, int, bigint, double, boolean, struct<a:t,...>, array<t> */
  type: string;
  comment?: string;
}

export interface TableDef {
  name: string;
  /** path under the lake root, e.g. `flow_logs` or `sensor/event_type=http` */
  location: string;
  format: 'parquet' | 'json';
  columns: Column[];
  /** partition keys in path order; all strings */
  partitions: string[];
}

const hiveOf = (t: 'int32' | 'int64' | 'string'): string => (t === 'int32' ? 'int' : t === 'int64' ? 'bigint' : 'string');

export const FLOW_PARTITIONS = ['account_id', 'region', 'dt', 'hour'] as const;

export const FLOW_LOGS: TableDef = {
  name: 'flow_logs',
  location: 'flow_logs',
  format: 'parquet',
  columns: [
    ...FLOW_LOG_FIELDS.filter((f) => !(FLOW_PARTITIONS as readonly string[]).includes(f.column)).map((f) => ({
      name: f.column,
      type: hiveOf(f.type),
    })),
    { name: 'extra_fields', type: 'string', comment: 'unknown (future) flow-log fields as a JSON object' },
    ...ENRICHMENT_COLUMNS.map((c) => ({ name: c, type: 'string' })),
  ],
  partitions: [...FLOW_PARTITIONS],
};

const EVE_COMMON: Column[] = [
  { name: 'timestamp', type: 'string' },
  { name: 'flow_id', type: 'bigint' },
  { name: 'event_type', type: 'string' },
  { name: 'src_ip', type: 'string' },
  { name: 'src_port', type: 'int' },
  { name: 'dest_ip', type: 'string' },
  { name: 'dest_port', type: 'int' },
  { name: 'proto', type: 'string' },
  { name: 'community_id', type: 'string' },
  { name: 'vxlan', type: 'struct<vni:int>' },
  { name: 'mirror', type: 'struct<session_id:string,source_eni:string,instance_id:string>' },
];

const sensor = (type: string, extra: Column[]): TableDef => ({
  name: `sensor_${type}`,
  location: `sensor/event_type=${type}`,
  format: 'json',
  columns: [...EVE_COMMON, ...extra],
  partitions: ['dt', 'hour'],
});

const DNS_RR = 'struct<rrname:string,rrtype:string,ttl:bigint,rdata:string>';

export const SENSOR_TABLES: TableDef[] = [
  sensor('flow', [
    {
      name: 'flow',
      type: 'struct<pkts_toserver:bigint,pkts_toclient:bigint,bytes_toserver:bigint,bytes_toclient:bigint,age:bigint,state:string,reason:string>',
    },
  ]),
  sensor('http', [
    {
      name: 'http',
      type: 'struct<hostname:string,http_port:int,url:string,http_user_agent:string,xff:string,http_content_type:string,http_refer:string,http_method:string,protocol:string,status:int,redirect:string,length:bigint>',
    },
  ]),
  sensor('tls', [
    {
      name: 'tls',
      type: 'struct<subject:string,issuerdn:string,serial:string,fingerprint:string,sni:string,version:string,notbefore:string,notafter:string,ja3:struct<hash:string>,ja3s:struct<hash:string>,ja4:string,alpn:string>',
    },
  ]),
  sensor('dns', [
    {
      name: 'dns',
      type: `struct<version:int,type:string,id:int,flags:string,rcode:string,queries:array<struct<rrname:string,rrtype:string>>,answers:array<${DNS_RR}>>`,
    },
  ]),
  sensor('anomaly', [{ name: 'anomaly', type: 'struct<type:string,event:string,layer:string>' }]),
];

export const TABLES: TableDef[] = [FLOW_LOGS, ...SENSOR_TABLES];

/** Splits `a:t1,b:struct<c:t2>` at top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '<') depth++;
    if (ch === '>') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

const SCALAR: Record<string, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};

/** Hive type -> DuckDB type (`struct<a:int>` -> `STRUCT("a" INTEGER)`, `array<t>` -> `T[]`). */
export function duckType(hive: string): string {
  const t = hive.trim();
  const scalar = SCALAR[t];
  if (scalar) return scalar;
  const m = /^(struct|array)<(.*)>$/s.exec(t);
  if (!m) throw new Error(`unsupported Hive type "${hive}"`);
  if (m[1] === 'array') return `${duckType(m[2] as string)}[]`;
  const fields = splitTop(m[2] as string).map((f) => {
    const i = f.indexOf(':');
    return `"${f.slice(0, i)}" ${duckType(f.slice(i + 1))}`;
  });
  return `STRUCT(${fields.join(', ')})`;
}
