import type { Severity } from './model.ts';

/**
 * Built-in CloudTrail rules: which API calls are network changes or tampering with monitoring, and how severe.
 * Keyed by `<eventSource>:<eventName>`. Security-group and NACL entries are re-rated from their content
 * (cloudtrail.ts: 0.0.0.0/0 or ::/0 on an admin port).
 */

export const CATEGORIES = ['vpn', 'tgw', 'route', 'nacl', 'sg', 'gateway', 'peering', 'vpc', 'tampering'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface BuiltinRule {
  category: Category;
  severity: Severity;
}

const EC2 = 'ec2.amazonaws.com';
const TRAIL = 'cloudtrail.amazonaws.com';

const table: [string, string[], Category, Severity][] = [
  [EC2, ['CreateVpnConnection', 'ModifyVpnConnection', 'ModifyVpnConnectionOptions', 'ModifyVpnTunnelOptions', 'ModifyVpnTunnelCertificate', 'CreateVpnConnectionRoute', 'DeleteVpnConnectionRoute', 'CreateCustomerGateway', 'CreateVpnGateway', 'AttachVpnGateway'], 'vpn', 'medium'],
  [EC2, ['DeleteVpnConnection', 'DeleteCustomerGateway', 'DeleteVpnGateway', 'DetachVpnGateway'], 'vpn', 'high'],
  [EC2, ['CreateTransitGateway', 'ModifyTransitGateway', 'CreateTransitGatewayRoute', 'DeleteTransitGatewayRoute', 'ReplaceTransitGatewayRoute', 'CreateTransitGatewayRouteTable', 'DeleteTransitGatewayRouteTable', 'AssociateTransitGatewayRouteTable', 'DisassociateTransitGatewayRouteTable', 'EnableTransitGatewayRouteTablePropagation', 'DisableTransitGatewayRouteTablePropagation', 'CreateTransitGatewayVpcAttachment', 'ModifyTransitGatewayVpcAttachment', 'DeleteTransitGatewayVpcAttachment', 'AcceptTransitGatewayVpcAttachment', 'RejectTransitGatewayVpcAttachment', 'CreateTransitGatewayPeeringAttachment', 'AcceptTransitGatewayPeeringAttachment', 'DeleteTransitGatewayPeeringAttachment'], 'tgw', 'medium'],
  [EC2, ['DeleteTransitGateway'], 'tgw', 'high'],
  [EC2, ['CreateRoute', 'DeleteRoute', 'ReplaceRoute', 'CreateRouteTable', 'DeleteRouteTable', 'AssociateRouteTable', 'DisassociateRouteTable', 'ReplaceRouteTableAssociation'], 'route', 'medium'],
  [EC2, ['CreateNetworkAcl', 'DeleteNetworkAcl', 'CreateNetworkAclEntry', 'DeleteNetworkAclEntry', 'ReplaceNetworkAclEntry', 'ReplaceNetworkAclAssociation'], 'nacl', 'medium'],
  [EC2, ['AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'ModifySecurityGroupRules'], 'sg', 'medium'],
  [EC2, ['RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'CreateSecurityGroup', 'DeleteSecurityGroup'], 'sg', 'low'],
  [EC2, ['CreateInternetGateway', 'DeleteInternetGateway', 'AttachInternetGateway', 'DetachInternetGateway', 'CreateNatGateway', 'DeleteNatGateway', 'CreateEgressOnlyInternetGateway', 'DeleteEgressOnlyInternetGateway', 'CreateCarrierGateway', 'DeleteCarrierGateway'], 'gateway', 'medium'],
  [EC2, ['CreateVpcPeeringConnection', 'AcceptVpcPeeringConnection', 'DeleteVpcPeeringConnection', 'RejectVpcPeeringConnection', 'ModifyVpcPeeringConnectionOptions'], 'peering', 'medium'],
  [EC2, ['CreateVpc', 'DeleteVpc', 'ModifyVpcAttribute', 'AssociateVpcCidrBlock', 'DisassociateVpcCidrBlock', 'CreateSubnet', 'DeleteSubnet', 'ModifySubnetAttribute', 'CreateVpcEndpoint', 'DeleteVpcEndpoints', 'ModifyVpcEndpoint'], 'vpc', 'low'],
  [EC2, ['DeleteFlowLogs', 'DeleteTrafficMirrorSession', 'DeleteTrafficMirrorTarget', 'DeleteTrafficMirrorFilter', 'DeleteTrafficMirrorFilterRule', 'ModifyTrafficMirrorSession', 'ModifyTrafficMirrorFilterRule', 'ModifyTrafficMirrorFilterNetworkServices'], 'tampering', 'high'],
  [TRAIL, ['UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors', 'DeleteEventDataStore', 'StopEventDataStoreIngestion'], 'tampering', 'high'],
  [TRAIL, ['StopLogging', 'DeleteTrail'], 'tampering', 'critical'],
];

export const BUILTIN_RULES: ReadonlyMap<string, BuiltinRule> = new Map(
  table.flatMap(([source, names, category, severity]) => names.map((n) => [`${source}:${n}`, { category, severity }] as const)),
);

/** The event sources the built-in rules watch (EventBridge rule pattern in functions/cloudtrail-watch/serverless.yml). */
export const WATCHED_SOURCES = [EC2, TRAIL] as const;

export const LIFECYCLE_ACTIONS = {
  RunInstances: 'instance.launched',
  StartInstances: 'instance.started',
  StopInstances: 'instance.stopped',
  TerminateInstances: 'instance.terminated',
  CreateNetworkInterface: 'eni.created',
  DeleteNetworkInterface: 'eni.deleted',
  AttachNetworkInterface: 'eni.attached',
  DetachNetworkInterface: 'eni.detached',
} as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[keyof typeof LIFECYCLE_ACTIONS];

export function lifecycleAction(eventSource: string | undefined, eventName: string | undefined): LifecycleAction | undefined {
  if (eventSource !== EC2 || !eventName) return undefined;
  return (LIFECYCLE_ACTIONS as Record<string, LifecycleAction>)[eventName];
}
