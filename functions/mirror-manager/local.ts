/**
 * Local-mode ports for the mirror manager: inventory from Describe*-shaped JSON files (local.inventory, local.instances,
 * local.subnets, local.vpcs, local.mirrorSessions, local.instanceTypes; paths relative to the config file), each EC2
 * call printed as one JSON line on stdout, and the sessions "after" the planned calls kept in
 * `<stateDir>/mirror-sessions.json` (so a second run plans nothing). The VNI map goes to `<stateDir>/vni-map.json`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import {
  decodeEnis,
  decodeHypervisors,
  decodeInstances,
  decodeSessions,
  decodeSubnetTags,
  decodeVpcCidrs,
  decodeVpcTags,
  MirrorInventoryError,
  type Inventory,
  type MirrorFilter,
  type Session,
} from '../../shared/mirror/inventory.ts';
import type { MapStore, MirrorExecutor, MirrorReader } from '../../shared/mirror/ports.ts';

export const SESSIONS_FILE = 'mirror-sessions.json';
export const MAP_FILE = 'vni-map.json';

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MirrorInventoryError(`${path}: cannot read ${what}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MirrorInventoryError(`${path}: ${what} is not valid JSON`, { cause: err });
  }
}

const SavedSession = z
  .object({
    sessionId: z.string(),
    eniId: z.string(),
    targetId: z.string().optional(),
    filterId: z.string().optional(),
    sessionNumber: z.number().int(),
    vni: z.number().int().optional(),
    packetLength: z.number().int().optional(),
    tags: z.record(z.string(), z.string()),
  })
  .strict();
const SavedRule = z
  .object({
    ruleId: z.string(),
    TrafficDirection: z.enum(['ingress', 'egress']),
    RuleNumber: z.number().int(),
    RuleAction: z.enum(['accept', 'reject']),
    Protocol: z.number().int().optional(),
    SourceCidrBlock: z.string(),
    DestinationCidrBlock: z.string(),
    SourcePortRange: z.object({ FromPort: z.number().int(), ToPort: z.number().int() }).strict().optional(),
    DestinationPortRange: z.object({ FromPort: z.number().int(), ToPort: z.number().int() }).strict().optional(),
  })
  .strict();
const SavedFilter = z.object({ filterId: z.string(), tags: z.record(z.string(), z.string()), rules: z.array(SavedRule) }).strict();
const Saved = z.object({ version: z.literal(1), sessions: z.array(SavedSession), filters: z.array(SavedFilter).default([]) }).strict();
type Saved = z.infer<typeof Saved>;

export interface LocalMirror {
  reader: MirrorReader;
  executor: MirrorExecutor;
  maps: MapStore;
  saveState: (state: { sessions: Session[]; filters: MirrorFilter[] }) => Promise<void>;
  stateDir: string;
}

export function localMirror(cfg: NetwatchConfig, configPath: string, write: (line: string) => void = (l) => process.stdout.write(l)): LocalMirror {
  const baseDir = dirname(resolve(configPath));
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : join(baseDir, p));
  const l = cfg.local;
  const stateDir = abs(l.stateDir) ?? join(baseDir, '.netwatch/state');
  const sessionsFile = join(stateDir, SESSIONS_FILE);
  const mapFile = join(stateDir, MAP_FILE);
  const opt = async <T>(path: string | undefined, what: string, decode: (raw: unknown, src: string) => T, empty: T): Promise<T> =>
    path ? decode(await readJson(path, what), path) : empty;

  const saved = async (): Promise<Saved | undefined> => {
    try {
      return Saved.parse(JSON.parse(await readFile(sessionsFile, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MirrorInventoryError(`${sessionsFile}: local mirror state is corrupt`, { cause: err });
    }
  };

  const reader: MirrorReader = {
    async inventory(): Promise<Inventory> {
      const inventoryPath = abs(l.inventory);
      if (!inventoryPath) throw new MirrorInventoryError('local.inventory is not set: local mode needs a DescribeNetworkInterfaces output file');
      const state = await saved();
      const sessions: Session[] = state
        ? state.sessions.map((s) => ({ ...s, targetId: s.targetId, filterId: s.filterId, vni: s.vni, packetLength: s.packetLength }))
        : await opt(abs(l.mirrorSessions), 'local.mirrorSessions', decodeSessions, []);
      const vpcsPath = abs(l.vpcs);
      const vpcsRaw = vpcsPath ? await readJson(vpcsPath, 'local.vpcs') : undefined;
      return {
        enis: decodeEnis(await readJson(inventoryPath, 'local.inventory'), inventoryPath),
        instances: await opt(abs(l.instances), 'local.instances', decodeInstances, new Map()),
        subnetTags: await opt(abs(l.subnets), 'local.subnets', decodeSubnetTags, new Map()),
        vpcTags: vpcsRaw === undefined ? new Map() : decodeVpcTags(vpcsRaw, vpcsPath),
        vpcCidrs: vpcsRaw === undefined ? [] : decodeVpcCidrs(vpcsRaw, vpcsPath),
        sessions,
      };
    },
    async hypervisors() {
      return opt(abs(l.instanceTypes), 'local.instanceTypes', decodeHypervisors, new Map<string, boolean>());
    },
    // locally there is no DescribeTrafficMirrorTargets file: the sensor's ENIs are kept out by mirroring.excludeTag
    async targetEniIds() {
      return [];
    },
    // filters the manager "created" in earlier local runs (there is no local filter file)
    async filters() {
      return ((await saved())?.filters ?? []).map((f) => ({ ...f, rules: [...f.rules] }));
    },
  };

  const executor: MirrorExecutor = {
    async execute(call) {
      write(`${JSON.stringify({ call: call.call, input: call.input })}\n`);
      // stable, real-looking ids for what the plan creates (prefix + 17 hex digits)
      const id = (prefix: string, seed: string) => `${prefix}-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;
      switch (call.call) {
        case 'CreateTrafficMirrorSession':
          return { sessionId: id('tms', `${call.input.NetworkInterfaceId}|${call.input.VirtualNetworkId}`) };
        case 'CreateTrafficMirrorFilter':
          return { filterId: id('tmf', call.input.ClientToken) };
        case 'CreateTrafficMirrorFilterRule':
          return { ruleId: id('tmfr', call.input.ClientToken) };
        default:
          return {};
      }
    },
  };

  const maps: MapStore = {
    async read() {
      try {
        return await readFile(mapFile, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(text) {
      await mkdir(stateDir, { recursive: true });
      await writeFile(`${mapFile}.tmp`, text);
      await rename(`${mapFile}.tmp`, mapFile);
    },
    describe: () => mapFile,
  };

  return {
    reader,
    executor,
    maps,
    stateDir,
    async saveState({ sessions, filters }) {
      await mkdir(stateDir, { recursive: true });
      const saved = { version: 1, sessions: sessions.map((s) => JSON.parse(JSON.stringify(s)) as unknown), filters };
      await writeFile(`${sessionsFile}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
      await rename(`${sessionsFile}.tmp`, sessionsFile);
    },
  };
}
