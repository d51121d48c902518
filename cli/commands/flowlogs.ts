import { Command } from 'commander';

export function registerFlowlogs(program: Command): void {
  program.command('flowlogs').description('VPC Flow Logs: ingest objects into the enriched Parquet lake');
}
