import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../shared/aws/dynamodb-state.ts';
import { FileStateStore } from '../../shared/notify/store.ts';
import type { StateStore } from '../../shared/notify/store.ts';

/**
 * One contract, two stores: the directory store (local mode) and the DynamoDB store (AWS), the latter against
 * dynalite, a DynamoDB-compatible server on 127.0.0.1.
 */

let server: Server;
let client: DynamoDBClient;
let dir: string;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // the table as functions/alarm-notify/resources.yml declares it
  await client.send(
    new CreateTableCommand({
      TableName: 'notify-state',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  dir = await mkdtemp(join(tmpdir(), 'nw-store-'));
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

function behavesLikeAStateStore(name: string, make: (now: () => number) => StateStore): void {
  describe(name, () => {
    it('lets exactly one of many concurrent claims win', async () => {
      const s = make(() => 1_700_000_000_000);
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => s.claim(`${name}:race`, i, 60)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('lets a claim be taken again once it expired, and after delete', async () => {
      let now = 1_700_000_000_000;
      const s = make(() => now);
      expect(await s.claim(`${name}:k`, 'a', 10)).toBe(true);
      expect(await s.claim(`${name}:k`, 'b', 10)).toBe(false);
      now += 11_000;
      expect(await s.claim(`${name}:k`, 'c', 10)).toBe(true);
      expect(await s.get(`${name}:k`)).toBe('c');
      await s.delete(`${name}:k`);
      expect(await s.claim(`${name}:k`, 'd', 10)).toBe(true);
    });

    it('round-trips JSON values and hides expired ones', async () => {
      let now = 1_700_000_000_000;
      const s = make(() => now);
      await s.put(`${name}:flap`, { sent: [1, 2], held: 3 }, 30);
      expect(await s.get(`${name}:flap`)).toEqual({ sent: [1, 2], held: 3 });
      now += 31_000;
      expect(await s.get(`${name}:flap`)).toBeUndefined();
      expect(await s.get(`${name}:never`)).toBeUndefined();
    });
  });
}

behavesLikeAStateStore('FileStateStore', (now) => new FileStateStore(join(dir, 'state'), now));
behavesLikeAStateStore('DynamoStateStore', (now) => new DynamoStateStore('notify-state', client, now));
