import { createLogger } from '../common/log.ts';
import type { Command } from 'commander';
import { runService } from '../common/index.ts';
import { DEMO_CONFIG, type DemoConfig } from './config.ts';
import { startDemo } from './index.ts';

/** `sunshare demo`: starts everything, prints where to look, stops everything on Ctrl-C. */
export async function runDemoCommand(cmd: Command): Promise<void> {
  if (cmd.opts<{ keep?: boolean }>().keep) console.error('sunshare demo: --keep is deprecated and has no effect: every start resumes the last run now (--fresh starts over).');
  await runService(cmd, DEMO_CONFIG, (cfg) => runDemo(cfg));
}

async function runDemo(cfg: DemoConfig): Promise<{ stop(): Promise<void> }> {
  const log = createLogger('demo', cfg.logLevel ?? 'warn');
  const started = Date.now();
  console.log('Starting the Sunshare demo ...');
  const demo = await startDemo(cfg, log);
  if (demo.movedAside) console.log(`--fresh: the previous run's data was moved to ${demo.movedAside} (nothing was deleted; remove it when you no longer need it).`);
  else if (demo.resumed) console.log(`Resuming the last run from ${cfg.dataDir} at simulated ${new Date(demo.simStart).toISOString()} (--fresh starts over).`);
  const page = `${demo.apiUrl}/?token=${demo.tokens.finance}`;
  console.log(`
Sunshare demo is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s).

  Status page   ${page}
                (a finance token, so the report downloads work; the page keeps it in localStorage)
  API docs      ${demo.apiUrl}/docs
  Health        ${demo.apiUrl}/health   Metrics ${demo.apiUrl}/metrics
  MQTT broker   ${demo.mqttUrl}   (anonymous, demo only)
  InfluxDB      ${demo.influx}

  Tokens (demo only; create your own with \`sunshare api token create\`):
    viewer   ${demo.tokens.viewer}
    finance  ${demo.tokens.finance}
    admin    ${demo.tokens.admin}

  Try:  curl -H "Authorization: Bearer ${demo.tokens.viewer}" ${demo.apiUrl}/sites

A simulated day passes every ${Math.round(86_400_000 / (demo.simSpeed * 1000))} s; each finished day is settled and appears under "Last payout run".
Ctrl-C stops everything cleanly; the next start resumes from there (data in ${cfg.dataDir}).
`);
  let lastReported = 0;
  const progress = setInterval(() => {
    const days = demo.settledDays;
    if (days.length > lastReported) {
      lastReported = days.length;
      console.log(`settled simulated day ${days.at(-1)} (${days.length} so far; simulated time now ${new Date(demo.simNow()).toISOString()})`);
    }
  }, 1000);
  return {
    stop: async () => {
      clearInterval(progress);
      console.log('\nstopping gateways, ingest, API, broker and ledger ...');
      await demo.stop();
      console.log('stopped cleanly.');
    },
  };
}
