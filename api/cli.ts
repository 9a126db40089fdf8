import type { Command } from 'commander';

// Not built yet: issue 6. The command exists so `sunshare --help` shows the whole plan.
export function register(program: Command): void {
  program
    .command('api')
    .description('Serve the HTTP API and status page (not built yet: issue 6)')
    .action(() => {
      console.error('sunshare api is not built yet (issue 6).');
      process.exit(2);
    });
}
