/**
 * CloudWatch alarms and the dashboard as code (issue 7, "Alarms and dashboard as code"), generated into
 * shared/athena/monitoring.yml (`node shared/athena/monitoring.ts > shared/athena/monitoring.yml`; a test keeps the
 * two in step) and included from serverless.yml.
 *
 * - Alarms on the metrics seed practice watches (EC2 Network*, TGW packet drops, VPN TunnelState, DX
 *   ConnectionState, Shield DDoSDetected, WAF BlockedRequests, NLB health) are optional: each is created only when its
 *   resource param is set (`--param="alarmVpnId=vpn-0abc…"`).
 * - Alarms on the pipeline itself are always created: every function's Errors and Throttles, the dead-letter
 *   queues' depth, sensor kernel drops and ingest lag.
 * - No alarm has actions: CloudWatch already sends every state change to EventBridge ("CloudWatch Alarm State
 *   Change"), which is the path functions/alarm-notify handles (and maps to responses).
 *
 * The pipeline's own metrics are in the `NetWatch` namespace (emitted with CloudWatch EMF); NETWATCH_METRICS is the
 * contract the emitting components follow.
 */
import { stringify } from 'yaml';

export const NETWATCH_NAMESPACE = 'NetWatch';

/** Custom metrics the pipeline emits (EMF), their unit and dimensions; the alarms and dashboard read these names. */
export const NETWATCH_METRICS = {
  FlowLogRecords: { unit: 'Count', dimensions: [], emittedBy: 'flow-log-ingest: records parsed per object' },
  IngestLagSeconds: { unit: 'Seconds', dimensions: [], emittedBy: 'flow-log-ingest: now - newest record end, per object' },
  Findings: { unit: 'Count', dimensions: ['Type'], emittedBy: 'flow-log-ingest / scheduled detections: findings published, by finding type' },
  ActiveNaclBlocks: { unit: 'Count', dimensions: [], emittedBy: 'nacl-responder: deny entries in force after each run' },
  NotificationsSent: { unit: 'Count', dimensions: ['Channel'], emittedBy: 'alarm-notify / cloudtrail-watch: deliveries that succeeded' },
  NotificationsFailed: { unit: 'Count', dimensions: ['Channel'], emittedBy: 'alarm-notify / cloudtrail-watch: deliveries that failed' },
  SensorPackets: { unit: 'Count', dimensions: [], emittedBy: 'sensor daemon: datagrams decoded per flush' },
  SensorKernelDrops: { unit: 'Count', dimensions: [], emittedBy: 'sensor daemon: UDP receive-buffer drops (/proc/net/udp drops delta)' },
} as const;

/** The functions whose Errors / Throttles are alarmed (serverless.yml keys; names are <service>-<stage>-<key>). */
export const PIPELINE_FUNCTIONS = ['flow-log-ingest', 'nacl-responder', 'alarm-notify', 'cloudtrail-watch', 'mirror-manager', 'scheduled-detections'] as const;
/** Dead-letter queues (logical ids in the functions' resources.yml). */
export const DEAD_LETTER_QUEUES = ['FlowLogIngestDLQ', 'NaclResponderDLQ', 'ScheduledDetectionsDLQ'] as const;

const STAGE_PREFIX = 'netwatch-${sls:stage}';
const fnName = (fn: string) => `\${self:service}-\${sls:stage}-${fn}`;
const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

interface AlarmSpec {
  id: string;
  name: string;
  description: string;
  namespace: string;
  metric: string;
  dimensions: { Name: string; Value: unknown }[];
  statistic: 'Sum' | 'Maximum' | 'Minimum' | 'Average';
  comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  threshold: unknown;
  period?: number;
  evaluationPeriods?: number;
  missing?: 'notBreaching' | 'breaching' | 'missing' | 'ignore';
  condition?: string;
}

