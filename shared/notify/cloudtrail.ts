import type { CloudTrailConfig, CloudTrailRule } from './config.ts';
import { asList } from './config.ts';
import { BUILTIN_RULES, lifecycleAction } from './cloudtrail-rules.ts';
import type { Category, LifecycleAction } from './cloudtrail-rules.ts';
import type { CloudTrailRecord } from './events.ts';
import { cloudTrailEventUrl, cloudTrailInsightsUrl } from './links.ts';
import type { Field, NotifyMessage, Severity, Status } from './model.ts';
import { maxSeverity } from './model.ts';
import { formatNumber, globMatch, normaliseTime, truncateChars } from './text.ts';

/**
 * CloudTrail records (API calls, console sign-ins, Insights) → a decision: notify with a readable message, forward a
 * workload change to the mirror manager, or ignore with a named reason. Pure.
 */

/** detail of the `NetWatch Workload Change` event (source `netwatch.cloudtrail`) the mirror manager consumes. */
export interface WorkloadChange {
  action: LifecycleAction | 'other';
  eventId: string;
  eventName: string;
  eventTime: string;
  account: string;
  region: string;
  instanceIds: string[];
  networkInterfaceIds: string[];
  /** ENI attachment ids (DetachNetworkInterface names only the attachment) */
  attachmentIds: string[];
  principal: string;
}

export const IGNORE_REASONS = ['read-only', 'not-watched', 'rule-ignore', 'dry-run', 'failed-attempt', 'sign-in-routine', 'insights-disabled', 'lifecycle-forward-disabled'] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

export interface CloudTrailDecision {
  notify?: NotifyMessage;
  forward?: WorkloadChange;
  ignored?: IgnoreReason;
  /** which rule decided: `config:<index>` or `builtin:<category>` or `lifecycle`, `sign-in`, `insight` */
  rule?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length ? v : typeof v === 'number' ? String(v) : undefined);

/** CloudTrail's XML-style lists: `{items: [...]}`; plain arrays pass through. */
function items(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObj(v) && Array.isArray(v.items)) return v.items;
  return [];
}

/** Some EC2 requests are logged with a wrapper (`{DeleteFlowLogsRequest: {FlowLogId: {content, tag}}}`): unwrap. */
function unwrapRequest(eventName: string, p: Obj | null | undefined): Obj {
  if (!p) return {};
  const inner = p[`${eventName}Request`];
  return isObj(inner) ? inner : p;
}

const ID_RE = /^(?:fl|tms|tmt|tmf|tmfr|sg|sgr|acl|rtb|rtbassoc|igw|eigw|nat|pcx|vpn|cgw|vgw|tgw|tgw-attach|tgw-rtb|vpc|subnet|eni|i|vpce|pl)-[0-9a-zA-Z]+$/;

/** Every AWS resource id in a request, in order, unique (for the generic "what changed" sentence). */
export function resourceIds(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6) return out;
  if (typeof v === 'string') {
    if (ID_RE.test(v) && !out.includes(v)) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) resourceIds(x, out, depth + 1);
  } else if (isObj(v)) {
    for (const x of Object.values(v)) resourceIds(x, out, depth + 1);
  }
  return out;
}

const VERBS: Record<string, string> = {
  Create: 'created', Delete: 'deleted', Modify: 'modified', Replace: 'replaced', Attach: 'attached', Detach: 'detached',
  Associate: 'associated', Disassociate: 'disassociated', Accept: 'accepted', Reject: 'rejected', Enable: 'enabled',
  Disable: 'disabled', Authorize: 'authorized', Revoke: 'revoked', Stop: 'stopped', Start: 'started', Update: 'updated',
  Put: 'set', Run: 'launched', Terminate: 'terminated',
};

const ACRONYMS: Record<string, string> = { Vpc: 'VPC', Vpn: 'VPN', Nat: 'NAT', Acl: 'ACL', Ip: 'IP', Ipv6: 'IPv6', Cidr: 'CIDR', Dhcp: 'DHCP' };

/** "DeleteTrafficMirrorTarget" → "deleted traffic mirror target"; "CreateVpc" → "created VPC" */
export function eventNameInWords(eventName: string): string {
  const parts = eventName.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*/g) ?? [eventName];
  const [verb, ...rest] = parts;
  const words = rest.map((w) => (/^[A-Z]{2,}$/.test(w) ? w : ACRONYMS[w] ?? w.toLowerCase())).join(' ');
  const v = verb ? VERBS[verb] : undefined;
  return v ? `${v} ${words}`.trim() : `called ${eventName}`;
}

