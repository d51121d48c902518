/** AWS console deep links, partition-aware (aws, aws-cn, aws-us-gov). */

function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

export function alarmConsoleUrl(region: string, alarmName: string): string {
  return `${consoleHost(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

export function cloudTrailEventUrl(region: string, eventId: string): string {
  return `${consoleHost(region)}/cloudtrailv2/home?region=${region}#/events/${encodeURIComponent(eventId)}`;
}

export function cloudTrailInsightsUrl(region: string, eventId: string): string {
  return `${consoleHost(region)}/cloudtrailv2/home?region=${region}#/insights/${encodeURIComponent(eventId)}`;
}

export function guardDutyFindingUrl(region: string, findingId: string): string {
  return `${consoleHost(region)}/guardduty/home?region=${region}#/findings?fId=${encodeURIComponent(findingId)}`;
}

/** "arn:aws:sns:us-east-1:123456789012:topic" → { region: 'us-east-1', account: '123456789012' } */
export function arnParts(arn: string | undefined): { region?: string; account?: string; resource?: string } {
  if (!arn) return {};
  const p = arn.split(':');
  if (p.length < 6 || p[0] !== 'arn') return {};
  return { ...(p[3] ? { region: p[3] } : {}), ...(p[4] ? { account: p[4] } : {}), resource: p.slice(5).join(':') };
}

/** Region display names CloudWatch puts in SNS alarm messages → region codes (the ones that differ in wording). */
const REGION_LABELS: Record<string, string> = {
  'US East (N. Virginia)': 'us-east-1',
  'US (Virginia)': 'us-east-1',
  'US East (Ohio)': 'us-east-2',
  'US West (N. California)': 'us-west-1',
  'US West (Oregon)': 'us-west-2',
  'EU (Ireland)': 'eu-west-1',
  'EU - Ireland': 'eu-west-1',
  'Europe (Ireland)': 'eu-west-1',
  'EU (London)': 'eu-west-2',
  'Europe (London)': 'eu-west-2',
  'EU (Frankfurt)': 'eu-central-1',
  'Europe (Frankfurt)': 'eu-central-1',
  'Asia Pacific (Tokyo)': 'ap-northeast-1',
  'Asia Pacific (Singapore)': 'ap-southeast-1',
  'Asia Pacific (Sydney)': 'ap-southeast-2',
  'China (Beijing)': 'cn-north-1',
  'China (Ningxia)': 'cn-northwest-1',
};

export function regionFromLabel(label: string | undefined): string | undefined {
  if (!label) return undefined;
  if (/^[a-z]{2}(-[a-z]+)+-\d$/.test(label)) return label;
  return REGION_LABELS[label];
}
