import type { Command } from 'commander';

// Not built yet: issue 5. The commands exist so `sunshare --help` shows the whole plan.
export function register(program: Command): void {
  for (const [name, what] of [
    ['payout', 'Settle days and produce payout reports'],
    ['registry', 'Manage and import sites, households, allocations and tariffs'],
  ] as const) {
    program
      .command(name)
      .description(`${what} (not built yet: issue 5)`)
      .action(() => {
        console.error(`sunshare ${name} is not built yet (issue 5).`);
        process.exit(2);
      });
  }
}
