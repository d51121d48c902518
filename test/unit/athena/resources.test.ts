import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { athenaResources, athenaResourcesYaml } from '../../../shared/athena/resources.ts';
import { listQueries } from '../../../shared/athena/library.ts';

const FILE = new URL('../../../shared/athena/resources.yml', import.meta.url);

type Res = Record<string, { Type: string; Properties: Record<string, any> }>;

describe('shared/athena/resources.yml', () => {
  it('is what the generator produces (regenerate with node shared/athena/resources.ts > shared/athena/resources.yml)', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(athenaResourcesYaml());
  });

  it('contains no CloudFormation ${...} that the Framework would try to resolve', () => {
    const text = readFileSync(FILE, 'utf8');
    const vars = [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] as string);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) expect(v).toMatch(/^(param|sls):/);
  });

  it('deploys every library query and detection as a NamedQuery in the workgroup', () => {
    const r = parse(readFileSync(FILE, 'utf8')).Resources as Res;
    const named = Object.values(r).filter((x) => x.Type === 'AWS::Athena::NamedQuery');
    expect(named.map((n) => n.Properties.Name).sort()).toEqual(listQueries().map((q) => `netwatch ${q.name}`).sort());
    for (const n of named) {
      expect(n.Properties.WorkGroup).toEqual({ Ref: 'NetwatchAthenaWorkGroup' });
      expect(n.Properties.QueryString.length).toBeLessThan(262_144);
    }
  });

  it('has a workgroup with an enforced result location and a bytes-scanned limit', () => {
    const wg = (athenaResources().Resources as Res).NetwatchAthenaWorkGroup?.Properties.WorkGroupConfiguration;
    expect(wg).toMatchObject({ EnforceWorkGroupConfiguration: true, BytesScannedCutoffPerQuery: '${param:athenaBytesScannedCutoff, 10737418240}' });
    expect(JSON.stringify(wg.ResultConfiguration.OutputLocation)).toContain('athena-results/');
  });

  it('projects flow_logs partitions account_id, region, dt, hour and keeps them out of the columns (Glue forbids duplicates)', () => {
    const t = (athenaResources().Resources as Res).NetwatchFlowLogsTable?.Properties.TableInput;
    expect(t.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['account_id', 'region', 'dt', 'hour']);
    const cols = t.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name);
    expect(cols).not.toContain('account_id');
    expect(cols).not.toContain('region');
    expect(cols).toEqual(expect.arrayContaining(['srcaddr', 'end', 'reject_reason', 'direction_class']));
    expect(t.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.format': 'yyyy-MM-dd', 'projection.hour.type': 'integer', 'projection.hour.digits': '2' });
    expect(t.Parameters['storage.location.template']['Fn::Join'][1].slice(4).join('')).toBe('flow_logs/account_id=${account_id}/region=${region}/dt=${dt}/hour=${hour}');
    expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
  });

  it('defines one JSON table per sensor event type, partitioned by dt and hour', () => {
    const r = athenaResources().Resources as Res;
    for (const type of ['flow', 'http', 'tls', 'dns', 'anomaly']) {
      const t = Object.values(r).find((x) => x.Type === 'AWS::Glue::Table' && x.Properties.TableInput.Name === `sensor_${type}`)?.Properties.TableInput;
      expect(t?.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['dt', 'hour']);
      expect(t?.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
      expect(t?.Parameters['storage.location.template']['Fn::Join'][1].slice(4).join('')).toBe(`sensor/event_type=${type}/dt=\${dt}/hour=\${hour}`);
    }
  });
});
