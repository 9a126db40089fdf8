import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger } from '../../common/ledger/index.ts';
import { fakeClock, freePort, startInflux, waitFor, type FakeClock, type InfluxServer } from '../../common/testing/index.ts';
import { startBroker, type BrokerHandle } from '../../broker/index.ts';
import { demoSites, seedDemoRegistry, translateTimestamps, type DemoSite } from '../../demo/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';
import { ComponentProcess } from './children.ts';
import { startLinkProxy, type LinkProxy } from './proxy.ts';
import { DEFAULT_TIME_ZONE } from '../../common/index.ts';

export const TIME_ZONE = DEFAULT_TIME_ZONE;
export const DATABASE = 'soak';
export const SMALL_SPOOL_BYTES = 65_536;

export interface SoakSystemOptions {
  dir: string;
  seed: number;
  sites: number;
  /** Simulated start, ISO with offset. */
  start: string;
  /** Simulated ms per real ms. */
  speed: number;
  pollMs: number;
  /** Run each gateway on a wall clock the soak can step (libfaketime), for the gateway_clock_jump fault. */
  fakeClocks: boolean;
}

/**
 * The whole pipeline on real parts: one simulator per site on an accelerated
 * clock, the embedded broker (LevelDB sessions) behind a link proxy for the
 * gateways, a gateway process per site, an ingest process, a real InfluxDB and
 * a SQLite ledger seeded with the demo registry.
 */
export interface SoakSystem {
  readonly sites: DemoSite[];
  readonly sims: Map<string, SimHandle>;
  readonly influx: InfluxServer;
  readonly proxy: LinkProxy;
  readonly gateways: Map<string, ComponentProcess>;
  /** Each gateway's wall clock, when the system runs with fakeClocks. */
  readonly clocks: Map<string, FakeClock>;
  readonly ingest: ComponentProcess;
  readonly ledger: string;
  readonly spoolDir: (site: string) => string;
  readonly pollMs: number;
  /** Simulated ms per real ms. */
  readonly speed: number;
  broker: BrokerHandle;
  restartBroker(downMs: number): Promise<void>;
  simNow(): number;
  simAt(realMs: number): number;
  stop(): Promise<void>;
}

export async function startSoakSystem(o: SoakSystemOptions): Promise<SoakSystem> {
  mkdirSync(o.dir, { recursive: true });
  const sites = demoSites(o.sites, 200, 100);
  const ledger = join(o.dir, 'ledger.sqlite');
  const db = await openLedger(ledger);
  await seedDemoRegistry(db, sites, 200, 10, o.start.slice(0, 10));
  await db.close();

  const sims = new Map<string, SimHandle>();
  for (const [i, site] of sites.entries()) {
    sims.set(
      site.id,
      await startSim({
        site: { id: site.id, latitude: 24.78 + i * 0.01, longitude: 113.28 + i * 0.01, timezone: TIME_ZONE },
        seed: o.seed + i,
        clock: { start: o.start, speed: o.speed },
        tcp: { host: '127.0.0.1', port: 0 },
        control: { enabled: false },
        devices: [
          ...site.inverters.map((inv, k) => ({ id: inv.id, profile: 'sunspec', unitId: k + 1, ratedPowerW: inv.ratedW, initialEnergyWh: 40_000_000 + k * 1_000_000 })),
          { id: site.meter, profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 200_000_000 },
        ],
      }),
    );
  }
  const first = sims.values().next().value as SimHandle;
  const simNow = () => first.clock.now();
  const simAt = (realMs: number) => first.clock.now() - (Date.now() - realMs) * first.clock.speed;

  const brokerPort = await freePort();
  const brokerOpts = { host: '127.0.0.1', port: brokerPort, allowAnonymous: true, persistence: join(o.dir, 'broker') };
  const startOurBroker = async () => {
    const b = await startBroker(brokerOpts);
    // gateways stamp real time; the sites live on the simulated clock (see demo/sim-time.ts)
    translateTimestamps(b.aedes, (_site, realMs) => simAt(realMs));
    return b;
  };
  let broker = await startOurBroker();
  const influx = await startInflux();
  await influx.createDatabase(DATABASE);
  const proxy = await startLinkProxy(brokerPort);

  const ingest = new ComponentProcess('ingest', 'ingest', {
    mqtt: { url: broker.url, clientId: 'soak-ingest' },
    influx: { url: influx.url, database: DATABASE },
    ledger,
    batch: { maxWaitMs: 50, retryDelayMs: 200 },
    energy: { closeEveryMs: 0 },
    // its own port: the CLI's default 9102 would collide with any other ingest on the machine
    http: { host: '127.0.0.1', port: await freePort() },
  }, o.dir);
  ingest.start();
  // Ingest's persistent session must exist before the first batch, as it does in production:
  // a QoS 1 message that reaches the broker while nobody is subscribed is acknowledged and dropped.
  await waitFor(async () => 'soak-ingest' in (broker.aedes as unknown as { clients: Record<string, unknown> }).clients, 'ingest connected to the broker', 60_000, 100);
  await new Promise((r) => setTimeout(r, 1000));

  const spoolDir = (site: string) => join(o.dir, 'spool', site);
  const gateways = new Map<string, ComponentProcess>();
  const clocks = new Map<string, FakeClock>();
  for (const site of sites) {
    const sim = sims.get(site.id)!;
    const clock = o.fakeClocks ? fakeClock() : undefined;
    if (clock) clocks.set(site.id, clock);
    const gw = new ComponentProcess(`gateway-${site.id}`, 'gateway', {
      site: site.id,
      gateway: 'gw1',
      mqtt: { url: proxy.url, reconnectPeriodMs: 500, connectTimeoutMs: 2000, keepaliveSec: 5 },
      pollIntervalMs: o.pollMs,
      // the last site's gateway has the smallest spool the gateway allows, so the spool_limit fault can fill it
      spool: site === sites.at(-1) ? { dir: spoolDir(site.id), maxBytes: SMALL_SPOOL_BYTES, segmentBytes: 4096 } : { dir: spoolDir(site.id) },
      devices: sim.devices.map((d) => ({ id: d.id, transport: 'tcp', host: '127.0.0.1', port: d.port, unit: d.unitId, profile: 'sunspec', timeoutMs: 400, ratedPowerW: d.ratedPowerW })),
    }, o.dir, clock?.env);
    gw.start();
    gateways.set(site.id, gw);
  }

  const system: SoakSystem = {
    sites,
    sims,
    influx,
    proxy,
    gateways,
    clocks,
    ingest,
    ledger,
    spoolDir,
    pollMs: o.pollMs,
    speed: o.speed,
    broker,
    async restartBroker(downMs) {
      await system.broker.stop();
      await new Promise((r) => setTimeout(r, downMs));
      system.broker = broker = await startOurBroker();
    },
    simNow,
    simAt,
    async stop() {
      for (const gw of gateways.values()) await gw.stop();
      await ingest.stop();
      await proxy.close();
      await system.broker.stop();
      for (const s of sims.values()) await s.stop();
      await influx.destroy();
      for (const c of clocks.values()) c.close();
    },
  };
  return system;
}
