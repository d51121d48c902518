/**
 * The sensor fleet in the packaged CloudFormation (npm run package, offline): every resource behind the SensorFleet
 * condition (off by default: no EC2), the wiring listener -> target group -> ASG and mirror target -> NLB, the
 * internet-only mirror filter, least privilege on the instance role, security groups not open to 0.0.0.0/0 except
 * the documented outbound HTTPS, and the outputs the mirror manager reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSensorConfig } from '../../../sensor-ami/build/config.ts';
import { TEMPLATE, packagedTemplate } from '../../helpers/package.ts';
import { ROOT } from './helpers.ts';

type Resource = { Type: string; Condition?: string; Properties?: Record<string, unknown>; UpdatePolicy?: unknown };
type Template = { Conditions?: Record<string, unknown>; Resources: Record<string, Resource>; Outputs?: Record<string, { Condition?: string; Value: unknown }> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const FLEET = join(ROOT, 'sensor-ami/fleet.yml');

function template(): Template {
  // the shared helper re-packages when serverless.yml is newer; fleet.yml is included from it, so check that too
  if (existsSync(TEMPLATE) && statSync(TEMPLATE).mtimeMs < statSync(FLEET).mtimeMs) {
    const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm run package failed: ${r.stdout}\n${r.stderr}`);
  }
  return packagedTemplate() as Template;
}

const ref = (name: string) => ({ Ref: name });

describe('sensor fleet in the packaged template', () => {
  const t = template();
  const sensor = Object.entries(t.Resources).filter(([k]) => k.startsWith('Sensor'));
  const r = (k: string): Resource => {
    const v = t.Resources[k];
    if (!v) throw new Error(`${k} is not in the template`);
    return v;
  };

  it('is off by default: one condition, false unless sensorFleet=true, on every sensor resource and output', () => {
    expect(t.Conditions?.SensorFleet).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(sensor.length).toBeGreaterThanOrEqual(20);
    for (const [k, v] of sensor) expect(v.Condition, k).toBe('SensorFleet');
    // no EC2/ELB/AutoScaling resource anywhere in the stack without it
    const compute = Object.entries(t.Resources).filter(([, v]) => /^AWS::(EC2|ElasticLoadBalancingV2|AutoScaling)::/.test(v.Type));
    expect(compute.length).toBeGreaterThanOrEqual(15);
    for (const [k, v] of compute) expect(v.Condition, k).toBe('SensorFleet');
    const outs = Object.entries(t.Outputs ?? {}).filter(([k]) => k.startsWith('Sensor'));
    expect(outs.map(([k]) => k).sort()).toEqual(['SensorAutoScalingGroupName', 'SensorMirrorFilterId', 'SensorMirrorTargetId', 'SensorNlbArn', 'SensorNlbDnsName', 'SensorTargetGroupArn']);
    for (const [k, v] of outs) expect(v.Condition, k).toBe('SensorFleet');
    expect(t.Outputs?.SensorMirrorTargetId?.Value).toEqual(ref('SensorMirrorTarget'));
    expect(t.Outputs?.SensorMirrorFilterId?.Value).toEqual(ref('SensorMirrorFilter'));
  });

  it('wires mirror target -> internal NLB -> UDP 4789 listener -> target group <- ASG from the launch template', () => {
    expect(r('SensorMirrorTarget')).toMatchObject({ Type: 'AWS::EC2::TrafficMirrorTarget', Properties: { NetworkLoadBalancerArn: ref('SensorNlb') } });
    expect(r('SensorNlb')).toMatchObject({ Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'network', Scheme: 'internal' } });
    const attrs = r('SensorNlb').Properties?.LoadBalancerAttributes as { Key: string; Value: string }[];
    expect(attrs).toContainEqual({ Key: 'load_balancing.cross_zone.enabled', Value: 'false' });
    expect(r('SensorListener').Properties).toMatchObject({
      LoadBalancerArn: ref('SensorNlb'),
      Protocol: 'UDP',
      Port: 4789,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: ref('SensorTargetGroup') }],
    });
    expect(r('SensorTargetGroup').Properties).toMatchObject({ Protocol: 'UDP', Port: 4789, TargetType: 'instance', HealthCheckProtocol: 'HTTP', HealthCheckPath: '/health' });
    // osls substitutes a whole-value param with its YAML type; CloudFormation takes 8080 or '8080'
    expect(String(r('SensorTargetGroup').Properties?.HealthCheckPort)).toBe('8080');
    const asg = r('SensorAutoScalingGroup');
    expect(asg.Type).toBe('AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties).toMatchObject({ TargetGroupARNs: [ref('SensorTargetGroup')], HealthCheckType: 'ELB', MinSize: 1, MaxSize: 4, DesiredCapacity: 2 });
    expect((asg.Properties?.LaunchTemplate as { LaunchTemplateId: unknown }).LaunchTemplateId).toEqual(ref('SensorLaunchTemplate'));
    const lt = r('SensorLaunchTemplate').Properties?.LaunchTemplateData as Record<string, unknown>;
    expect(lt.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(lt.IamInstanceProfile).toEqual({ Arn: { 'Fn::GetAtt': ['SensorInstanceProfile', 'Arn'] } });
    expect(lt.SecurityGroupIds).toEqual([ref('SensorSecurityGroup')]);
    expect(JSON.stringify(lt.UserData)).toContain('systemctl restart vxlan-sensor.service');
  });

  it('scales on packets received per instance', () => {
    const p = r('SensorScalingPolicy').Properties as { AutoScalingGroupName: unknown; PolicyType: string; TargetTrackingConfiguration: Record<string, unknown> };
    expect(p.AutoScalingGroupName).toEqual(ref('SensorAutoScalingGroup'));
    expect(p.PolicyType).toBe('TargetTrackingScaling');
    expect(p.TargetTrackingConfiguration.CustomizedMetricSpecification).toMatchObject({
      Namespace: 'AWS/EC2',
      MetricName: 'NetworkPacketsIn',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: ref('SensorAutoScalingGroup') }],
      Statistic: 'Average',
    });
    expect(p.TargetTrackingConfiguration.TargetValue).toBeGreaterThan(0);
  });

  it('has the internet-only mirror filter: reject the VPC CIDR both directions, accept the rest', () => {
    const rules = Object.values(t.Resources)
      .filter((v) => v.Type === 'AWS::EC2::TrafficMirrorFilterRule')
      .map((v) => v.Properties as { TrafficMirrorFilterId: unknown; TrafficDirection: string; RuleNumber: number; RuleAction: string; SourceCidrBlock: string; DestinationCidrBlock: string });
    for (const x of rules) expect(x.TrafficMirrorFilterId).toEqual(ref('SensorMirrorFilter'));
    const view = rules.map((x) => `${x.TrafficDirection} ${x.RuleNumber} ${x.RuleAction} ${x.SourceCidrBlock} -> ${x.DestinationCidrBlock}`).sort();
    expect(view).toEqual([
      'egress 10 reject 0.0.0.0/0 -> 10.0.0.0/16',
      'egress 100 accept 0.0.0.0/0 -> 0.0.0.0/0',
      'egress 101 accept ::/0 -> ::/0',
      'ingress 10 reject 10.0.0.0/16 -> 0.0.0.0/0',
      'ingress 100 accept 0.0.0.0/0 -> 0.0.0.0/0',
      'ingress 101 accept ::/0 -> ::/0',
    ]);
  });

  it('opens UDP 4789 to the mirror sources only, the health port to the NLB only, and nothing to 0.0.0.0/0 but outbound HTTPS', () => {
    type Rule = { IpProtocol: string; FromPort?: number; ToPort?: number; CidrIp?: string; CidrIpv6?: string; SourceSecurityGroupId?: unknown; DestinationSecurityGroupId?: unknown };
    const ingress: Rule[] = [];
    const egress: Rule[] = [];
    for (const [, v] of sensor) {
      if (v.Type === 'AWS::EC2::SecurityGroup') {
        ingress.push(...((v.Properties?.SecurityGroupIngress as Rule[]) ?? []));
        egress.push(...((v.Properties?.SecurityGroupEgress as Rule[]) ?? []));
      }
      if (v.Type === 'AWS::EC2::SecurityGroupIngress') ingress.push(v.Properties as Rule);
      if (v.Type === 'AWS::EC2::SecurityGroupEgress') egress.push(v.Properties as Rule);
    }
    const open = (x: Rule) => x.CidrIp === '0.0.0.0/0' || x.CidrIpv6 === '::/0';
    expect(ingress.filter(open)).toEqual([]);
    // documented exception (fleet.yml): outbound HTTPS to the S3 and CloudWatch Logs endpoints
    expect(egress.filter(open)).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
    const sensorSg = r('SensorSecurityGroup').Properties?.SecurityGroupIngress as Rule[];
    expect(sensorSg).toEqual([expect.objectContaining({ IpProtocol: 'udp', FromPort: 4789, ToPort: 4789, CidrIp: '10.0.0.0/16' })]);
    expect(r('SensorHealthFromNlb').Properties).toMatchObject({ GroupId: ref('SensorSecurityGroup'), IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: ref('SensorNlbSecurityGroup') });
    expect(r('SensorNlb').Properties?.SecurityGroups).toEqual([ref('SensorNlbSecurityGroup')]);
  });

  it('gives the instances only what the sensor needs, and no * resource on a mutating action anywhere in the stack', () => {
    // Prepare
    const role = r('SensorRole').Properties as { ManagedPolicyArns?: unknown; Policies: { PolicyDocument: { Statement: Statement[] } }[] };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    // Assess: exactly three grants
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(statements.map((s) => s.Sid).sort()).toEqual(['ReadVniMap', 'ShipLogsAndEmfMetrics', 'WriteSensorRecords']);
    expect(bySid.WriteSensorRecords?.Action).toBe('s3:PutObject');
    expect(JSON.stringify(bySid.WriteSensorRecords?.Resource)).toMatch(/\$\{LakeBucket\}\/sensor\/\*"/);
    expect(bySid.ReadVniMap?.Action).toBe('s3:GetObject');
    expect(JSON.stringify(bySid.ReadVniMap?.Resource)).toMatch(/\$\{LakeBucket\}\/mirror\/vni-map\.json"/);
    expect([bySid.ShipLogsAndEmfMetrics?.Action].flat().every((a) => String(a).startsWith('logs:'))).toBe(true);
    // every role in the stack: a mutating action never has Resource "*"
    const all = Object.entries(t.Resources)
      .filter(([, v]) => v.Type === 'AWS::IAM::Role' || v.Type === 'AWS::IAM::Policy' || v.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap(([k, v]) => {
        const p = v.Properties as { Policies?: { PolicyDocument: { Statement: Statement[] } }[]; PolicyDocument?: { Statement: Statement[] } };
        return [...(p.Policies ?? []).flatMap((x) => x.PolicyDocument.Statement), ...(p.PolicyDocument?.Statement ?? [])].map((s) => ({ k, s }));
      });
    expect(all.length).toBeGreaterThan(10);
    // actions that change nothing (kms:Decrypt reads with a key; it creates or alters no resource)
    const readOnly = (a: string) => /^[a-z0-9-]+:(Describe|Get|List|Head|BatchGet|Query|Scan|Select|Decrypt$)/.test(a);
    const offenders = all
      .filter(({ s }) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
      .filter(({ s }) => ![s.Action].flat().every((a) => readOnly(String(a))))
      .map(({ k, s }) => `${k}/${s.Sid ?? '?'}: ${[s.Action].flat().join(',')}`);
    // cloudwatch:PutMetricData and xray:Put* take no resource ARN at all; a namespace condition is the only scope
    const unscopable = offenders.filter((o) => !/: (cloudwatch:PutMetricData|xray:PutTraceSegments,xray:PutTelemetryRecords|xray:PutTelemetryRecords,xray:PutTraceSegments)$/.test(o));
    expect(unscopable).toEqual([]);
    expect(offenders.filter((o) => o.startsWith('SensorRole'))).toEqual([]);
  });
});

describe('fleet.yml with sensorFleet=true (params substituted as osls does)', () => {
  it('turns the condition true and fills every parameter the fleet uses', () => {
    // Prepare: the defaults from serverless.yml, then the operator's overrides
    const sls = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { params: { default: Record<string, unknown> } };
    const params: Record<string, unknown> = { ...sls.params.default, sensorFleet: 'true', sensorAmiId: 'ami-0123456789abcdef0', sensorVpcId: 'vpc-1', sensorSubnetIds: 'subnet-a,subnet-b' };
    const text = readFileSync(FLEET, 'utf8');
    // Act
    const used = [...new Set([...text.matchAll(/\$\{param:(\w+)\}/g)].map((m) => m[1] as string))];
    const substituted = text.replace(/\$\{param:(\w+)\}/g, (_, k: string) => String(params[k]));
    const fleet = parse(substituted) as Template;
    // Assess
    for (const k of used) expect(params[k], `param ${k} has a default in serverless.yml`).not.toBeUndefined();
    expect(sls.params.default.sensorFleet).toBe('false');
    expect(fleet.Conditions?.SensorFleet).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect((fleet.Resources.SensorLaunchTemplate?.Properties?.LaunchTemplateData as { ImageId: string }).ImageId).toBe('ami-0123456789abcdef0');
    expect(fleet.Resources.SensorNlb?.Properties?.Subnets).toEqual({ 'Fn::Split': [',', 'subnet-a,subnet-b'] });
  });

  it('user data writes a config the sensor accepts and points the CloudWatch agent at the stack\'s log groups', () => {
    // Prepare
    const t = template();
    const sub = ((t.Resources.SensorLaunchTemplate?.Properties?.LaunchTemplateData as { UserData: { 'Fn::Base64': { 'Fn::Sub': string } } }).UserData)['Fn::Base64']['Fn::Sub'];
    const json = /<<'JSON'\n([\s\S]*?)\nJSON\n/.exec(sub)?.[1] ?? '';
    const agent = readFileSync(join(ROOT, 'sensor-ami/rootfs/opt/aws/amazon-cloudwatch-agent/etc/vxlan-sensor.json'), 'utf8');
    // Act: CloudFormation's Fn::Sub, as it would run
    const cfg = parseSensorConfig(JSON.parse(json.replaceAll('${LakeBucket}', 'lake-bucket').replaceAll('${AWS::Region}', 'eu-west-1')), 'user data');
    const sed = /sed -i 's#"([^#]+)#"([^#]+)#'/.exec(sub);
    // Assess
    expect(cfg).toMatchObject({ out: 's3://lake-bucket/', vniMap: 's3://lake-bucket/mirror/vni-map.json', region: 'eu-west-1', health: '0.0.0.0:8080' });
    expect(agent).toContain(`"${sed?.[1]}emf"`);
    const groups = [t.Resources.SensorEmfLogGroup, t.Resources.SensorDaemonLogGroup].map((g) => g?.Properties?.LogGroupName);
    expect(groups).toEqual([`${sed?.[2]}emf`, `${sed?.[2]}daemon`]);
  });
});
