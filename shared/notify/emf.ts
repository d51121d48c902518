/**
 * Delivery metrics as CloudWatch Embedded Metric Format documents: namespace `NetWatch`, dimension `Channel`,
 * metrics `NotificationsSent` / `NotificationsFailed` (what the monitoring dashboard in shared/athena plots).
 * One document per channel, since an EMF dimension has one value per document.
 */

export const NOTIFY_METRICS_NAMESPACE = 'NetWatch';

export class ChannelTally {
  private readonly counts = new Map<string, { sent: number; failed: number }>();

  add(channel: string, kind: 'sent' | 'failed'): void {
    const c = this.counts.get(channel) ?? { sent: 0, failed: 0 };
    c[kind] += 1;
    this.counts.set(channel, c);
  }

  emf(timestamp: number): Record<string, unknown>[] {
    return [...this.counts].map(([channel, c]) => ({
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [
          {
            Namespace: NOTIFY_METRICS_NAMESPACE,
            Dimensions: [['Channel']],
            Metrics: [
              { Name: 'NotificationsSent', Unit: 'Count' },
              { Name: 'NotificationsFailed', Unit: 'Count' },
            ],
          },
        ],
      },
      Channel: channel,
      NotificationsSent: c.sent,
      NotificationsFailed: c.failed,
    }));
  }
}
