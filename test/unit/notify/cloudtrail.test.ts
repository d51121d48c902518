import { describe, expect, it } from 'vitest';
import { clientInWords, decideCloudTrail, describeChange, eventNameInWords, isWorld, principalInWords } from '../../../shared/notify/cloudtrail.ts';
import { CloudTrailConfig, DEFAULT_ADMIN_PORTS } from '../../../shared/notify/config.ts';
import { CloudTrailRecordSchema } from '../../../shared/notify/events.ts';

const cfg = CloudTrailConfig.parse({});
const admin = [...DEFAULT_ADMIN_PORTS];
const rec = (over: Record<string, unknown>) =>
  CloudTrailRecordSchema.parse({
    eventID: 'ev-1',
    eventTime: '2026-11-20T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', userName: 'carol', arn: 'arn:aws:iam::111122223333:user/carol' },
    sourceIPAddress: '198.51.100.9',
    userAgent: 'aws-cli/2.15.0',
    ...over,
  });

describe('describeChange()', () => {
  it('treats any /0 as the whole internet (the stratus detonation uses 208.236.235.254/0)', () => {
    expect(isWorld('208.236.235.254/0')).toBe(true);
    expect(isWorld('::/0')).toBe(true);
    expect(isWorld('0.0.0.0/16')).toBe(false);
    const d = describeChange('AuthorizeSecurityGroupIngress', { cidrIp: '208.236.235.254/0', fromPort: 22, toPort: 22, groupId: 'sg-1', ipProtocol: 'tcp' }, admin);
    expect(d.severity).toBe('critical');
    expect(d.sentences).toEqual(['added inbound rule tcp/22 from 208.236.235.254/0 to sg-1']);
  });

  it('all-protocol ingress from the world reaches every admin port; egress to the world is only noted', () => {
    const all = describeChange('AuthorizeSecurityGroupIngress', { groupId: 'sg-2', ipPermissions: { items: [{ ipProtocol: '-1', ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } }, admin);
    expect(all.sentences).toEqual(['added inbound rule all traffic from 0.0.0.0/0 to sg-2']);
    expect(all.flags).toEqual(['0.0.0.0/0 (the whole internet) can reach every port, including admin ports']);
    const eg = describeChange('AuthorizeSecurityGroupEgress', { groupId: 'sg-2', ipPermissions: { items: [{ ipProtocol: '-1', ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } }, admin);
    expect(eg.severity).toBe('medium');
  });

  it('a web port open to the world is high, not critical; a revoke is not flagged', () => {
    const web = describeChange('AuthorizeSecurityGroupIngress', { groupId: 'sg-3', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: '443', toPort: '443', ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } }, admin);
    expect(web.severity).toBe('high');
    const revoke = describeChange('RevokeSecurityGroupIngress', { groupId: 'sg-3', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } }, admin);
    expect(revoke).toEqual({ sentences: ['removed inbound rule tcp/22 from 0.0.0.0/0 from sg-3'], flags: [] });
  });

  it('reads NACL entries, routes and the wrapped request shapes', () => {
    expect(describeChange('CreateNetworkAclEntry', { networkAclId: 'acl-1', ruleNumber: 90, egress: false, ruleAction: 'allow', aclProtocol: '6', portRange: { from: 3389, to: 3389 }, cidrBlock: '0.0.0.0/0' }, admin)).toEqual({
      sentences: ['added inbound allow rule #90 for tcp/3389 from 0.0.0.0/0 in acl-1'],
      severity: 'high',
      flags: ['allows 0.0.0.0/0 (the whole internet) on admin port 3389'],
    });
    expect(describeChange('ReplaceRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '10.0.0.0/8', transitGatewayId: 'tgw-1' }, admin).sentences).toEqual(['changed route 10.0.0.0/8 in rtb-1 to → tgw-1']);
    expect(describeChange('DeleteTrafficMirrorSession', { DeleteTrafficMirrorSessionRequest: { TrafficMirrorSessionId: 'tms-0abc' } }, admin).sentences).toEqual(['deleted traffic mirror session tms-0abc']);
    expect(describeChange('CreateVpcPeeringConnection', { vpcId: 'vpc-a', peerVpcId: 'vpc-b', peerOwnerId: '999988887777' }, admin).sentences).toEqual(['requested VPC peering vpc-a ↔ vpc-b (account 999988887777)']);
  });

  it('turns event names into words', () => {
    expect(eventNameInWords('DisableTransitGatewayRouteTablePropagation')).toBe('disabled transit gateway route table propagation');
    expect(eventNameInWords('ModifyVpnTunnelOptions')).toBe('modified VPN tunnel options');
    expect(eventNameInWords('FrobnicateThing')).toBe('called FrobnicateThing');
  });
});

describe('principalInWords() / clientInWords()', () => {
  it('shortens assumed roles, SSO permission sets and service principals', () => {
    expect(principalInWords(rec({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/Deployer/ci-run-42', sessionContext: { sessionIssuer: { userName: 'Deployer' }, sourceIdentity: 'bob' } } }))).toBe(
      'role Deployer (session ci-run-42, source identity bob)',
    );
    expect(principalInWords(rec({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/eve' } }))).toBe('role SSO Admin (session eve)');
    expect(principalInWords(rec({ userIdentity: { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' } }))).toBe('AWS service autoscaling.amazonaws.com');
    expect(principalInWords(rec({ userIdentity: { type: 'Root', arn: 'arn:aws:iam::1:root' } }))).toBe('root account');
  });

  it('names the client from the user agent', () => {
    expect(clientInWords(rec({ userAgent: 'Terraform/1.6.0 (+https://www.terraform.io) terraform-provider-aws/5.0' }))).toBe('Terraform');
    expect(clientInWords(rec({ userAgent: 'Boto3/1.34 md/Botocore#1.34' }))).toBe('SDK (Python)');
    expect(clientInWords(rec({ userAgent: 'console.ec2.amazonaws.com' }))).toBe('console');
    expect(clientInWords(rec({ userAgent: undefined }))).toBe('unknown client');
  });
});

describe('decideCloudTrail()', () => {
  it('a failed call is reported as a failed attempt at the rule severity; a dry run is ignored', () => {
    const failed = decideCloudTrail(rec({ eventName: 'DeleteFlowLogs', errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized', requestParameters: { DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-1a2b', tag: 1 } } } }), cfg);
    expect(failed.notify?.status).toBe('attempt-failed');
    expect(failed.notify?.severity).toBe('high');
    expect(failed.notify?.summary).toEqual([
      'User carol made a call that would have deleted flow logs fl-1a2b.',
      'Attempt failed: Client.UnauthorizedOperation (You are not authorized).',
    ]);
    expect(decideCloudTrail(rec({ eventName: 'CreateRoute', errorCode: 'Client.DryRunOperation' }), cfg)).toEqual({ ignored: 'dry-run', rule: 'builtin:route' });
  });

  it('root making a watched change is at least high', () => {
    const d = decideCloudTrail(rec({ eventName: 'CreateVpc', userIdentity: { type: 'Root', arn: 'arn:aws:iam::1:root' }, requestParameters: { cidrBlock: '10.9.0.0/16' } }), cfg);
    expect(d.notify?.severity).toBe('high');
    expect(d.notify?.summary[0]).toBe('Root account created VPC with CIDR 10.9.0.0/16.');
  });

  it('lifecycle calls are forwarded, not notified, unless disabled; failed ones are neither', () => {
    const run = rec({ eventName: 'TerminateInstances', requestParameters: { instancesSet: { items: [{ instanceId: 'i-1' }] } } });
    expect(decideCloudTrail(run, cfg).forward).toMatchObject({ action: 'instance.terminated', instanceIds: ['i-1'] });
    expect(decideCloudTrail(run, CloudTrailConfig.parse({ forwardWorkloadChanges: false }))).toEqual({ ignored: 'lifecycle-forward-disabled', rule: 'lifecycle' });
    expect(decideCloudTrail(rec({ eventName: 'DetachNetworkInterface', errorCode: 'InvalidAttachmentID.NotFound' }), cfg)).toEqual({ ignored: 'failed-attempt', rule: 'lifecycle' });
  });

  it('unwatched write calls and disabled built-ins are ignored with a reason', () => {
    expect(decideCloudTrail(rec({ eventName: 'CreateTags' }), cfg)).toEqual({ ignored: 'not-watched' });
    expect(decideCloudTrail(rec({ eventName: 'CreateRoute' }), CloudTrailConfig.parse({ builtinRules: false }))).toEqual({ ignored: 'not-watched' });
  });
});
