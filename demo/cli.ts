import type { Command } from 'commander';
import { DEFAULT_TIME_ZONE } from '../common/index.ts';

const int = (v: string) => Number(v);

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the whole system in one process: simulated sites, gateways, embedded broker, ingest, SQLite ledger, settlement on an accelerated clock, API and status page')
    .option('--sites <n>', 'simulated sites (default 3)', int)
    .option('--site-kw <kW>', 'capacity per site, kW (default 300)', int)
    .option('--inverter-kw <kW>', 'inverter size, kW (default 50)', int)
    .option('--households <n>', 'households per site, 3 kW each (default 20)', int)
    .option('--day-seconds <s>', 'real seconds per simulated day (default 60)', Number)
    .option('--poll-ms <ms>', 'gateway poll interval, real ms (default 500)', int)
    .option('--start <date>', `simulated start, YYYY-MM-DD[THH:MM] in ${DEFAULT_TIME_ZONE} (default today 04:00)`)
    .option('--seed <n>', 'weather seed (default 1)', int)
    .option('--data-dir <dir>', 'where the ledger, broker sessions and gateway spools go (default data/demo)')
    .option('--host <address>', 'address for the API and the broker (default 127.0.0.1)')
    .option('--api-port <port>', 'API and status page port (default 8080; 0 = any free port)', int)
    .option('--mqtt-port <port>', 'embedded MQTT broker port (default 1884; 0 = any free port)', int)
    .option('--keep', 'keep the data dir from the last run instead of starting fresh')
    .addHelpText(
      'after',
      '\nInfluxDB (optional): set INFLUX_URL and INFLUX_DATABASE (1.x), or INFLUX_URL, INFLUX_ORG, INFLUX_BUCKET and INFLUX_TOKEN (2.x).\nCtrl-C stops every part in order: gateways flush, ingest finishes its batch, the ledger closes.',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { runDemoCommand } = await import('./run.ts');
      await runDemoCommand(opts);
    });
}