const PROTOCOLS: Record<string, string> = { '-1': 'all', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', tcp: 'tcp', udp: 'udp', icmp: 'icmp', icmpv6: 'icmpv6' };

function portText(proto: string | undefined, from: number | undefined, to: number | undefined): string {
  const p = PROTOCOLS[proto ?? '-1'] ?? `proto ${proto}`;
  if (p === 'all') return 'all traffic';
  if (p === 'icmp' || p === 'icmpv6') return p;
  if (from === undefined || from === -1) return `${p}/all ports`;
  if (to === undefined || to === from) return `${p}/${from}`;
  if (from === 0 && to === 65535) return `${p}/all ports`;
  return `${p}/${from}-${to}`;
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** Any /0 prefix is the whole address space, whatever address precedes it ("208.236.235.254/0" included). */
export function isWorld(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

export interface SgPermission {
  proto: string;
  from?: number;
  to?: number;
  peers: string[];
}

/** ipPermissions in both logged shapes: `{items: [...]}` with ipRanges/ipv6Ranges/groups/prefixListIds, or flat cidrIp/fromPort. */
export function sgPermissions(p: Obj): SgPermission[] {
  const out: SgPermission[] = [];
  for (const it of items(p.ipPermissions)) {
    if (!isObj(it)) continue;
    const peers: string[] = [];
    for (const r of items(it.ipRanges)) if (isObj(r) && str(r.cidrIp)) peers.push(str(r.cidrIp)!);
    for (const r of items(it.ipv6Ranges)) if (isObj(r) && str(r.cidrIpv6)) peers.push(str(r.cidrIpv6)!);
    for (const r of items(it.groups)) if (isObj(r) && str(r.groupId)) peers.push(str(r.groupId)!);
    for (const r of items(it.prefixListIds)) if (isObj(r) && str(r.prefixListId)) peers.push(str(r.prefixListId)!);
    const from = num(it.fromPort);
    const to = num(it.toPort);
    out.push({ proto: str(it.ipProtocol) ?? '-1', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), peers });
  }
  const flatPeer = str(p.cidrIp) ?? str(p.cidrIpv6) ?? str(p.sourceSecurityGroupName);
  if (flatPeer) {
    const from = num(p.fromPort);
    const to = num(p.toPort);
    out.push({ proto: str(p.ipProtocol) ?? '-1', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), peers: [flatPeer] });
  }
  return out;
}

function coversAdminPort(proto: string, from: number | undefined, to: number | undefined, adminPorts: number[]): number | 'all' | undefined {
  const p = PROTOCOLS[proto] ?? proto;
  if (p === 'all') return 'all';
  if (p !== 'tcp' && p !== 'udp') return undefined;
  if (from === undefined || from === -1) return 'all';
  const hi = to ?? from;
  if (from === 0 && hi === 65535) return 'all';
  return adminPorts.find((a) => a >= from && a <= hi);
}

interface Described {
  sentences: string[];
  severity?: Severity;
  flags: string[];
}

function describeSg(eventName: string, p: Obj, adminPorts: number[]): Described {
  const egress = eventName.endsWith('Egress');
  const adding = eventName.startsWith('Authorize');
  const group = str(p.groupId) ?? str(p.groupName) ?? 'a security group';
  const name = str(p.groupName) && str(p.groupId) ? ` (${str(p.groupName)})` : '';
  const sentences: string[] = [];
  const flags: string[] = [];
  let severity: Severity | undefined;
  for (const perm of sgPermissions(p)) {
    const ports = portText(perm.proto, perm.from, perm.to);
    const peers = perm.peers.length ? perm.peers : ['(no peers)'];
    for (const peer of peers) {
      const dir = egress ? `outbound rule ${ports} to ${peer}` : `inbound rule ${ports} from ${peer}`;
      sentences.push(`${adding ? 'added' : 'removed'} ${dir} ${adding ? (egress ? 'on' : 'to') : 'from'} ${group}${name}`);
      if (adding && isWorld(peer)) {
        const admin = coversAdminPort(perm.proto, perm.from, perm.to, adminPorts);
        if (admin !== undefined && !egress) {
          flags.push(`${peer} (the whole internet) can reach ${admin === 'all' ? 'every port, including admin ports' : `admin port ${admin}`}`);
          severity = 'critical';
        } else {
          flags.push(`${egress ? 'egress to' : 'ingress from'} ${peer} (the whole internet) on ${ports}`);
          severity = severity === 'critical' ? severity : egress ? 'medium' : 'high';
        }
      }
    }
  }
  if (!sentences.length) sentences.push(`${eventNameInWords(eventName)} ${group}${name}`);
  return severity ? { sentences, severity, flags } : { sentences, flags };
}

function describeNaclEntry(eventName: string, p: Obj, adminPorts: number[]): Described {
  const acl = str(p.networkAclId) ?? 'a network ACL';
  const egress = p.egress === true || p.egress === 'true';
  const n = str(p.ruleNumber) ?? '?';
  const verb = eventName.startsWith('Create') ? 'added' : eventName.startsWith('Replace') ? 'replaced' : 'deleted';
  if (verb === 'deleted') return { sentences: [`deleted ${egress ? 'outbound' : 'inbound'} rule #${n} from ${acl}`], flags: [] };
  const action = str(p.ruleAction) ?? '?';
  const cidr = str(p.cidrBlock) ?? str(p.ipv6CidrBlock) ?? '?';
  const range = isObj(p.portRange) ? p.portRange : {};
  const proto = str(p.aclProtocol) ?? str(p.protocol) ?? '-1';
  const ports = portText(proto, num(range.from), num(range.to));
  const sentence = `${verb} ${egress ? 'outbound' : 'inbound'} ${action} rule #${n} for ${ports} ${egress ? 'to' : 'from'} ${cidr} ${verb === 'added' ? 'in' : 'in'} ${acl}`;
  if (action === 'allow' && isWorld(cidr)) {
    const admin = coversAdminPort(proto, num(range.from), num(range.to), adminPorts);
    return { sentences: [sentence], severity: egress ? 'medium' : 'high', flags: [`allows ${cidr} (the whole internet)${admin !== undefined && !egress ? ` on ${admin === 'all' ? 'every port' : `admin port ${admin}`}` : ''}`] };
  }
  return { sentences: [sentence], flags: [] };
}

const ROUTE_TARGETS = ['gatewayId', 'natGatewayId', 'transitGatewayId', 'vpcPeeringConnectionId', 'networkInterfaceId', 'instanceId', 'vpcEndpointId', 'egressOnlyInternetGatewayId', 'localGatewayId', 'carrierGatewayId', 'coreNetworkArn'];

function describeRoute(eventName: string, p: Obj): Described {
  const rtb = str(p.routeTableId) ?? 'a route table';
  const dest = str(p.destinationCidrBlock) ?? str(p.destinationIpv6CidrBlock) ?? str(p.destinationPrefixListId) ?? '?';
  const target = ROUTE_TARGETS.map((k) => str(p[k])).find(Boolean) ?? '?';
  if (eventName === 'CreateRoute') return { sentences: [`added route ${dest} → ${target} in ${rtb}`], flags: [] };
  if (eventName === 'ReplaceRoute') return { sentences: [`changed route ${dest} in ${rtb} to → ${target}`], flags: [] };
  return { sentences: [`removed route ${dest} from ${rtb}`], flags: [] };
}

function describeTgwRoute(eventName: string, p: Obj): Described {
  const rtb = str(p.transitGatewayRouteTableId) ?? 'a TGW route table';
  const dest = str(p.destinationCidrBlock) ?? '?';
  const att = str(p.transitGatewayAttachmentId) ?? (p.blackhole === true ? 'blackhole' : '?');
  if (eventName === 'DeleteTransitGatewayRoute') return { sentences: [`removed TGW route ${dest} from ${rtb}`], flags: [] };
  return { sentences: [`${eventName.startsWith('Create') ? 'added' : 'changed'} TGW route ${dest} → ${att} in ${rtb}`], flags: [] };
}

/** eventName suffix → the id prefix of the object it acts on (longest suffixes first). */
const PRIMARY_PREFIX: [string, string][] = [
  ['TrafficMirrorFilterRule', 'tmfr'],
  ['TrafficMirrorFilterNetworkServices', 'tmf'],
  ['TrafficMirrorSession', 'tms'],
  ['TrafficMirrorTarget', 'tmt'],
  ['TrafficMirrorFilter', 'tmf'],
  ['FlowLogs', 'fl'],
  ['TransitGatewayVpcAttachment', 'tgw-attach'],
  ['TransitGatewayPeeringAttachment', 'tgw-attach'],
  ['TransitGatewayRouteTable', 'tgw-rtb'],
  ['TransitGatewayRouteTablePropagation', 'tgw-rtb'],
  ['TransitGateway', 'tgw'],
  ['VpcPeeringConnection', 'pcx'],
  ['VpcPeeringConnectionOptions', 'pcx'],
  ['VpnConnection', 'vpn'],
  ['VpnConnectionRoute', 'vpn'],
  ['VpnConnectionOptions', 'vpn'],
  ['CustomerGateway', 'cgw'],
  ['VpnGateway', 'vgw'],
  ['EgressOnlyInternetGateway', 'eigw'],
  ['InternetGateway', 'igw'],
  ['NatGateway', 'nat'],
  ['NetworkAcl', 'acl'],
  ['RouteTable', 'rtb'],
  ['SecurityGroup', 'sg'],
  ['VpcEndpoint', 'vpce'],
  ['VpcEndpoints', 'vpce'],
  ['Subnet', 'subnet'],
  ['Vpc', 'vpc'],
];

function describeGeneric(eventName: string, p: Obj, response?: Obj | null): Described {
  const ids = resourceIds(p);
  // a Create* call names what it created only in its response: "created network interface eni-1 in subnet-2"
  const created = eventName.startsWith('Create') && response ? resourceIds(response).filter((id) => !ids.includes(id)) : [];
  if (created.length && eventName !== 'CreateSecurityGroup' && !/^Create(Route|NetworkAclEntry|TransitGatewayRoute)$/.test(eventName)) {
    const where = ids.length ? ` in ${ids.slice(0, 3).join(', ')}` : '';
    const block = str(p.cidrBlock) ?? str(p.ipv6CidrBlock);
    return { sentences: [`${eventNameInWords(eventName)} ${created[0]}${block ? ` with CIDR ${block}` : ''}${where}`], flags: [] };
  }
  if (ids.length === 2 && /^(Attach|Associate|Detach|Disassociate)/.test(eventName)) {
    const joiner = /^(Attach|Associate)/.test(eventName) ? 'to' : 'from';
    return { sentences: [`${eventNameInWords(eventName)} ${ids[0]} ${joiner} ${ids[1]}`], flags: [] };
  }
  if (eventName === 'CreateSecurityGroup') {
    return { sentences: [`created security group ${str(p.groupName) ?? '?'}${str(p.vpcId) ? ` in ${str(p.vpcId)}` : ''}`], flags: [] };
  }
  const cidr = str(p.cidrBlock) ?? str(p.ipv6CidrBlock);
  if (cidr && /^(Create|Associate)(Vpc|Subnet)/.test(eventName)) {
    const where = ids.length ? ` in ${ids.join(', ')}` : '';
    return { sentences: [`${eventNameInWords(eventName)} with CIDR ${cidr}${where}`], flags: [] };
  }
  const trail = str(p.name) ?? str(p.trailName);
  // the object the call is about comes first: "modified traffic mirror session tms-1 (with tmf-2, tmt-3)"
  const primary = PRIMARY_PREFIX.find(([suffix]) => eventName.endsWith(suffix))?.[1];
  // "tgw-" also starts tgw-attach-/tgw-rtb- ids: compare the id's own prefix, not a string prefix
  const prefixOf = (id: string) => /^(tgw-attach|tgw-rtb)-/.exec(id)?.[1] ?? id.slice(0, id.indexOf('-'));
  const main = primary ? ids.filter((id) => prefixOf(id) === primary) : [];
  const rest = ids.filter((id) => !main.includes(id));
  const ordered = main.length ? `${main.slice(0, 3).join(', ')}${rest.length ? ` (with ${rest.slice(0, 3).join(', ')})` : ''}` : ids.slice(0, 4).join(', ');
  const more = ids.length > 6 ? ` and ${ids.length - 6} more` : !main.length && ids.length > 4 ? ` and ${ids.length - 4} more` : '';
  const subject = ids.length ? ` ${ordered}${more}` : trail ? ` ${trail}` : '';
  if (eventName === 'StopLogging') return { sentences: [`stopped CloudTrail logging${trail ? ` for trail ${trail}` : ''}`], flags: ['audit logging is off'] };
  if (eventName === 'DeleteTrail') return { sentences: [`deleted CloudTrail trail${trail ? ` ${trail}` : ''}`], flags: ['audit logging removed'] };
  return { sentences: [`${eventNameInWords(eventName)}${subject}`], flags: [] };
}

export function describeChange(eventName: string, params: Obj | null | undefined, adminPorts: number[], response?: Obj | null): Described {
  const p = unwrapRequest(eventName, params);
  if (/^(Authorize|Revoke)SecurityGroup(Ingress|Egress)$/.test(eventName)) return describeSg(eventName, p, adminPorts);
  if (/^(Create|Replace|Delete)NetworkAclEntry$/.test(eventName)) return describeNaclEntry(eventName, p, adminPorts);
  if (/^(Create|Replace|Delete)Route$/.test(eventName)) return describeRoute(eventName, p);
  if (/^(Create|Replace|Delete)TransitGatewayRoute$/.test(eventName)) return describeTgwRoute(eventName, p);
  if (eventName === 'CreateVpcPeeringConnection') {
    const peerAcct = str(p.peerOwnerId);
    return { sentences: [`requested VPC peering ${str(p.vpcId) ?? '?'} ↔ ${str(p.peerVpcId) ?? '?'}${peerAcct ? ` (account ${peerAcct})` : ''}${str(p.peerRegion) ? ` in ${str(p.peerRegion)}` : ''}`], flags: [] };
  }
  return describeGeneric(eventName, p, response);
}

/** Who did it, shortened: "role Admin (session alice@example.com)", "user christophe", "root account". */
export function principalInWords(r: CloudTrailRecord): string {
  const u = r.userIdentity;
  if (!u) return 'unknown principal';
  const mfa = String(u.sessionContext?.attributes?.mfaAuthenticated) === 'true' ? ', MFA' : '';
  const via = u.invokedBy && u.type !== 'AWSService' ? ` via ${u.invokedBy}` : '';
  switch (u.type) {
    case 'Root':
      return `root account${mfa ? ' (MFA)' : ''}${via}`;
    case 'IAMUser':
      return `user ${u.userName ?? u.arn ?? u.principalId ?? '?'}${mfa ? ' (MFA)' : ''}${via}`;
    case 'AssumedRole': {
      const arnTail = u.arn?.split(':assumed-role/')[1] ?? '';
      const [roleFromArn, ...sess] = arnTail.split('/');
      let role = u.sessionContext?.sessionIssuer?.userName ?? roleFromArn ?? '?';
      const sso = /^AWSReservedSSO_(.+)_[0-9a-f]{8,}$/.exec(role);
      if (sso) role = `SSO ${sso[1]}`;
      const session = sess.join('/');
      const src = u.sessionContext?.sourceIdentity ? `, source identity ${u.sessionContext.sourceIdentity}` : '';
      return `role ${role}${session && session !== role ? ` (session ${session}${src}${mfa})` : src || mfa ? ` (${(src + mfa).slice(2)})` : ''}${via}`;
    }
    case 'FederatedUser':
      return `federated user ${u.arn?.split(':federated-user/')[1] ?? u.principalId ?? '?'}${via}`;
    case 'AWSService':
      return `AWS service ${u.invokedBy ?? '?'}`;
    case 'AWSAccount':
      return `account ${u.accountId ?? u.principalId ?? '?'}${via}`;
    default:
      return `${u.type ?? 'principal'} ${u.userName ?? u.arn ?? u.principalId ?? '?'}${via}`;
  }
}

export function principalArn(r: CloudTrailRecord): string {
  return r.userIdentity?.sessionContext?.sessionIssuer?.arn ?? r.userIdentity?.arn ?? r.userIdentity?.principalId ?? '';
}

/** How the call was made, from the user agent: console, AWS CLI, Terraform, an SDK, ... */
export function clientInWords(r: CloudTrailRecord): string {
  const ua = r.userAgent ?? '';
  if (String(r.sessionCredentialFromConsole) === 'true' || /console\.(aws\.)?amazon(aws)?\.com|^console\.[a-z0-9.-]*amazonaws\.com$|signin\.amazonaws\.com|^AWS Internal$/.test(ua)) return 'console';
  if (/^aws-cli\//.test(ua)) return 'AWS CLI';
  if (/terraform/i.test(ua)) return 'Terraform';
  if (/cloudformation/i.test(ua)) return 'CloudFormation';
  if (/Boto3|botocore/.test(ua)) return 'SDK (Python)';
  if (/aws-sdk-go/.test(ua)) return 'SDK (Go)';
  if (/aws-sdk-js|aws-sdk-nodejs|@aws-sdk|lang\/js/.test(ua)) return 'SDK (JavaScript)';
  if (/aws-sdk-java/.test(ua)) return 'SDK (Java)';
  if (/\.amazonaws\.com$/.test(ua)) return `AWS service ${ua}`;
  return ua ? `client "${truncateChars(ua, 60)}"` : 'unknown client';
}

function matchList(globs: string | string[] | undefined, value: string | undefined): boolean {
  const l = asList(globs);
  if (!l) return true;
  return value !== undefined && l.some((g) => globMatch(g, value));
}

function configRule(rules: CloudTrailRule[], r: CloudTrailRecord): { rule: CloudTrailRule; index: number } | undefined {
  for (const [index, rule] of rules.entries()) {
    const m = rule.match;
    if (!matchList(m.eventName, r.eventName)) continue;
    if (!matchList(m.eventSource, r.eventSource)) continue;
    if (!matchList(m.principal, principalArn(r) || r.userIdentity?.arn)) continue;
    if (!matchList(m.account, r.recipientAccountId)) continue;
    if (!matchList(m.region, r.awsRegion)) continue;
    return { rule, index };
  }
  return undefined;
}

function baseFields(r: CloudTrailRecord): Field[] {
  const fields: Field[] = [{ label: 'Who', value: principalInWords(r) }];
  const where = [r.sourceIPAddress ? `from ${r.sourceIPAddress}` : '', `using ${clientInWords(r)}`].filter(Boolean).join(' ');
  fields.push({ label: 'From', value: where });
  fields.push({ label: 'API call', value: `${r.eventSource ?? '?'} ${r.eventName ?? '?'}` });
  return fields;
}

function accountOf(r: CloudTrailRecord): string {
  return r.recipientAccountId ?? r.userIdentity?.accountId ?? 'unknown';
}

function apiCallMessage(r: CloudTrailRecord, severity: Severity, cfg: CloudTrailConfig, category?: Category): NotifyMessage {
  const eventName = r.eventName ?? '?';
  const d = describeChange(eventName, r.requestParameters, cfg.adminPorts, r.errorCode ? undefined : r.responseElements);
  const failed = !!r.errorCode;
  let sev = failed ? severity : d.severity ? maxSeverity(severity, d.severity) : severity;
  if (r.userIdentity?.type === 'Root' && !failed) sev = maxSeverity(sev, 'high');
  const status: Status = failed ? 'attempt-failed' : 'change';
  const who = principalInWords(r);
  const what = d.sentences.slice(0, 10);
  if (d.sentences.length > 10) what.push(`… and ${d.sentences.length - 10} more rules`);
  const summary = failed
    ? [`${capital(who)} made a call that would have ${what.join('; ')}.`, `Attempt failed: ${r.errorCode}${r.errorMessage ? ` (${truncateChars(r.errorMessage, 200)})` : ''}.`]
    : [`${capital(who)} ${what.join('; ')}.`];
  if (!failed) for (const f of d.flags) summary.push(`⚠ ${capital(f)}.`);
  if (category === 'tampering' && !failed) summary.push('This weakens network monitoring or audit logging.');
  const fields = baseFields(r);
  fields.push({ label: 'Result', value: failed ? `attempt failed: ${r.errorCode}` : 'succeeded' });
  const account = accountOf(r);
  const region = r.awsRegion ?? 'unknown';
  fields.push({ label: 'Account / region', value: `${account} / ${region}` });
  const titleWhat = category ? CATEGORY_TITLES[category] : 'API call';
  return {
    source: 'cloudtrail',
    severity: sev,
    status,
    title: `${failed ? 'Failed attempt' : titleWhat}: ${eventName}`,
    summary,
    fields,
    link: { label: 'Open event in CloudTrail', url: cloudTrailEventUrl(region, r.eventID) },
    account,
    region,
    time: normaliseTime(r.eventTime),
    dedupKey: `cloudtrail:${r.eventID}`,
    threadKey: `cloudtrail:${r.eventID}`,
  };
}

const CATEGORY_TITLES: Record<Category, string> = {
  vpn: 'VPN change',
  tgw: 'Transit gateway change',
  route: 'Route change',
  nacl: 'Network ACL change',
  sg: 'Security group change',
  gateway: 'Gateway change',
  peering: 'VPC peering change',
  vpc: 'VPC change',
  tampering: 'Monitoring tampering',
};

function capital(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function workloadChange(r: CloudTrailRecord, action: WorkloadChange['action']): WorkloadChange {
  const instanceIds: string[] = [];
  const enis: string[] = [];
  const attachments: string[] = [];
  const add = (l: string[], v: unknown) => {
    const s = str(v);
    if (s && !l.includes(s)) l.push(s);
  };
  const req = unwrapRequest(r.eventName ?? '', r.requestParameters);
  const res = r.responseElements ?? {};
  for (const src of [req, res]) {
    for (const it of items(src.instancesSet)) {
      if (!isObj(it)) continue;
      add(instanceIds, it.instanceId);
      for (const ni of items(it.networkInterfaceSet)) if (isObj(ni)) add(enis, ni.networkInterfaceId);
    }
    add(instanceIds, src.instanceId);
    add(enis, src.networkInterfaceId);
    if (isObj(src.networkInterface)) add(enis, src.networkInterface.networkInterfaceId);
    add(attachments, src.attachmentId);
  }
  return {
    action,
    eventId: r.eventID,
    eventName: r.eventName ?? '?',
    eventTime: normaliseTime(r.eventTime),
    account: accountOf(r),
    region: r.awsRegion ?? 'unknown',
    instanceIds,
    networkInterfaceIds: enis,
    attachmentIds: attachments,
    principal: principalInWords(r),
  };
}

function signInDecision(r: CloudTrailRecord, cfg: CloudTrailConfig): CloudTrailDecision {
  const result = isObj(r.responseElements) ? str(r.responseElements.ConsoleLogin) : undefined;
  const failed = result === 'Failure' || !!r.errorMessage;
  const root = r.userIdentity?.type === 'Root';
  const mfaUsed = isObj(r.additionalEventData) ? str(r.additionalEventData.MFAUsed) === 'Yes' : false;
  if (cfg.consoleSignIn === 'none') return { ignored: 'sign-in-routine', rule: 'sign-in' };
  if (cfg.consoleSignIn === 'failures-and-root' && !failed && !root) return { ignored: 'sign-in-routine', rule: 'sign-in' };
  const who = principalInWords(r);
  const severity: Severity = root ? (mfaUsed ? 'high' : 'critical') : failed ? 'medium' : 'low';
  const account = accountOf(r);
  const region = r.awsRegion ?? 'unknown';
  const summary = [
    failed
      ? `Failed console sign-in for ${who}${r.errorMessage ? `: ${r.errorMessage}` : ''}.`
      : `${capital(who)} signed in to the AWS console${mfaUsed ? ' with MFA' : ' without MFA'}.`,
  ];
  if (root && !failed) summary.push('⚠ Root credentials were used; the root account should not be used for daily work.');
  const fields = baseFields(r);
  fields.push({ label: 'Result', value: failed ? 'failure' : 'success' });
  fields.push({ label: 'Account / region', value: `${account} / ${region}` });
  return {
    rule: 'sign-in',
    notify: {
      source: 'cloudtrail',
      severity,
      status: failed ? 'attempt-failed' : 'info',
      title: `${failed ? 'Failed console sign-in' : root ? 'Root console sign-in' : 'Console sign-in'}: ${who}`,
      summary,
      fields,
      link: { label: 'Open event in CloudTrail', url: cloudTrailEventUrl(region, r.eventID) },
      account,
      region,
      time: normaliseTime(r.eventTime),
      dedupKey: `cloudtrail:${r.eventID}`,
      threadKey: `cloudtrail:${r.eventID}`,
    },
  };
}

function insightDecision(r: CloudTrailRecord, cfg: CloudTrailConfig): CloudTrailDecision {
  if (!cfg.insights) return { ignored: 'insights-disabled', rule: 'insight' };
  const d = r.insightDetails ?? {};
  const ctx = isObj(d.insightContext) ? d.insightContext : {};
  const stats = isObj(ctx.statistics) ? ctx.statistics : {};
  const baseline = isObj(stats.baseline) ? num(stats.baseline.average) : undefined;
  const insight = isObj(stats.insight) ? num(stats.insight.average) : undefined;
  const ended = d.state === 'End';
  const kind = d.insightType === 'ApiErrorRateInsight' ? 'error rate' : 'call rate';
  const api = `${d.eventSource ?? '?'} ${d.eventName ?? '?'}`;
  const ratio = baseline && insight !== undefined ? ` (${formatNumber(insight / baseline)}× its baseline: ${formatNumber(insight)} vs ${formatNumber(baseline)} per minute)` : '';
  const duration = num(stats.insightDuration);
  const account = accountOf(r);
  const region = r.awsRegion ?? 'unknown';
  const shared = str((r as Obj).sharedEventID) ?? r.eventID;
  const fields: Field[] = [
    { label: 'API', value: api },
    { label: 'Insight', value: `${d.insightType ?? '?'} (${d.state ?? '?'})` },
    { label: 'Account / region', value: `${account} / ${region}` },
  ];
  return {
    rule: 'insight',
    notify: {
      source: 'cloudtrail',
      severity: 'medium',
      status: ended ? 'resolved' : 'alarm',
      title: `${ended ? 'Insight ended' : 'Unusual API activity'}: ${d.eventName ?? '?'}`,
      summary: [
        ended
          ? `The unusual API ${kind} of ${api} is over${duration !== undefined ? ` after ${formatNumber(duration)} min` : ''}${ratio}.`
          : `The API ${kind} of ${api} is unusually high${ratio}.`,
      ],
      fields,
      link: { label: 'Open Insight in CloudTrail', url: cloudTrailInsightsUrl(region, shared) },
      account,
      region,
      time: normaliseTime(r.eventTime),
      dedupKey: `cloudtrail:${r.eventID}`,
      threadKey: `insight:${shared}`,
    },
  };
}

/** The one decision for a CloudTrail record. */
export function decideCloudTrail(r: CloudTrailRecord, cfg: CloudTrailConfig, detailType = 'AWS API Call via CloudTrail'): CloudTrailDecision {
  if (detailType === 'AWS Insight via CloudTrail' || r.eventType === 'AwsCloudTrailInsight' || r.insightDetails) return insightDecision(r, cfg);
  if (detailType === 'AWS Console Sign In via CloudTrail' || r.eventType === 'AwsConsoleSignIn' || r.eventName === 'ConsoleLogin') {
    return signInDecision(r, cfg);
  }
  const eventName = r.eventName ?? '';
  const dryRun = /DryRunOperation$/.test(r.errorCode ?? '');
  const life = lifecycleAction(r.eventSource, eventName);
  const configured = configRule(cfg.rules, r);
  if (configured) {
    const { rule, index } = configured;
    const label = `config:${index}`;
    if (rule.action === 'ignore') return { ignored: 'rule-ignore', rule: label };
    if (dryRun) return { ignored: 'dry-run', rule: label };
    if (rule.action === 'forward') return r.errorCode ? { ignored: 'failed-attempt', rule: label } : { forward: workloadChange(r, life ?? 'other'), rule: label };
    if (r.errorCode && !cfg.failedAttempts) return { ignored: 'failed-attempt', rule: label };
    const builtin = BUILTIN_RULES.get(`${r.eventSource}:${eventName}`);
    const decision: CloudTrailDecision = { notify: apiCallMessage(r, rule.severity ?? builtin?.severity ?? 'medium', cfg, builtin?.category), rule: label };
    if (life && !r.errorCode && cfg.forwardWorkloadChanges) decision.forward = workloadChange(r, life);
    return decision;
  }
  if (life) {
    if (!cfg.forwardWorkloadChanges) return { ignored: 'lifecycle-forward-disabled', rule: 'lifecycle' };
    if (dryRun) return { ignored: 'dry-run', rule: 'lifecycle' };
    if (r.errorCode) return { ignored: 'failed-attempt', rule: 'lifecycle' };
    return { forward: workloadChange(r, life), rule: 'lifecycle' };
  }
  if (r.readOnly === true) return { ignored: 'read-only' };
  const builtin = cfg.builtinRules ? BUILTIN_RULES.get(`${r.eventSource}:${eventName}`) : undefined;
  if (!builtin) return { ignored: 'not-watched' };
  const label = `builtin:${builtin.category}`;
  if (dryRun) return { ignored: 'dry-run', rule: label };
  if (r.errorCode && !cfg.failedAttempts) return { ignored: 'failed-attempt', rule: label };
  return { notify: apiCallMessage(r, builtin.severity, cfg, builtin.category), rule: label };
}
