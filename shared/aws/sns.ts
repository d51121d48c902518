/** SNS publish adapter for the notifier (email/SMS channels). */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SnsPublishInput } from '../notify/deliver.ts';
import { snsClient } from './clients.ts';

export function snsPublisher(client: SNSClient = snsClient()): (input: SnsPublishInput) => Promise<{ MessageId?: string }> {
  return async (input) => {
    const r = await client.send(new PublishCommand(input));
    return r.MessageId ? { MessageId: r.MessageId } : {};
  };
}
