import type { Command } from 'commander';

// Not built yet: issue 4. The command exists so `sunshare --help` shows the whole plan.
export function register(program: Command): void {
  program
    .command('ingest')
    .description('Write telemetry to InfluxDB and daily energy to the ledger (not built yet: issue 4)')
    .action(() => {
      console.error('sunshare ingest is not built yet (issue 4).');
      process.exit(2);
    });
}
