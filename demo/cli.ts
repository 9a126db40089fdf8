import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the whole system in one process: simulated sites, gateways, embedded broker, ingest, SQLite ledger, settlement on an accelerated clock, API and status page')
    .option('-c, --config <file>', 'YAML/JSON config with the keys of these flags (sites, siteKw, dataDir, ...); flags override it')
    .option('--check', 'validate the config, print it and exit')
    .option('--sites <n>', 'simulated sites (default 3)')
    .option('--site-kw <kW>', 'capacity per site, kW (default 300)')
    .option('--inverter-kw <kW>', 'inverter size, kW (default 50)')
    .option('--households <n>', 'households per site, 3 kW each (default 20)')
    .option('--day-seconds <s>', 'real seconds per simulated day (default 60)')
    .option('--poll-ms <ms>', 'gateway poll interval, real ms (default 500)')
    .option('--start <date>', 'simulated start, YYYY-MM-DD[THH:MM] in Asia/Shanghai (default today 04:00)')
    .option('--seed <n>', 'weather seed (default 1)')
    .option('--data-dir <dir>', 'where the ledger, broker sessions and gateway spools go (default data/demo)')
    .option('--host <address>', 'address for the API and the broker (default 127.0.0.1)')
    .option('--api-port <port>', 'API and status page port (default 8080; 0 = any free port)')
    .option('--mqtt-port <port>', 'embedded MQTT broker port (default 1884; 0 = any free port)')
    .option('--fresh', 'start over: move the data dir aside to <data-dir>-<UTC time> (nothing is deleted) and print where it went; by default a run resumes the last one')
    .option('--keep', 'deprecated, no effect: resuming is the default now')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or warn)')
    .addHelpText(
      'after',
      '\nInfluxDB (optional): set INFLUX_URL and INFLUX_DATABASE (1.x), or INFLUX_URL, INFLUX_ORG, INFLUX_BUCKET and INFLUX_TOKEN (2.x).\nCtrl-C stops every part in order: gateways flush, ingest finishes its batch, the ledger closes; the next start resumes from there.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runDemoCommand } = await import('./run.ts');
      await runDemoCommand(cmd);
    });
}
