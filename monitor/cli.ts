import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('monitor')
    .description('Watch gateway telemetry for faults and underperformance: alarms in the ledger, lost revenue, WeCom/DingTalk/e-mail notifications')
    .option('-c, --config <file>', 'YAML/JSON config (see monitor/monitor.example.yaml); the environment overrides it, flags override both')
    .option('--check', 'validate the config, print it (secrets masked) and exit')
    .option('--mqtt <url>', 'MQTT broker (default $MQTT_URL, else mqtt://127.0.0.1:1883)')
    .option('--ledger <url>', 'SQLite file or postgres:// URL (default $DATABASE_URL, else data/ledger.sqlite)')
    .option('--cycle-ms <ms>', 'detection cycle: the gateways\' poll interval (default 10000)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .addHelpText('after', '\nDetectors, thresholds and their defaults: docs/monitor.md.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { runMonitorCommand } = await import('./run.ts');
      await runMonitorCommand(cmd);
    });
}