function alarm(a: AlarmSpec): [string, Record<string, unknown>] {
  return [
    `Netwatch${a.id}Alarm`,
    {
      Type: 'AWS::CloudWatch::Alarm',
      ...(a.condition ? { Condition: a.condition } : {}),
      Properties: {
        AlarmName: `${STAGE_PREFIX}-${a.name}`,
        AlarmDescription: a.description,
        Namespace: a.namespace,
        MetricName: a.metric,
        Dimensions: a.dimensions,
        Statistic: a.statistic,
        Period: a.period ?? 300,
        EvaluationPeriods: a.evaluationPeriods ?? 1,
        ComparisonOperator: a.comparison,
        Threshold: a.threshold,
        TreatMissingData: a.missing ?? 'notBreaching',
      },
    },
  ];
}

/** Optional watched-resource params: name -> condition id. */
const OPTIONAL = {
  alarmInstanceId: 'NetwatchAlarmInstance',
  alarmTransitGatewayId: 'NetwatchAlarmTransitGateway',
  alarmVpnId: 'NetwatchAlarmVpn',
  alarmDxConnectionId: 'NetwatchAlarmDx',
  alarmShieldResourceArn: 'NetwatchAlarmShield',
  alarmWafWebAcl: 'NetwatchAlarmWaf',
  alarmNlbLoadBalancer: 'NetwatchAlarmNlb',
} as const;
const p = (name: string, fallback: string | number = "''") => `\${param:${name}, ${fallback}}`;

