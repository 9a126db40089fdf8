import type { Command } from 'commander';

// Not built yet: issue 3. The command exists so `sunshare --help` shows the whole plan.
export function register(program: Command): void {
  program
    .command('gateway')
    .description('Poll Modbus devices and publish to MQTT with store-and-forward (not built yet: issue 3)')
    .action(() => {
      console.error('sunshare gateway is not built yet (issue 3).');
      process.exit(2);
    });
}
