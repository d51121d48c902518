/**
 * Deterministic sample data for `netwatch demo`: two VPC Flow Logs objects in the S3 delivery layout (a default
 * v2 object and a v5 custom-format object) for one account and VPC, plus the ENI inventory they refer to. The
 * traffic is ordinary web/database chatter with three incidents the detections must find: an egress flood from
 * web-1 to one external address, a port scan and an SSH brute force from the internet.
 */
import { gzipSync } from 'node:zlib';
import type { DescribeNetworkInterfacesLike } from '../enrich/inventory.ts';

export const DEMO_ACCOUNT = '123456789012';
export const DEMO_REGION = 'us-east-1';
export const DEMO_VPC = 'vpc-0demo0000000000a';
export const FLOOD_TARGET = '198.51.100.77';
export const SCANNER = '203.0.113.66';
export const BRUTE_FORCER = '192.0.2.200';
const T0 = 1_763_750_000; // 2025-11-21T18:33:20Z, inside one 5-minute window boundary-aligned below
const START = Math.floor(T0 / 300) * 300;

const ENIS = {
  web: { eni: 'eni-0aaaaaaaaaaaaaaa1', ip: '10.0.1.10', instance: 'i-0web00000000000001', subnet: 'subnet-0pub0000000000001', name: 'web-1' },
  db: { eni: 'eni-0bbbbbbbbbbbbbbb2', ip: '10.0.2.20', instance: 'i-0db000000000000002', subnet: 'subnet-0prv0000000000002', name: 'db-1' },
  nat: { eni: 'eni-0ccccccccccccccc3', ip: '10.0.1.5', instance: null, subnet: 'subnet-0pub0000000000001', name: null },
} as const;

export function demoInventory(): DescribeNetworkInterfacesLike {
  return {
    NetworkInterfaces: Object.values(ENIS).map((e) => ({
      NetworkInterfaceId: e.eni,
      OwnerId: DEMO_ACCOUNT,
      VpcId: DEMO_VPC,
      SubnetId: e.subnet,
      InterfaceType: e.instance ? 'interface' : 'nat_gateway',
      Description: e.instance ? `${e.name} primary interface` : 'Interface for NAT Gateway nat-0demo000000000001',
      PrivateIpAddress: e.ip,
      PrivateIpAddresses: [{ PrivateIpAddress: e.ip, ...(e.instance === ENIS.web.instance ? { Association: { PublicIp: '54.90.10.10' } } : {}) }],
      Groups: e.instance ? [{ GroupId: `sg-0${e.name!.replace('-', '')}00000000`, GroupName: `${e.name}-sg` }] : [],
      ...(e.instance ? { Attachment: { InstanceId: e.instance, InstanceOwnerId: DEMO_ACCOUNT } } : {}),
      TagSet: [{ Key: 'env', Value: 'demo' }],
    })),
    Reservations: Object.values(ENIS)
      .filter((e) => e.instance)
      .map((e) => ({ Instances: [{ InstanceId: e.instance!, Tags: [{ Key: 'Name', Value: e.name! }] }] })),
  };
}

/** xorshift32, so the demo prints the same numbers every run */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const V2 = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const V5 =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id flow-direction traffic-path';

export interface DemoObject {
  key: string;
  body: Uint8Array;
  lines: number;
}

