import type { Command } from 'commander';

// Not built yet: issue 4. The command exists so `sunshare --help` shows the whole plan.
export function register(program: Command): void {
  program
    .command('broker')
    .description('Run the embedded MQTT broker (aedes) with credentials and ACL (not built yet: issue 4)')
    .action(() => {
      console.error('sunshare broker is not built yet (issue 4).');
      process.exit(2);
    });
}
