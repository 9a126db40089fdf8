import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../common/config.ts';
import { createLedger, openLedger, type Db } from '../common/ledger/index.ts';
import { silentLogger, type Logger } from '../common/log.ts';
import { ApiConfig, createToken, payoutServiceFor, revokeTokensNamed, startApi, type RunningApi } from '../api/index.ts';
import { startBroker, type BrokerHandle } from '../broker/index.ts';
import { startGateway, parseGatewayConfig, type GatewayHandle } from '../gateway/index.ts';
import { IngestConfig, startIngest, type IngestHandle, type IngestStats } from '../ingest/index.ts';
import { runSettlement } from '../payout/index.ts';
import { MonitorConfig, startMonitor, type MonitorHandle, type MonitorStats } from '../monitor/index.ts';
import { DemoConfig } from './config.ts';
import { moveAside } from './data-dir.ts';
import { startDayCloser, type DayCloser } from './day-closer.ts';
import { demoInflux } from './influx.ts';
import type { InfluxSink } from './influx-sink.ts';
import { loadState, saveState } from './state.ts';
import { demoSites, seedDemoRegistry } from './seed.ts';
import { startSimSites, type SimSites } from './sim-sites.ts';
import { simStart, translateTimestamps } from './sim-time.ts';
import { DEFAULT_TIME_ZONE } from '../common/index.ts';

export { DemoConfig } from './config.ts';
export { demoSites, seedDemoRegistry, type DemoSite } from './seed.ts';
export { translateTimestamps } from './sim-time.ts';

export interface Demo {
  readonly apiUrl: string;
  readonly mqttUrl: string;
  readonly tokens: { viewer: string; finance: string; admin: string };
  readonly influx: string;
  /** The simulated time the demo started (or resumed) at. */
  readonly simStart: number;
  /** True when this run went on from the last one's data (the default). */
  readonly resumed: boolean;
  /** With `fresh`: where the previous run's data dir was moved (undefined when there was none). */
  readonly movedAside?: string;
  readonly settledDays: readonly string[];
  /** simulated ms per real ms */
  readonly simSpeed: number;
  simNow(): number;
  /** Ingest's counters (messages, readings written, dead letters, ...). */
  ingestStats(): Promise<IngestStats>;
  /** The monitor's counters (batches seen, alarms raised and cleared, notifications). */
  monitorStats(): MonitorStats;
  stop(): Promise<void>;
}

const TIME_ZONE = DEFAULT_TIME_ZONE;

/**
 * Once the gateways have stopped (their last batches acknowledged by the
 * broker), waits until ingest has taken and written everything the broker
 * had for it: nothing pending and no new message for half a second.
 */
