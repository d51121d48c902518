/**
 * `netwatch nacl list` / `netwatch nacl unblock <cidr>` / `netwatch nacl sweep`: operator view of the responder's
 * blocks. Mode as for the handler: local (files in, plans out, state under local.stateDir) unless NETWATCH_LOCAL=0
 * or --aws, which reads the real NACLs and the S3 state (LAKE_BUCKET / lake.bucket).
 */
import { Command } from 'commander';
import { buildDeps, configPath, isLocalMode } from '../../functions/nacl-responder/deps.ts';
import { emptyGuard, policyFromConfig, respond, type Outcome } from '../../functions/nacl-responder/respond.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { UsageError } from '../../shared/errors.ts';
import { tryParseCidr, canonicalCidr } from '../../shared/respond/cidr.ts';
import { planSweep } from '../../shared/respond/plan.ts';

interface CommonOptions {
  config?: string;
  aws?: boolean;
  local?: boolean;
  json?: boolean;
}

async function setup(o: CommonOptions) {
  const path = o.config ?? configPath();
  const cfg = await loadConfig(path);
  if (o.aws && o.local) throw new UsageError('--aws and --local are exclusive');
  const local = o.local ? true : o.aws ? false : isLocalMode();
  return { path, cfg, local };
}

function withCommon(c: Command): Command {
  return c
    .option('-c, --config <file>', 'netwatch.config.yml (default: $NETWATCH_CONFIG or ./netwatch.config.yml)')
    .option('--local', 'local mode: NACLs from local.networkAcls, state under local.stateDir (default outside Lambda)')
    .option('--aws', 'AWS mode: real NACLs (DescribeNetworkAcls) and the S3 state in LAKE_BUCKET');
}

function reportOutcome(o: Outcome): void {
  for (const s of o.skipped) process.stderr.write(`skipped ${s.code}${s.cidr ? ` ${s.cidr}` : ''}: ${s.detail}\n`);
  for (const d of o.drift) process.stderr.write(`drift ${d.code} ${d.naclId}${d.ruleNumber !== undefined ? ` rule ${d.ruleNumber}` : ''}: ${d.detail}\n`);
}

export function registerNacl(program: Command): void {
  const nacl = program.command('nacl').description('network ACL blocks made by the nacl-responder');

  withCommon(nacl.command('list'))
    .description('list active blocks (NACL, direction, rule, CIDR, expiry, why) and whether each entry is still in place')
    .option('--json', 'one JSON object per block on stdout')
    .action(async (o: CommonOptions) => {
      const { path, cfg, local } = await setup(o);
      const built = buildDeps(cfg, path, { local, write: (l) => process.stderr.write(l) });
      try {
        const { state } = await built.deps.store.load();
        const nacls = await built.deps.network.nacls([...new Set(state.blocks.map((b) => b.vpcId))]);
        const drift = planSweep(nacls, state, policyFromConfig(cfg, emptyGuard(cfg)), built.deps.now()).drift;
        const rows = state.blocks.map((b) => {
          const d = drift.find((x) => x.naclId === b.naclId && x.ruleNumber === b.ruleNumber && x.egress === b.egress && x.code.startsWith('state.'));
          return { ...b, direction: b.egress ? 'outbound' : 'inbound', inPlace: !d, ...(d ? { drift: d.code } : {}) };
        });
        if (o.json) {
          for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('no active blocks\n');
          return;
        }
        const header = ['NACL', 'DIR', 'RULE', 'CIDR', 'EXPIRES', 'STATUS', 'WHY'];
        const table = rows.map((r) => [r.naclId, r.direction, String(r.ruleNumber), r.cidr, r.expiresAt, r.inPlace ? 'active' : (r.drift ?? ''), r.summary]);
        const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
        for (const line of [header, ...table]) process.stdout.write(`${line.map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`);
      } finally {
        await built.close();
      }
    });

  withCommon(nacl.command('unblock'))
    .description('remove every deny entry the responder owns for exactly this CIDR (never someone else\'s rule)')
    .argument('<cidr>', 'e.g. 203.0.113.7/32 or 2001:db8:bad::/64 (a bare address means /32 or /128)')
    .action(async (cidr: string, o: CommonOptions) => {
      if (!tryParseCidr(cidr)) throw new UsageError(`"${cidr}" is not an IPv4/IPv6 CIDR`);
      const { path, cfg, local } = await setup(o);
      const built = buildDeps(cfg, path, { local });
      let out: Outcome;
      try {
        out = await respond({ kind: 'unblock', cidr }, cfg, built.deps);
      } finally {
        await built.close();
      }
      reportOutcome(out);
      if (out.applied.length === 0 && out.drift.length === 0) throw new Error(`no active block for ${canonicalCidr(cidr)}`);
      if (!local) process.stderr.write(`removed ${out.applied.length} entr${out.applied.length === 1 ? 'y' : 'ies'} for ${canonicalCidr(cidr)}\n`);
    });

  withCommon(nacl.command('sweep'))
    .description('run the expiry sweep now: delete expired blocks, report drift between state and the real NACLs')
    .action(async (o: CommonOptions) => {
      const { path, cfg, local } = await setup(o);
      const built = buildDeps(cfg, path, { local });
      try {
        reportOutcome(await respond({ kind: 'sweep' }, cfg, built.deps));
      } finally {
        await built.close();
      }
    });
}
