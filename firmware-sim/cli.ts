import type { Command } from 'commander';

// Placeholder until the simulator lands (issue 2).
export function register(program: Command): void {
  program
    .command('sim')
    .description('Simulated inverters and meters over Modbus TCP/RTU (not built yet: issue 2)')
    .action(() => {
      console.error('sunshare sim is not built yet (issue 2).');
      process.exit(2);
    });
}
