import { Command } from 'commander';
import { SunshareError } from '../../common/errors.ts';
import { faketimeAvailable } from '../../common/testing/index.ts';
import { FAULTS, type FaultName } from './faults.ts';
import { runSoak } from './soak.ts';

/**
 * npm run soak -- --minutes N: the whole pipeline under the fault schedule,
 * then a JSON report on stdout (progress on stderr); exit 1 when anything was
 * lost, duplicated or differs.
 */
const program = new Command('soak')
  .description('Run simulated sites, gateways, broker, ingest, InfluxDB, ledger and payout under faults, then reconcile against the simulators')
  .option('--minutes <n>', 'real minutes of faults (then a drain of up to 2 minutes)', (v) => Number(v), 2)
  .option('--seed <n>', 'simulator seed', (v) => Number(v), 7)
  .option('--sites <n>', 'simulated sites (2 inverters and a revenue meter each)', (v) => Number(v), 2)
  .option('--speed <x>', 'simulated ms per real ms (1440: a day every minute)', (v) => Number(v), 1440)
  .option('--poll-ms <ms>', 'gateway poll interval, real ms', (v) => Number(v), 1000)
  .option('--outage-ms <ms>', 'how long each outage lasts, real ms', (v) => Number(v), 5000)
  .option('--gap-ms <ms>', 'quiet time between faults, real ms', (v) => Number(v), 2000)
  .option('--start <iso>', 'simulated start', '2026-06-01T21:00:00+08:00')
  .option('--faults <list>', `comma-separated subset of ${FAULTS.join(',')}`)
  .option('--keep', 'keep the working directory (logs, ledgers, spools)')
  .parse();

const o = program.opts<{ minutes: number; seed: number; sites: number; speed: number; pollMs: number; outageMs: number; gapMs: number; start: string; faults?: string; keep?: boolean }>();
const faults = (o.faults ? o.faults.split(',') : [...FAULTS]) as FaultName[];
for (const f of faults) if (!FAULTS.includes(f)) throw new SunshareError('OPTION_INVALID', `--faults: unknown fault ${f}; known: ${FAULTS.join(', ')}`);
if (faults.includes('gateway_clock_jump') && !faketimeAvailable()) throw new SunshareError('OPTION_INVALID', 'the gateway_clock_jump fault steps gateway clocks with libfaketime: apt-get install faketime, or leave the fault out with --faults');
// A crash of the runner must not leave gateway, ingest and influxd processes behind.
process.on('uncaughtException', (err) => {
  process.stderr.write(`soak runner crashed: ${err.stack ?? err.message}\n`);
  process.exitCode = 2;
});
const report = await runSoak({ ...o, faults, keepDir: o.keep, onProgress: (line) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`) });
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(report.ok ? 0 : 1);
