/**
 * Builds the responder's ports for the mode it runs in. Shared by the Lambda handler, `netwatch invoke` and
 * `netwatch nacl …`.
 *
 * Environment (config: the first that is set wins, as for alarm-notify):
 *   NETWATCH_CONFIG_JSON   the whole config inline (JSON)
 *   NETWATCH_CONFIG_PARAM  AWS mode: an SSM String parameter holding the YAML (cached 5 minutes)
 *   NETWATCH_CONFIG        path of netwatch.config.yml (default ./netwatch.config.yml)
 *   NETWATCH_LOCAL    1 = local mode (files in, plans out), 0 = AWS; unset = AWS inside Lambda, local elsewhere
 *   LAKE_BUCKET, LAKE_PREFIX, EVENT_BUS_NAME   AWS mode: state/audit bucket and notification bus
 */
import { loadConfig } from '../../shared/config/load.ts';
import { configFromSsm } from '../../shared/aws/parameters.ts';
import { configFromEnvironment } from '../../shared/config/environment.ts';
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import { ec2Client, eventBridgeClient, s3Client } from '../../shared/aws/clients.ts';
import { ec2Executor, ec2NetworkReader } from '../../shared/aws/ec2-nacl.ts';
import { eventBridgeNotifier, s3Audit, S3StateStore } from '../../shared/aws/responder-store.ts';
import { awsIpRanges } from '../../shared/respond/guardrails.ts';
import { localAudit, localAwsRanges, localNetwork, localNotifier, localPaths, LocalStateStore, printingExecutor } from './local.ts';
import { snapshotAwsRanges, urlAwsRanges } from './ranges.ts';
import type { ResponderDeps } from './respond.ts';
import { readFile } from 'node:fs/promises';

export function configPath(): string {
  return process.env.NETWATCH_CONFIG ?? 'netwatch.config.yml';
}

export function isLocalMode(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NETWATCH_LOCAL === '1' || env.NETWATCH_LOCAL === 'true') return true;
  if (env.NETWATCH_LOCAL === '0' || env.NETWATCH_LOCAL === 'false') return false;
  return !env.AWS_LAMBDA_FUNCTION_NAME;
}

const configs = new Map<string, Promise<NetwatchConfig>>();
/** Config file read once per container and path (a failed read is not cached). */
function cachedFile(path: string): Promise<NetwatchConfig> {
  let p = configs.get(path);
  if (!p) {
    p = loadConfig(path);
    p.catch(() => configs.delete(path));
    configs.set(path, p);
  }
  return p;
}

/** The handler's config: NETWATCH_CONFIG_JSON, else NETWATCH_CONFIG_PARAM (AWS mode), else the file at `path`. */
export async function cachedConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<NetwatchConfig> {
  return (await configFromEnvironment(env, { local: isLocalMode(env), fromSsm: configFromSsm })) ?? cachedFile(path);
}

export interface BuiltDeps {
  deps: ResponderDeps;
  /** releases the local state lock; a no-op in AWS */
  close: () => Promise<void>;
  local?: { store: LocalStateStore; stateDir: string };
}

export function buildDeps(cfg: NetwatchConfig, cfgPath: string, opts: { local: boolean; write?: (line: string) => void; now?: () => Date }): BuiltDeps {
  const now = opts.now ?? (() => new Date());
  if (opts.local) {
    const paths = localPaths(cfg, cfgPath);
    const store = new LocalStateStore(paths.stateDir);
    return {
      deps: {
        network: localNetwork(paths, store),
        executor: printingExecutor(opts.write),
        store,
        audit: localAudit(paths.stateDir),
        notifier: localNotifier(paths.stateDir, now),
        awsRanges: localAwsRanges(paths.awsIpRanges),
        mode: 'local',
        now,
      },
      close: () => store.unlock(),
      local: { store, stateDir: paths.stateDir },
    };
  }
  const bucket = process.env.LAKE_BUCKET ?? cfg.lake.bucket;
  if (!bucket) throw new ConfigError('LAKE_BUCKET (or lake.bucket) must name the bucket for responder state and audit');
  const prefix = process.env.LAKE_PREFIX ?? cfg.lake.prefix;
  const ranges = cfg.responder.awsIpRanges;
  return {
    deps: {
      network: ec2NetworkReader(ec2Client()),
      executor: ec2Executor(ec2Client()),
      store: new S3StateStore(s3Client(), bucket, `${prefix}state/nacl-responder.json`),
      audit: s3Audit(s3Client(), bucket, prefix, now),
      notifier: eventBridgeNotifier(eventBridgeClient(), process.env.EVENT_BUS_NAME ?? 'netwatch'),
      awsRanges: async () =>
        !ranges ? snapshotAwsRanges() : /^https:/.test(ranges) ? urlAwsRanges(ranges) : awsIpRanges(JSON.parse(await readFile(ranges, 'utf8'))),
      mode: cfg.responder.dryRun ? 'dry-run' : 'aws',
      now,
    },
    close: async () => {},
  };
}
