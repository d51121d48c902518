/**
 * The sensor's config file (`/etc/vxlan-sensor/config.json` on the AMI), validated with zod and translated into the
 * `netwatch sensor run` options, so the systemd unit and the CLI drive the daemon through one code path.
 *
 * Every key is optional except `out`; a key the daemon does not know is an error (a typo such as `flushSecond` must
 * not silently fall back to a default). Defaults are the daemon's own (see `netwatch sensor run --help`).
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../../shared/errors.ts';

/** host:port, IPv6 in brackets (`[::]:4789`); the daemon re-checks it with its own parser. */
const HostPort = z.string().regex(/^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:4789');

export const SensorConfigSchema = z
  .object({
    /** UDP address the mirrored VXLAN datagrams arrive on (Traffic Mirroring uses 4789). */
    listen: HostPort.default('0.0.0.0:4789'),
    /** HTTP health endpoint (GET /health) for the NLB target group check. */
    health: HostPort.default('0.0.0.0:8080'),
    /** Lake root: a local directory or s3://bucket/prefix. Records go under `<out>/sensor/`. */
    out: z.string().min(1),
    /** VNI -> mirror session map (file or s3://bucket/key), written by the mirror manager. */
    vniMap: z.string().min(1).optional(),
    vniReloadSeconds: z.number().int().min(1).optional(),
    flushSeconds: z.number().min(0).optional(),
    flushBytes: z.number().int().min(1).optional(),
    /** Requested SO_RCVBUF in bytes; the kernel caps it at net.core.rmem_max (the AMI's sysctl.d raises it). */
    rcvbuf: z.number().int().min(0).optional(),
    metricsSeconds: z.number().min(1).optional(),
    /** Processes sharing the UDP port (SO_REUSEPORT); `"auto"` = one per CPU, so one AMI fits every instance size. */
    workers: z.union([z.number().int().min(1).max(256), z.literal('auto')]).optional(),
    /** AWS region for the S3 client (the SDK does not read it from IMDS); sets AWS_REGION when that is unset. */
    region: z
      .string()
      .regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
      .optional(),
  })
  .strict();

export type SensorConfig = z.infer<typeof SensorConfigSchema>;

/** Parses and validates; the error names the offending key (`config.json: flushBytes: …`). */
export function parseSensorConfig(raw: unknown, source: string): SensorConfig {
  const r = SensorConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const key = first && first.path.length > 0 ? first.path.join('.') : '(root)';
  const msg =
    first?.code === 'unrecognized_keys' ? `unknown key ${(first.keys ?? []).join(', ')}` : (first?.message ?? 'invalid');
  throw new ConfigError(`${source}: ${key}: ${msg}`);
}

function flag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The `sensor run` arguments the config stands for (after `sensor run`). */
export function sensorRunArgs(cfg: SensorConfig, cpus: number = availableParallelism()): string[] {
  const args = ['--listen', cfg.listen, '--health', cfg.health, '--out', cfg.out];
  if (cfg.vniMap !== undefined) args.push('--vni-map', cfg.vniMap);
  const numeric = ['vniReloadSeconds', 'flushSeconds', 'flushBytes', 'rcvbuf', 'metricsSeconds'] as const;
  for (const k of numeric) {
    const v = cfg[k];
    if (v !== undefined) args.push(flag(k), String(v));
  }
  if (cfg.workers !== undefined) args.push('--workers', String(cfg.workers === 'auto' ? Math.max(1, cpus) : cfg.workers));
  return args;
}
