import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dashboardBodyParts, monitoringResources, monitoringYaml, NETWATCH_METRICS, PIPELINE_FUNCTIONS } from '../../../shared/athena/monitoring.ts';

const FILE = new URL('../../../shared/athena/monitoring.yml', import.meta.url);
type Res = Record<string, { Type: string; Condition?: string; Properties: Record<string, any> }>;
const res = () => monitoringResources().Resources as Res;

describe('shared/athena/monitoring.yml', () => {
  it('is what the generator produces', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(monitoringYaml());
    expect(parse(readFileSync(FILE, 'utf8'))).toEqual(monitoringResources());
  });

  it('only uses Framework variables (param/sls/self) in ${…}', () => {
    for (const m of readFileSync(FILE, 'utf8').matchAll(/\$\{([^}]*)\}/g)) expect(m[1]).toMatch(/^(param|sls|self):/);
  });

  it('makes the watched-resource alarms optional, one condition per param', () => {
    const optional = Object.values(res()).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Condition);
    expect(optional.map((r) => `${r.Properties.Namespace} ${r.Properties.MetricName}`).sort()).toEqual([
      'AWS/DDoSProtection DDoSDetected', 'AWS/DX ConnectionState', 'AWS/EC2 NetworkOut', 'AWS/EC2 NetworkPacketsOut',
      'AWS/NetworkELB UnHealthyHostCount', 'AWS/TransitGateway PacketDropCountBlackhole', 'AWS/TransitGateway PacketDropCountNoRoute',
      'AWS/VPN TunnelState', 'AWS/WAFV2 BlockedRequests',
    ]);
    const conds = monitoringResources().Conditions as Record<string, unknown>;
    for (const r of optional) expect(conds).toHaveProperty(r.Condition as string);
    expect(conds.NetwatchAlarmVpn).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ["${param:alarmVpnId, ''}", ''] }] });
  });

  it('always alarms on every function\'s errors and throttles, the DLQs, sensor drops and ingest lag, with no actions', () => {
    const always = Object.values(res()).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && !r.Condition);
    for (const fn of PIPELINE_FUNCTIONS) {
      for (const m of ['Errors', 'Throttles']) {
        expect(always.some((a) => a.Properties.MetricName === m && a.Properties.Dimensions[0].Value === `\${self:service}-\${sls:stage}-${fn}`)).toBe(true);
      }
    }
    expect(always.filter((a) => a.Properties.Namespace === 'AWS/SQS')).toHaveLength(3);
    expect(always.map((a) => a.Properties.MetricName)).toEqual(expect.arrayContaining(['SensorKernelDrops', 'IngestLagSeconds']));
    for (const a of Object.values(res()).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')) {
      expect(a.Properties.AlarmActions).toBeUndefined();
      expect(a.Properties.AlarmName).toMatch(/^netwatch-\$\{sls:stage\}-[a-z0-9-]+$/);
    }
  });

  it('builds a dashboard whose body is valid JSON once the region is spliced in, over the NetWatch metrics', () => {
    const body = dashboardBodyParts().map((x) => (typeof x === 'string' ? x : 'eu-west-1')).join('');
    const d = JSON.parse(body) as { widgets: { properties: { title: string; region: string; metrics: unknown[] } }[] };
    expect(d.widgets.map((w) => w.properties.title)).toEqual([
      'Flow-log records / min', 'Findings by type', 'Active NACL blocks', 'Sensor packets/s and kernel drops',
      'Notifications sent / failed', 'Pipeline errors and throttles', 'Ingest lag (s)',
    ]);
    expect(new Set(d.widgets.map((w) => w.properties.region))).toEqual(new Set(['eu-west-1']));
    const used = JSON.stringify(d);
    for (const m of Object.keys(NETWATCH_METRICS)) expect(used).toContain(m);
  });
});

describe('emfLine()', () => {
  it('writes an Embedded Metric Format line for a NetWatch metric', async () => {
    const { emfLine } = await import('../../../shared/athena/emf.ts');
    expect(JSON.parse(emfLine('IngestLagSeconds', 42, {}, 1_763_719_200_000))).toEqual({
      _aws: { Timestamp: 1_763_719_200_000, CloudWatchMetrics: [{ Namespace: 'NetWatch', Dimensions: [[]], Metrics: [{ Name: 'IngestLagSeconds', Unit: 'Seconds' }] }] },
      IngestLagSeconds: 42,
    });
    expect(() => emfLine('Findings', 1)).toThrow('EMF Findings: dimension Type missing');
  });
});
