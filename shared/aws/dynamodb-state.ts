/**
 * The notifier's state store in AWS: one DynamoDB table (partition key `pk`, TTL attribute `expiresAt` in epoch
 * seconds). `claim` is a conditional put: it wins only if the key is absent or expired, so two concurrent deliveries
 * of the same event send once.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { StateStore } from '../notify/store.ts';
import { dynamoDbClient } from './clients.ts';

export class DynamoStateStore implements StateStore {
  private readonly table: string;
  private readonly client: DynamoDBClient;
  private readonly now: () => number;

  constructor(table: string, client: DynamoDBClient = dynamoDbClient(), now: () => number = Date.now) {
    this.table = table;
    this.client = client;
    this.now = now;
  }

  private item(key: string, value: unknown, ttlSeconds: number) {
    return {
      pk: { S: key },
      value: { S: JSON.stringify(value) },
      expiresAt: { N: String(Math.floor(this.now() / 1000) + ttlSeconds) },
    };
  }

  async claim(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.item(key, value, ttlSeconds),
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(this.now() / 1000)) } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: key } }, ConsistentRead: true }));
    const it = r.Item;
    if (!it?.value?.S) return undefined;
    // DynamoDB's TTL sweep is lazy: expired items may still be returned
    if (Number(it.expiresAt?.N ?? 0) * 1000 <= this.now()) return undefined;
    return JSON.parse(it.value.S) as T;
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.table, Item: this.item(key, value, ttlSeconds) }));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: { pk: { S: key } } }));
  }
}
