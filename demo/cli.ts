import type { Command } from 'commander';

// Not built yet: issue 6. The command exists so `sunshare --help` shows the whole plan.
export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the whole system on embedded defaults (not built yet: issue 6)')
    .action(() => {
      console.error('sunshare demo is not built yet (issue 6).');
      process.exit(2);
    });
}
