import { z } from 'zod';

/**
 * zod schemas for everything the notification handlers receive. Loose on purpose (passthrough, optional fields):
 * AWS adds keys over time; we only require what the formatters cannot do without.
 */

const StateSchema = z
  .object({
    value: z.string(),
    reason: z.string().optional(),
    reasonData: z.string().optional(),
    timestamp: z.string().optional(),
    actionsSuppressedBy: z.string().optional(),
    actionsSuppressedReason: z.string().optional(),
    evaluationState: z.string().optional(),
  })
  .passthrough();

const MetricStatSchema = z
  .object({
    metric: z
      .object({
        namespace: z.string().optional(),
        name: z.string().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
      })
      .passthrough(),
    period: z.number().optional(),
    stat: z.string().optional(),
  })
  .passthrough();

export const AlarmDetailSchema = z
  .object({
    alarmName: z.string().min(1),
    state: StateSchema,
    previousState: StateSchema.optional(),
    operation: z.string().optional(),
    configuration: z
      .object({
        description: z.string().optional(),
        alarmRule: z.string().optional(),
        actionsSuppressor: z.string().optional(),
        threshold: z.number().optional(),
        comparisonOperator: z.string().optional(),
        metrics: z
          .array(
            z
              .object({
                id: z.string().optional(),
                expression: z.string().optional(),
                label: z.string().optional(),
                returnData: z.boolean().optional(),
                period: z.number().optional(),
                metricStat: MetricStatSchema.optional(),
              })
              .passthrough(),
          )
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type AlarmDetail = z.infer<typeof AlarmDetailSchema>;

/** Any EventBridge event; `detail` is checked per detail-type by the caller. */
export const EventBridgeEnvelope = z
  .object({
    version: z.string().optional(),
    id: z.string().optional(),
    'detail-type': z.string(),
    // always present from EventBridge; optional so hand-made partial events (tests, forwarded copies) still decode
    source: z.string().optional(),
    account: z.string().optional(),
    time: z.string().optional(),
    region: z.string().optional(),
    resources: z.array(z.string()).optional(),
    detail: z.unknown(),
  })
  .passthrough();
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelope>;

/** The JSON CloudWatch puts in an SNS message when an alarm action targets a topic. */
export const SnsAlarmMessageSchema = z
  .object({
    AlarmName: z.string().min(1),
    AlarmDescription: z.string().nullable().optional(),
    AWSAccountId: z.string().optional(),
    AlarmArn: z.string().optional(),
    NewStateValue: z.string(),
    NewStateReason: z.string().optional(),
    StateChangeTime: z.string().optional(),
    Region: z.string().optional(),
    OldStateValue: z.string().optional(),
    AlarmConfigurationUpdatedTimestamp: z.string().optional(),
    Trigger: z
      .object({
        MetricName: z.string().optional(),
        Namespace: z.string().optional(),
        Statistic: z.string().nullable().optional(),
        ExtendedStatistic: z.string().nullable().optional(),
        Dimensions: z.array(z.object({ name: z.string(), value: z.string() }).passthrough()).nullable().optional(),
        Period: z.number().nullable().optional(),
        EvaluationPeriods: z.number().nullable().optional(),
        ComparisonOperator: z.string().nullable().optional(),
        Threshold: z.number().nullable().optional(),
        Metrics: z.array(z.unknown()).nullable().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough();
export type SnsAlarmMessage = z.infer<typeof SnsAlarmMessageSchema>;

export const SnsEventSchema = z
  .object({
    Records: z
      .array(
        z
          .object({
            EventSource: z.string().optional(),
            Sns: z
              .object({
                MessageId: z.string().optional(),
                TopicArn: z.string().optional(),
                Subject: z.string().nullable().optional(),
                Message: z.string(),
                Timestamp: z.string().optional(),
              })
              .passthrough(),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough();
export type SnsEvent = z.infer<typeof SnsEventSchema>;

const UserIdentitySchema = z
  .object({
    type: z.string().optional(),
    principalId: z.string().optional(),
    arn: z.string().optional(),
    accountId: z.string().optional(),
    userName: z.string().optional(),
    invokedBy: z.string().optional(),
    sessionContext: z
      .object({
        sessionIssuer: z
          .object({ type: z.string().optional(), arn: z.string().optional(), userName: z.string().optional() })
          .passthrough()
          .optional(),
        sourceIdentity: z.string().optional(),
        attributes: z.object({ mfaAuthenticated: z.union([z.string(), z.boolean()]).optional() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

/**
 * One CloudTrail record (the EventBridge `detail` of an API call, sign-in or Insight event). A record without an
 * eventID gets the EventBridge envelope id from the handler before it is parsed.
 */
export const CloudTrailRecordSchema = z
  .object({
    eventVersion: z.string().optional(),
    eventID: z.string().min(1),
    eventTime: z.string(),
    eventName: z.string().optional(),
    eventSource: z.string().optional(),
    eventType: z.string().optional(),
    eventCategory: z.string().optional(),
    awsRegion: z.string().optional(),
    recipientAccountId: z.string().optional(),
    userIdentity: UserIdentitySchema.optional(),
    sourceIPAddress: z.string().optional(),
    userAgent: z.string().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
    responseElements: z.record(z.string(), z.unknown()).nullable().optional(),
    additionalEventData: z.record(z.string(), z.unknown()).nullable().optional(),
    sessionCredentialFromConsole: z.union([z.string(), z.boolean()]).optional(),
    readOnly: z.boolean().optional(),
    insightDetails: z
      .object({
        state: z.string().optional(),
        eventSource: z.string().optional(),
        eventName: z.string().optional(),
        insightType: z.string().optional(),
        insightContext: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

export const CLOUDTRAIL_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Insight via CloudTrail',
] as const;

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
export const ALARM_CONFIG_CHANGE = 'CloudWatch Alarm Configuration Change';