export function monitoringResources(): Record<string, unknown> {
  const conditions: Record<string, unknown> = {};
  for (const [param, cond] of Object.entries(OPTIONAL)) {
    conditions[cond] = { 'Fn::Not': [{ 'Fn::Equals': [p(param), ''] }] };
  }
  const specs: AlarmSpec[] = [
    // --- watched network resources (optional) ---
    { id: 'InstanceNetworkOut', name: 'ec2-network-out', condition: OPTIONAL.alarmInstanceId,
      description: 'EC2 NetworkOut above the threshold for 5 minutes (possible flood / exfiltration)',
      namespace: 'AWS/EC2', metric: 'NetworkOut', dimensions: [{ Name: 'InstanceId', Value: p('alarmInstanceId') }],
      statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: p('alarmInstanceNetworkOutBytes', 5_000_000_000) },
    { id: 'InstanceNetworkPacketsOut', name: 'ec2-network-packets-out', condition: OPTIONAL.alarmInstanceId,
      description: 'EC2 NetworkPacketsOut above the threshold for 5 minutes (packet flood)',
      namespace: 'AWS/EC2', metric: 'NetworkPacketsOut', dimensions: [{ Name: 'InstanceId', Value: p('alarmInstanceId') }],
      statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: p('alarmInstanceNetworkPacketsOut', 10_000_000) },
    { id: 'TgwBlackholeDrops', name: 'tgw-packet-drop-blackhole', condition: OPTIONAL.alarmTransitGatewayId,
      description: 'Transit gateway dropped packets that matched a blackhole route',
      namespace: 'AWS/TransitGateway', metric: 'PacketDropCountBlackhole', dimensions: [{ Name: 'TransitGateway', Value: p('alarmTransitGatewayId') }],
      statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0 },
    { id: 'TgwNoRouteDrops', name: 'tgw-packet-drop-no-route', condition: OPTIONAL.alarmTransitGatewayId,
      description: 'Transit gateway dropped packets that matched no route',
      namespace: 'AWS/TransitGateway', metric: 'PacketDropCountNoRoute', dimensions: [{ Name: 'TransitGateway', Value: p('alarmTransitGatewayId') }],
      statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0 },
    { id: 'VpnTunnelDown', name: 'vpn-tunnel-down', condition: OPTIONAL.alarmVpnId,
      description: 'Site-to-Site VPN: no tunnel up (TunnelState max < 1) for 3 periods',
      namespace: 'AWS/VPN', metric: 'TunnelState', dimensions: [{ Name: 'VpnId', Value: p('alarmVpnId') }],
      statistic: 'Maximum', comparison: 'LessThanThreshold', threshold: 1, evaluationPeriods: 3, missing: 'breaching' },
    { id: 'DxConnectionDown', name: 'dx-connection-down', condition: OPTIONAL.alarmDxConnectionId,
      description: 'Direct Connect connection down (ConnectionState < 1)',
      namespace: 'AWS/DX', metric: 'ConnectionState', dimensions: [{ Name: 'ConnectionId', Value: p('alarmDxConnectionId') }],
      statistic: 'Minimum', comparison: 'LessThanThreshold', threshold: 1, period: 60, evaluationPeriods: 3, missing: 'breaching' },
    { id: 'ShieldDdosDetected', name: 'shield-ddos-detected', condition: OPTIONAL.alarmShieldResourceArn,
      description: 'AWS Shield Advanced detected a DDoS event on the protected resource',
      namespace: 'AWS/DDoSProtection', metric: 'DDoSDetected', dimensions: [{ Name: 'ResourceArn', Value: p('alarmShieldResourceArn') }],
      statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, period: 60 },
    { id: 'WafBlockedRequests', name: 'waf-blocked-requests', condition: OPTIONAL.alarmWafWebAcl,
      description: 'AWS WAF blocked more requests than the threshold in 5 minutes',
      namespace: 'AWS/WAFV2', metric: 'BlockedRequests',
      dimensions: [{ Name: 'WebACL', Value: p('alarmWafWebAcl') }, { Name: 'Region', Value: { Ref: 'AWS::Region' } }, { Name: 'Rule', Value: 'ALL' }],
      statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: p('alarmWafBlockedRequests', 1000) },
    { id: 'NlbUnhealthyHosts', name: 'nlb-unhealthy-hosts', condition: OPTIONAL.alarmNlbLoadBalancer,
      description: 'NLB (e.g. the sensor fleet) has unhealthy targets',
      namespace: 'AWS/NetworkELB', metric: 'UnHealthyHostCount',
      dimensions: [{ Name: 'LoadBalancer', Value: p('alarmNlbLoadBalancer') }, { Name: 'TargetGroup', Value: p('alarmNlbTargetGroup') }],
      statistic: 'Maximum', comparison: 'GreaterThanThreshold', threshold: 0, period: 60, evaluationPeriods: 3 },
    // --- the pipeline itself (always) ---
    ...PIPELINE_FUNCTIONS.flatMap((fn): AlarmSpec[] => [
      { id: `${pascal(fn)}Errors`, name: `${fn}-errors`, description: `${fn}: invocation errors`,
        namespace: 'AWS/Lambda', metric: 'Errors', dimensions: [{ Name: 'FunctionName', Value: fnName(fn) }],
        statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0 },
      { id: `${pascal(fn)}Throttles`, name: `${fn}-throttles`, description: `${fn}: throttled invocations`,
        namespace: 'AWS/Lambda', metric: 'Throttles', dimensions: [{ Name: 'FunctionName', Value: fnName(fn) }],
        statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0 },
    ]),
    ...DEAD_LETTER_QUEUES.map((q): AlarmSpec => ({
      id: `${q}Depth`, name: `${q.replace(/DLQ$/, '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}-dlq-depth`,
      description: `${q}: messages waiting in the dead-letter queue (failed events to replay)`,
      namespace: 'AWS/SQS', metric: 'ApproximateNumberOfMessagesVisible', dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [q, 'QueueName'] } }],
      statistic: 'Maximum', comparison: 'GreaterThanThreshold', threshold: 0 })),
    { id: 'SensorKernelDrops', name: 'sensor-kernel-drops', description: 'Sensor: the kernel dropped mirrored packets (UDP receive buffer full)',
      namespace: NETWATCH_NAMESPACE, metric: 'SensorKernelDrops', dimensions: [], statistic: 'Sum', comparison: 'GreaterThanThreshold',
      threshold: p('alarmSensorKernelDrops', 0) },
    { id: 'IngestLag', name: 'flow-log-ingest-lag', description: 'Flow-log ingest is behind: newest record older than the threshold',
      namespace: NETWATCH_NAMESPACE, metric: 'IngestLagSeconds', dimensions: [], statistic: 'Maximum', comparison: 'GreaterThanThreshold',
      threshold: p('alarmIngestLagSeconds', 1800), evaluationPeriods: 2 },
  ];
  const resources: Record<string, unknown> = Object.fromEntries(specs.map(alarm));
  resources.NetwatchDashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: STAGE_PREFIX,
      // the body is JSON with the stack's region spliced in by Fn::Join (no `${` for the Framework to resolve)
      DashboardBody: { 'Fn::Join': ['', dashboardBodyParts()] },
    },
  };
  return { Conditions: conditions, Resources: resources };
}

