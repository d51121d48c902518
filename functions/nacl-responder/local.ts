/**
 * Local-mode ports (ARCHITECTURE.md "Local plans"): the network state comes from JSON files in the shapes of the EC2
 * Describe* outputs (local.networkAcls / local.vpcs / local.inventory), each EC2 call is printed as one JSON line
 * `{"call":"CreateNetworkAclEntry","input":{...}}`, and state, audit and notifications live under local.stateDir.
 * Paths in `local.*` are relative to the config file's directory.
 */
import { appendFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import { awsIpRanges, type ProtectedRange } from '../../shared/respond/guardrails.ts';
import { NetworkStateError, natElbAddresses, parseInventory, toNaclViews, vpcCidrs, type NaclView } from '../../shared/respond/nacl.ts';
import { overlayState } from '../../shared/respond/plan.ts';
import { snapshotAwsRanges } from './ranges.ts';
import type { AuditSink, Executor, NetworkReader, Notifier, StateStore } from '../../shared/respond/ports.ts';
import { emptyState, parseState, type ResponderState } from '../../shared/respond/state.ts';

export interface LocalPaths {
  networkAcls: string | undefined;
  inventory: string | undefined;
  vpcs: string | undefined;
  stateDir: string;
  awsIpRanges: string | undefined;
}

export function localPaths(cfg: NetwatchConfig, configPath: string): LocalPaths {
  const base = dirname(resolve(configPath));
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : join(base, p));
  const ranges = cfg.responder.awsIpRanges;
  return {
    networkAcls: abs(cfg.local.networkAcls),
    inventory: abs(cfg.local.inventory),
    vpcs: abs(cfg.local.vpcs),
    stateDir: abs(cfg.local.stateDir) ?? join(base, '.netwatch/state'),
    awsIpRanges: ranges && !/^https?:/.test(ranges) ? abs(ranges) : undefined,
  };
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NetworkStateError(`${path}: cannot read ${what}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NetworkStateError(`${path}: ${what} is not valid JSON`, { cause: err });
  }
}

export const STATE_FILE = 'nacl-responder.json';
export const AUDIT_FILE = 'audit.jsonl';

/** The NACLs from the file, with the entries our state says we created laid over them (there is no real NACL). */
export function localNetwork(paths: LocalPaths, store: LocalStateStore): NetworkReader {
  const inventory = async () => (paths.inventory ? parseInventory(await readJson(paths.inventory, 'local.inventory'), paths.inventory) : { NetworkInterfaces: [] });
  return {
    async nacls(vpcIds) {
      if (!paths.networkAcls) throw new NetworkStateError('local.networkAcls is not set: local mode needs a DescribeNetworkAcls output file');
      const views: NaclView[] = toNaclViews(await readJson(paths.networkAcls, 'local.networkAcls'), paths.networkAcls);
      const { state } = await store.load();
      return overlayState(views.filter((v) => vpcIds.length === 0 || vpcIds.includes(v.vpcId)), state);
    },
    async vpcCidrs() {
      return paths.vpcs ? vpcCidrs(await readJson(paths.vpcs, 'local.vpcs'), paths.vpcs) : [];
    },
    async natElbAddresses() {
      return natElbAddresses(await inventory());
    },
    async vpcsOf(subject) {
      const inv = await inventory();
      return [
        ...new Set(
          inv.NetworkInterfaces.filter(
            (n) => subject.interfaceIds.includes(n.NetworkInterfaceId) || (n.Attachment?.InstanceId !== undefined && subject.instanceIds.includes(n.Attachment.InstanceId)),
          ).flatMap((n) => (n.VpcId ? [n.VpcId] : [])),
        ),
      ];
    },
  };
}

/** Prints each call as one JSON line; in local mode every call "succeeds" (it is a plan). */
export function printingExecutor(write: (line: string) => void = (l) => process.stdout.write(l)): Executor {
  return {
    async execute(call) {
      write(`${JSON.stringify({ call: call.call, input: call.input })}\n`);
      return 'ok';
    },
  };
}

/**
 * State in `<stateDir>/nacl-responder.json`, written atomically (temp file + rename). A lock file serialises two
 * local runs; the lock is held from load() to save() and a lock older than 30 s is considered abandoned.
 */
export class LocalStateStore implements StateStore {
  readonly dir: string;
  private locked = false;
  constructor(dir: string) {
    this.dir = dir;
  }
  private get file(): string {
    return join(this.dir, STATE_FILE);
  }
  private get lockFile(): string {
    return join(this.dir, `${STATE_FILE}.lock`);
  }
  async lock(): Promise<void> {
    if (this.locked) return;
    await mkdir(this.dir, { recursive: true });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const h = await open(this.lockFile, 'wx');
        await h.write(String(process.pid));
        await h.close();
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = await stat(this.lockFile).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 30_000) await rm(this.lockFile, { force: true });
        if (Date.now() > deadline) throw new NetworkStateError(`${this.lockFile}: state is locked by another run`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }
  async unlock(): Promise<void> {
    if (!this.locked) return;
    await rm(this.lockFile, { force: true });
    this.locked = false;
  }
  async peek(): Promise<ResponderState> {
    try {
      return parseState(JSON.parse(await readFile(this.file, 'utf8')), this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      if (err instanceof SyntaxError) throw new NetworkStateError(`${this.file}: responder state is not valid JSON`, { cause: err });
      throw err;
    }
  }
  async load(): Promise<{ state: ResponderState; version: string | undefined }> {
    await this.lock();
    return { state: await this.peek(), version: undefined };
  }
  async save(state: ResponderState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.file);
  }
}

export function localAudit(dir: string): AuditSink {
  return {
    async append(lines) {
      await mkdir(dir, { recursive: true });
      await appendFile(join(dir, AUDIT_FILE), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    },
  };
}

export const EVENTS_FILE = 'events.jsonl';

/**
 * Local stand-in for EventBridge PutEvents on the `netwatch` bus: each event is appended, in the full EventBridge
 * envelope shape, to `<stateDir>/events.jsonl`, so a line can be handed to another function (`netwatch invoke`).
 */
export function localNotifier(dir: string, now: () => Date = () => new Date()): Notifier {
  return {
    async publish(detailType, detail) {
      await mkdir(dir, { recursive: true });
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': detailType,
        source: 'netwatch.respond',
        account: process.env.AWS_ACCOUNT_ID ?? '000000000000',
        time: now().toISOString(),
        region: process.env.AWS_REGION ?? 'us-east-1',
        resources: [],
        detail,
      };
      await appendFile(join(dir, EVENTS_FILE), `${JSON.stringify(event)}\n`);
    },
  };
}

/** AWS ranges from a local ip-ranges.json file, or the snapshot shipped with the enrichment code. */
export function localAwsRanges(path: string | undefined): () => Promise<ProtectedRange[]> {
  return async () => (path ? awsIpRanges(await readJson(path, 'responder.awsIpRanges')) : snapshotAwsRanges());
}
