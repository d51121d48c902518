import { z } from 'zod';

/**
 * `detections:` in netwatch.config.yml. Every key has a default, so `detections: {}` runs every streaming detection
 * with the thresholds below (docs/detections.md explains each one). Windows are tumbling windows over record time
 * (the flow record's `start`), aligned to multiples of `windowSeconds` since the Unix epoch, so two objects that
 * carry records of the same window name the same window, whatever order they arrive in.
 */
const Cidr = z.string().regex(/^[0-9a-fA-F:.]+(?:\/\d{1,3})?$/, 'must be an address or a CIDR such as 203.0.113.0/24');

const toggle = { enabled: z.boolean().default(true) };

export const EgressFloodConfig = z
  .object({
    ...toggle,
    /** bytes from our ENIs to one external address in one window */
    bytes: z.number().int().positive().default(1_000_000_000),
    /** packets from our ENIs to one external address in one window */
    packets: z.number().int().positive().default(1_000_000),
    /** flow records (distinct 5-tuples per aggregation interval) to one external address in one window */
    flows: z.number().int().positive().default(5_000),
  })
  .strict();

export const PortScanConfig = z
  .object({
    ...toggle,
    /** distinct destination ports probed by one source in one window */
    ports: z.number().int().positive().default(25),
    /** distinct destination addresses probed by one source in one window */
    hosts: z.number().int().positive().default(25),
    /** share of the source's flows that were REJECTed ("mostly REJECT") */
    minRejectRatio: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export const BruteForceConfig = z
  .object({
    ...toggle,
    /** service name -> TCP port; each service yields findings of type `<name>-brute-force` */
    services: z.record(z.string().regex(/^[a-z0-9-]+$/), z.number().int().min(1).max(65535)).default({ ssh: 22, rdp: 3389 }),
    /** rejected or short flows from one source to the service in one window */
    attempts: z.number().int().positive().default(30),
    /** an ACCEPTed flow with at most this many packets counts as a (failed) attempt */
    shortFlowPackets: z.number().int().nonnegative().default(20),
  })
  .strict();

export const RejectBurstConfig = z
  .object({
    ...toggle,
    /** REJECTed flow records from one source in one window */
    rejects: z.number().int().positive().default(200),
  })
  .strict();

export const DenyListConfig = z
  .object({
    ...toggle,
    /** threat-intel CIDRs inline */
    cidrs: z.array(Cidr).default([]),
    /** threat-intel file: one CIDR or address a line, `#` comments (read once by loadDetectionsConfig) */
    file: z.string().min(1).optional(),
  })
  .strict();

/** The SQL detections over the lake (shared/athena/detections/*.sql), run on a schedule on Athena. */
export const ScheduledDetectionsConfig = z
  .object({
    ...toggle,
    /** days of lake the scheduled run reads: from = today - lookbackDays, to = today (UTC) */
    lookbackDays: z.number().int().min(1).max(90).default(7),
    egressOverBaseline: z
      .object({ factor: z.number().positive().default(10), minBytes: z.number().int().positive().default(100_000_000) })
      .strict()
      .default({ factor: 10, minBytes: 100_000_000 }),
    slowScan: z
      .object({
        minPorts: z.number().int().positive().default(100),
        minHosts: z.number().int().positive().default(50),
        minRejectRatio: z.number().min(0).max(1).default(0.8),
      })
      .strict()
      .default({ minPorts: 100, minHosts: 50, minRejectRatio: 0.8 }),
    /** subnets whose new external destinations are findings (new-external-destination.sql) */
    sensitiveSubnets: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id such as subnet-0a1b2c3d')).default([]),
  })
  .strict();

export const DetectionsConfig = z
  .object({
    enabled: z.boolean().default(true),
    /** tumbling window length over record time, seconds */
    windowSeconds: z.number().int().min(60).max(86_400).default(300),
    /** address space that is "ours"; everything else is external */
    internalCidrs: z
      .array(Cidr)
      .default(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10']),
    /** ingress detections (scan, brute force, reject burst) only consider external sources */
    externalSourcesOnly: z.boolean().default(true),
    /** bound on the per-object state (distinct source/destination keys per window); beyond it keys are counted, not tracked */
    maxTrackedKeys: z.number().int().positive().default(200_000),
    egressFlood: EgressFloodConfig.default(EgressFloodConfig.parse({})),
    portScan: PortScanConfig.default(PortScanConfig.parse({})),
    bruteForce: BruteForceConfig.default(BruteForceConfig.parse({})),
    rejectBurst: RejectBurstConfig.default(RejectBurstConfig.parse({})),
    denyList: DenyListConfig.default(DenyListConfig.parse({})),
    scheduled: ScheduledDetectionsConfig.default(ScheduledDetectionsConfig.parse({})),
  })
  .strict();
export type DetectionsConfig = z.infer<typeof DetectionsConfig>;
/** What a config file may say: every key optional. */
export type DetectionsConfigInput = z.input<typeof DetectionsConfig>;