const REGION = '__REGION__';

/** The dashboard JSON, split around the region placeholder into Fn::Join parts. */
export function dashboardBodyParts(): unknown[] {
  const ns = NETWATCH_NAMESPACE;
  const widget = (x: number, y: number, title: string, metrics: unknown[], stat: string, period: number, extra: object = {}) => ({
    type: 'metric', x, y, width: 12, height: 6,
    properties: { title, region: REGION, view: 'timeSeries', stacked: false, stat, period, metrics, ...extra },
  });
  const body = {
    widgets: [
      widget(0, 0, 'Flow-log records / min', [[ns, 'FlowLogRecords', { label: 'records' }]], 'Sum', 60),
      widget(12, 0, 'Findings by type', [[{ expression: `SEARCH('{${ns},Type} MetricName="Findings"', 'Sum', 300)`, id: 'findings' }]], 'Sum', 300),
      widget(0, 6, 'Active NACL blocks', [[ns, 'ActiveNaclBlocks']], 'Maximum', 300),
      widget(12, 6, 'Sensor packets/s and kernel drops', [
        [{ expression: 'pkts / PERIOD(pkts)', id: 'pps', label: 'packets/s' }],
        [ns, 'SensorPackets', { id: 'pkts', visible: false }],
        [ns, 'SensorKernelDrops', { label: 'kernel drops', yAxis: 'right' }],
      ], 'Sum', 60),
      widget(0, 12, 'Notifications sent / failed', [
        [{ expression: `SEARCH('{${ns},Channel} MetricName="NotificationsSent"', 'Sum', 300)`, id: 'sent' }],
        [{ expression: `SEARCH('{${ns},Channel} MetricName="NotificationsFailed"', 'Sum', 300)`, id: 'failed' }],
      ], 'Sum', 300),
      widget(12, 12, 'Pipeline errors and throttles', PIPELINE_FUNCTIONS.flatMap((fn) => [
        ['AWS/Lambda', 'Errors', 'FunctionName', fnName(fn), { label: `${fn} errors` }],
        ['AWS/Lambda', 'Throttles', 'FunctionName', fnName(fn), { label: `${fn} throttles` }],
      ]), 'Sum', 300),
      widget(0, 18, 'Ingest lag (s)', [[ns, 'IngestLagSeconds']], 'Maximum', 300),
    ],
  };
  const parts = JSON.stringify(body).split(`"${REGION}"`);
  const out: unknown[] = [];
  parts.forEach((part, i) => {
    if (i > 0) out.push('"', { Ref: 'AWS::Region' }, '"');
    out.push(part);
  });
  return out;
}

export function monitoringYaml(): string {
  return (
    '# GENERATED by `node shared/athena/monitoring.ts > shared/athena/monitoring.yml` (CloudWatch alarms + dashboard).\n' +
    '# Do not edit by hand: test/unit/athena/monitoring.test.ts fails when this file and the generator disagree.\n' +
    `# Optional alarms, each created only when its param is set: ${Object.keys(OPTIONAL).join(', ')}\n` +
    '#   (alarmNlbLoadBalancer also needs alarmNlbTargetGroup). Thresholds: alarmInstanceNetworkOutBytes, alarmInstanceNetworkPacketsOut,\n' +
    '#   alarmWafBlockedRequests, alarmSensorKernelDrops, alarmIngestLagSeconds. No alarm actions: state changes reach\n' +
    '#   alarm-notify through EventBridge ("CloudWatch Alarm State Change").\n' +
    stringify(monitoringResources(), { lineWidth: 0, aliasDuplicateObjects: false })
  );
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(monitoringYaml());