export function demoObjects(): DemoObject[] {
  const r = rng(20251121);
  const v2: string[] = [V2];
  const v5: string[] = [V5];
  const t = (k: number) => START + k;
  // ordinary traffic: clients to web-1:443, web-1 to db-1:5432, web-1 out through the NAT to package mirrors
  for (let i = 0; i < 400; i++) {
    const client = `${100 + (i % 50)}.${20 + (i % 7)}.${i % 250}.${(i * 7) % 250}`;
    const s = t(Math.floor(r() * 240));
    const pk = 5 + Math.floor(r() * 40);
    v2.push(`2 ${DEMO_ACCOUNT} ${ENIS.web.eni} ${client} ${ENIS.web.ip} ${1024 + Math.floor(r() * 60000)} 443 6 ${pk} ${pk * 600} ${s} ${s + 60} ACCEPT OK`);
    const q = 2 + Math.floor(r() * 10);
    v5.push(
      `5 ${DEMO_ACCOUNT} ${ENIS.db.eni} ${ENIS.web.ip} ${ENIS.db.ip} ${30000 + i} 5432 6 ${q} ${q * 300} ${s} ${s + 60} ACCEPT OK ${DEMO_VPC} ${ENIS.db.subnet} ${ENIS.db.instance} 19 IPv4 ${ENIS.web.ip} ${ENIS.db.ip} ${DEMO_REGION} use1-az1 ingress -`,
    );
  }
  // incident 1: egress flood from web-1 to one external address (1.6 GB within one window)
  for (let i = 0; i < 40; i++) {
    const s = t(10 + i * 5);
    v5.push(
      `5 ${DEMO_ACCOUNT} ${ENIS.web.eni} ${ENIS.web.ip} ${FLOOD_TARGET} ${40000 + i} 443 6 30000 40000000 ${s} ${s + 60} ACCEPT OK ${DEMO_VPC} ${ENIS.web.subnet} ${ENIS.web.instance} 27 IPv4 ${ENIS.web.ip} ${FLOOD_TARGET} ${DEMO_REGION} use1-az1 egress 8`,
    );
  }
  // incident 2: port scan of web-1 from the internet, mostly rejected
  for (let p = 0; p < 60; p++) {
    const s = t(100 + p);
    v2.push(`2 ${DEMO_ACCOUNT} ${ENIS.web.eni} ${SCANNER} ${ENIS.web.ip} 51515 ${[21, 23, 25, 110, 135, 139, 445, 1433, 3306, 5900][p % 10]! + p * 3} 6 1 44 ${s} ${s + 60} REJECT OK`);
  }
  // incident 3: SSH brute force against web-1
  for (let i = 0; i < 45; i++) {
    const s = t(30 + i * 4);
    v2.push(`2 ${DEMO_ACCOUNT} ${ENIS.web.eni} ${BRUTE_FORCER} ${ENIS.web.ip} ${50000 + i} 22 6 ${i % 3 === 0 ? 6 : 2} ${i % 3 === 0 ? 900 : 120} ${s} ${s + 60} ${i % 3 === 0 ? 'ACCEPT' : 'REJECT'} OK`);
  }
  // gaps analysts must see: the NAT gateway ENI had no traffic, a capture window was skipped
  v2.push(`2 ${DEMO_ACCOUNT} ${ENIS.nat.eni} - - - - - - - ${t(0)} ${t(60)} - NODATA`);
  v2.push(`2 ${DEMO_ACCOUNT} ${ENIS.db.eni} - - - - - - - ${t(60)} ${t(120)} - SKIPDATA`);
  const stamp = new Date(START * 1000).toISOString().replace(/[-:]/g, '').slice(0, 13);
  const [y, m, d] = new Date(START * 1000).toISOString().slice(0, 10).split('-');
  const prefix = `AWSLogs/${DEMO_ACCOUNT}/vpcflowlogs/${DEMO_REGION}/${y}/${m}/${d}`;
  return [
    { key: `${prefix}/${DEMO_ACCOUNT}_vpcflowlogs_${DEMO_REGION}_fl-0demo0000000001a_${stamp}Z_1a2b3c4d.log.gz`, body: gzipSync(`${v2.join('\n')}\n`), lines: v2.length - 1 },
    { key: `${prefix}/${DEMO_ACCOUNT}_vpcflowlogs_${DEMO_REGION}_fl-0demo0000000002b_${stamp}Z_5e6f7a8b.log.gz`, body: gzipSync(`${v5.join('\n')}\n`), lines: v5.length - 1 },
  ];
}

/** DescribeNetworkAcls output for the demo VPC: the web subnet's NACL is opted in to automatic blocking. */
export function demoNetworkAcls() {
  const entries = (egress: boolean) => [
    { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: egress, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: egress, CidrBlock: '0.0.0.0/0' },
  ];
  return {
    NetworkAcls: [
      {
        NetworkAclId: 'acl-0demo00000000000a',
        VpcId: DEMO_VPC,
        IsDefault: false,
        Entries: [...entries(true), ...entries(false)],
        Associations: [
          { NetworkAclAssociationId: 'aclassoc-0demo0000001', NetworkAclId: 'acl-0demo00000000000a', SubnetId: ENIS.web.subnet },
          { NetworkAclAssociationId: 'aclassoc-0demo0000002', NetworkAclId: 'acl-0demo00000000000a', SubnetId: ENIS.db.subnet },
        ],
        Tags: [{ Key: 'netwatch:responder', Value: 'enabled' }],
        OwnerId: DEMO_ACCOUNT,
      },
    ],
  };
}

/** DescribeVpcs output for the demo VPC. */
export function demoVpcs() {
  return {
    Vpcs: [
      {
        VpcId: DEMO_VPC,
        CidrBlock: '10.0.0.0/16',
        CidrBlockAssociationSet: [{ AssociationId: 'vpc-cidr-assoc-0demo', CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } }],
        State: 'available',
        IsDefault: false,
      },
    ],
  };
}