async function drainIngest(ingest: IngestHandle, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const s = await ingest.stats();
    if (s.messages !== last || s.pending > 0) {
      last = s.messages;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 500) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The whole system in one process on embedded defaults: broker, simulated
 * sites, a gateway per site, ingest, the SQLite ledger with the demo
 * registry, settlement on the simulated clock, and the API with its page.
 * Each part is started through the same entry point its own command uses.
 */
export async function startDemo(input: Partial<DemoConfig> = {}, log: Logger = silentLogger, given: { influxSink?: InfluxSink; env?: NodeJS.ProcessEnv } = {}): Promise<Demo> {
  const cfg = parseConfig(input, DemoConfig, 'demo options');
  // Nothing of an earlier run is ever deleted: by default it goes on, `fresh` moves it aside.
  const movedAside = cfg.fresh ? moveAside(cfg.dataDir) : undefined;
  if (movedAside) log.warn({ movedAside }, "demo: the previous run's data was moved aside");
  mkdirSync(cfg.dataDir, { recursive: true });
  const speed = 86_400 / cfg.daySeconds;
  const resumed = cfg.fresh ? undefined : loadState(cfg.dataDir);
  const start = resumed?.simNow ?? simStart(cfg.start, TIME_ZONE);
  const sites = demoSites(cfg.sites, cfg.siteKw, cfg.inverterKw);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => log.warn({ err: err.message }, 'demo: stopping a part failed'));
  };

  try {
    const ledgerFile = join(cfg.dataDir, 'ledger.sqlite');
    // the demo's own create step (resuming: the ledger it made before)
    await createLedger(ledgerFile, { existsOk: true });
    const db: Db = await openLedger(ledgerFile, { mustExist: true });
    stops.push(() => db.close());
    await seedDemoRegistry(db, sites, cfg.siteKw, cfg.households, new Date(start).toISOString().slice(0, 10));

    // Sessions on disk (LevelDB): what the broker holds for a persistent session survives a restart.
    const broker: BrokerHandle = await startBroker({ host: cfg.host, port: cfg.mqttPort, allowAnonymous: true, persistence: join(cfg.dataDir, 'broker'), log });
    stops.push(() => broker.stop());

    const sims: SimSites = await startSimSites(sites, { start, speed, seed: cfg.seed, host: cfg.host, timeZone: TIME_ZONE, counters: resumed?.counters });
    stops.push(() => sims.stop());
    stops.push(async () => saveState(cfg.dataDir, { simNow: sims.now(), counters: sims.counters() }));
    translateTimestamps(broker.aedes, (site, realMs) => sims.simAt(site, realMs));

    const influx = await demoInflux(given.env ?? process.env, given.influxSink);
    if (influx.sink) stops.push(() => influx.sink!.close());
    const ingestConfig = parseConfig(
      {
        mqtt: { url: broker.url, clientId: 'sunshare-demo-ingest' },
        influx: influx.influx,
        ledger: ledgerFile,
        // a day is closed once its first read after midnight is in: three polls of the simulated clock
        // (at 15 simulated minutes, a poll of 500 ms real is 12-36 simulated minutes: every day closed with no_next)
        energy: { closeEveryMs: 0, graceMs: Math.max(15 * 60_000, Math.round(3 * cfg.pollMs * speed)) },
        registryRefreshMs: 5_000,
      },
      IngestConfig,
      'demo ingest config',
    );
    // the sites live on the simulated clock, which runs days ahead of the real one: so does ingest
    const ingest: IngestHandle = await startIngest(ingestConfig, { log, now: () => sims.now() });
    stops.push(() => ingest.stop());
    stops.push(() => drainIngest(ingest));

    // the monitor watches the same broker, on the simulated clock; a cycle is one gateway poll (the demo polls
    // every 500 ms, where a busy laptop delays a poll now and then: 6 cycles without a reading before offline)
    const monitorConfig = parseConfig(
      { mqtt: { url: broker.url, clientId: 'sunshare-demo-monitor' }, ledger: ledgerFile, cycleMs: cfg.pollMs, registryRefreshMs: 5_000, detect: { offlineCycles: 6 } },
      MonitorConfig,
      'demo monitor config',
    );
    const monitor: MonitorHandle = await startMonitor(monitorConfig, { log, db, now: () => sims.now() });
    stops.push(() => monitor.stop());

    const payout = await payoutServiceFor(db, log);
    const apiConfig = parseConfig({ listen: { host: cfg.host, port: cfg.apiPort }, ledger: ledgerFile, mqtt: { url: broker.url }, offlineAfterS: 10 }, ApiConfig, 'demo api config');
    const api: RunningApi = await startApi(apiConfig, log, { db, payout });
    stops.push(() => api.close());

    const gateways: GatewayHandle[] = [];
    for (const site of sites) {
      const gw = await startGateway(
        parseGatewayConfig({
          site: site.id,
          gateway: 'gw1',
          mqtt: { url: broker.url },
          pollIntervalMs: cfg.pollMs,
          spool: { dir: join(cfg.dataDir, 'spool', site.id) },
          devices: sims.devicesOf(site.id).map((d) => ({ id: d.id, transport: 'tcp', host: cfg.host, port: d.port, unit: d.unitId, profile: 'sunspec', timeoutMs: 1000, ratedPowerW: d.ratedPowerW })),
        }, `demo gateway ${site.id}`),
        { log },
      );
      gateways.push(gw);
      stops.push(() => gw.stop());
    }

    const closer: DayCloser = startDayCloser({
      db,
      log,
      simNow: () => sims.now(),
      timeZone: TIME_ZONE,
      graceMs: ingestConfig.energy.graceMs,
      computeDailyEnergy: (now) => ingest.closeEnergyDays(now),
      settle: (d, o) => runSettlement(d, o),
    });
    stops.push(() => closer.stop());

    // Tokens printed by an earlier run of the demo stop working now.
    await revokeTokensNamed(db, 'demo-');
    const tokens = {
      viewer: (await createToken(db, 'viewer', 'demo-viewer')).token,
      finance: (await createToken(db, 'finance', 'demo-finance')).token,
      admin: (await createToken(db, 'admin', 'demo-admin')).token,
    };
    return {
      apiUrl: api.url,
      mqttUrl: broker.url,
      tokens,
      influx: influx.describe,
      settledDays: closer.settledDays,
      simSpeed: speed,
      simStart: start,
      resumed: resumed !== undefined,
      ...(movedAside ? { movedAside } : {}),
      simNow: () => sims.now(),
      ingestStats: () => ingest.stats(),
      monitorStats: () => monitor.stats(),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
