/**
 * ENI inventory from EC2: paginated DescribeNetworkInterfaces plus batched DescribeInstances (for Name tags),
 * cached across Lambda invocations with a TTL.
 */
import { DescribeInstancesCommand, paginateDescribeNetworkInterfaces, type EC2Client } from '@aws-sdk/client-ec2';
import { Inventory, type DescribeNetworkInterfacesLike } from '../enrich/inventory.ts';
import { ec2Client } from './clients.ts';

const INSTANCE_BATCH = 200;
let cached: { at: number; inventory: Inventory } | undefined;

export async function describeInventory(client: EC2Client = ec2Client()): Promise<DescribeNetworkInterfacesLike[]> {
  const pages: DescribeNetworkInterfacesLike[] = [];
  for await (const page of paginateDescribeNetworkInterfaces({ client, pageSize: 1000 }, {})) {
    pages.push({ NetworkInterfaces: page.NetworkInterfaces as DescribeNetworkInterfacesLike['NetworkInterfaces'] });
  }
  const ids = [...new Set(pages.flatMap((p) => (p.NetworkInterfaces ?? []).map((n) => n.Attachment?.InstanceId).filter((x): x is string => !!x)))];
  for (let i = 0; i < ids.length; i += INSTANCE_BATCH) {
    const r = await client.send(new DescribeInstancesCommand({ InstanceIds: ids.slice(i, i + INSTANCE_BATCH) }));
    pages.push({ Reservations: r.Reservations as DescribeNetworkInterfacesLike['Reservations'] });
  }
  return pages;
}

/** The inventory, rebuilt at most once per ttlSeconds per process (warm Lambda containers reuse it). */
export async function cachedAwsInventory(ttlSeconds: number, client?: EC2Client, now = Date.now()): Promise<Inventory> {
  if (cached && now - cached.at < ttlSeconds * 1000) return cached.inventory;
  const inventory = new Inventory(await describeInventory(client));
  cached = { at: now, inventory };
  return inventory;
}

export function clearInventoryCache(): void {
  cached = undefined;
}
