/**
 * `netwatch mirror backfill`: one full reconcile now (mirror every selected ENI that has no session yet, delete our
 * sessions of gone ENIs, publish the VNI map). Local mode prints the EC2 calls; --aws executes them.
 */
import { Command } from 'commander';
import { mirrorDeps } from '../../functions/mirror-manager/handler.ts';
import { manage } from '../../functions/mirror-manager/manage.ts';
import { configPath, isLocalMode } from '../../functions/nacl-responder/deps.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { UsageError } from '../../shared/errors.ts';

export function registerMirror(program: Command): void {
  const mirror = program.command('mirror').description('traffic-mirror sessions managed by the mirror-manager');
  mirror
    .command('backfill')
    .description('reconcile now: create sessions for every selected ENI, delete ours whose ENI is gone, publish the VNI map')
    .option('-c, --config <file>', 'netwatch.config.yml (default: $NETWATCH_CONFIG or ./netwatch.config.yml)')
    .option('--local', 'local mode: inventory from local.* files, calls printed on stdout (default outside Lambda)')
    .option('--aws', 'AWS mode: real Describe* calls, sessions created/deleted, map written to LAKE_BUCKET')
    .action(async (o: { config?: string; local?: boolean; aws?: boolean }) => {
      if (o.local && o.aws) throw new UsageError('--aws and --local are exclusive');
      const path = o.config ?? configPath();
      const cfg = await loadConfig(path);
      const local = o.local ? true : o.aws ? false : isLocalMode();
      const out = await manage({ trigger: 'backfill', hints: { goneInstanceIds: [], goneEniIds: [] } }, cfg, mirrorDeps(cfg, path, local));
      for (const s of out.skipped) process.stderr.write(`not mirrored ${s.eniId}${s.instanceId ? ` (${s.instanceId})` : ''}: ${s.code}: ${s.detail}\n`);
      process.stderr.write(`${out.desired} ENI(s) selected, ${out.filterCalls.length + out.actions.length} call(s), VNI map ${out.mapChanged ? 'written to' : 'unchanged at'} ${out.mapLocation} (${out.mapSessions} session(s))\n`);
    });
}
