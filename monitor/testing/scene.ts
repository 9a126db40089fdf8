import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type BrokerHandle } from '../../broker/index.ts';
import type { Db } from '../../common/ledger/index.ts';
import { silentLogger } from '../../common/log.ts';
import { openTestLedger, type TestLedger } from '../../common/testing/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';
import { parseGatewayConfig, startGateway, type GatewayHandle } from '../../gateway/index.ts';
import type { Change } from '../alarms/engine.ts';
import { MonitorConfig } from '../config.ts';
import { startMonitor, type MonitorHandle } from '../service.ts';
import { parseConfig } from '../../common/config.ts';
import { translateTimestamps } from '../../demo/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from './receiver.ts';

export interface SceneOptions {
  site?: string;
  inverters?: number;
  ratedW?: number;
  /** The inverters' device file (default `sunspec`; `sunspec-irradiance` has a plane-of-array sensor). */
  profile?: string;
  /** Gateway poll interval and monitor cycle, real ms. */
  pollMs: number;
  /** Simulated start (local), at the simulator's site (Ruyuan). */
  start?: string;
  monitor?: Record<string, unknown>;
  /** Households with a 3 kW share each, and a tariff, so losses have a value. */
  households?: number;
  /** Simulated ms per real ms (default 1); above 1 the broker restamps readings to simulated time, as in the demo. */
  speed?: number;
  seed?: number;
}

/** Simulator -> gateway -> broker (aedes) -> monitor -> alarms -> webhook receiver: the whole path, real parts. */
export interface Scene {
  site: string;
  sim: SimHandle;
  gateway: GatewayHandle;
  broker: BrokerHandle;
  monitor: MonitorHandle;
  webhook: WebhookReceiver;
  db: Db;
  changes: { at: number; change: Change }[];
  inverterIds: string[];
  stop(): Promise<void>;
}

export async function startScene(o: SceneOptions): Promise<Scene> {
  const site = o.site ?? 'ops-site';
  const n = o.inverters ?? 3;
  const ratedW = o.ratedW ?? 50_000;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const db = ledger.db;
    const inverterIds = Array.from({ length: n }, (_, i) => `inv${i + 1}`);
    const households = o.households ?? 0;
    await db.q.insertInto('sites').values({ id: site, name: `${site} 光伏电站`, capacity_w: n * ratedW, latitude: 24.78, longitude: 113.28 }).execute();
    await db.q.insertInto('devices').values([...inverterIds.map((id) => ({ site_id: site, id, kind: 'inverter', rated_power_w: ratedW, revenue_meter: 0 })), { site_id: site, id: 'meter', kind: 'meter', revenue_meter: 1 }]).execute();
    if (households > 0) {
      await db.q.insertInto('households').values(Array.from({ length: households }, (_, i) => ({ id: `h${String(i + 1).padStart(2, '0')}`, name: `户${i + 1}` }))).execute();
      await db.q.insertInto('allocations').values(Array.from({ length: households }, (_, i) => ({ id: `a${String(i + 1).padStart(2, '0')}`, household_id: `h${String(i + 1).padStart(2, '0')}`, site_id: site, share_w: 3000, valid_from: '2020-01-01' }))).execute();
      await db.q.insertInto('tariffs').values({ site_id: site, valid_from: '2020-01-01', grid_rate: 45_300, subsidy_rate: 37_000 }).execute();
    }

    const broker = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, log: silentLogger });
    stops.push(() => broker.stop());
    const speed = o.speed ?? 1;
    const sim = await startSim({
      seed: o.seed ?? 11,
      site: { id: site },
      clock: { start: o.start ?? '2026-06-21T11:00', speed },
      tcp: { host: '127.0.0.1', port: 0 },
      control: { enabled: false },
      devices: [...inverterIds.map((id, i) => ({ id, profile: o.profile ?? 'sunspec', unitId: i + 1, ratedPowerW: ratedW, initialEnergyWh: 1_000_000 })), { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 5_000_000 }],
    });
    stops.push(() => sim.stop());
    if (speed !== 1) translateTimestamps(broker.aedes, (_site, realMs) => sim.clock.now() - (Date.now() - realMs) * speed);
    const webhook = await startWebhookReceiver();
    stops.push(() => webhook.close());

    const config = parseConfig(
      {
        mqtt: { url: broker.url, clientId: 'monitor-test' },
        cycleMs: o.pollMs,
        notify: { webhooks: [{ url: webhook.url, format: 'wecom' }], batchMs: 100 },
        ...o.monitor,
      },
      MonitorConfig,
      'test monitor config',
    );
    const monitor = await startMonitor(config, { db, now: () => sim.clock.now() });
    stops.push(() => monitor.stop());
    const changes: Scene['changes'] = [];
    monitor.onChange((change) => changes.push({ at: Date.now(), change }));

    const spool = mkdtempSync(join(tmpdir(), 'sunshare-monitor-spool-'));
    stops.push(async () => rmSync(spool, { recursive: true, force: true }));
    const gateway = await startGateway(
      parseGatewayConfig({
        site,
        gateway: 'gw1',
        mqtt: { url: broker.url, reconnectPeriodMs: 200 },
        pollIntervalMs: o.pollMs,
        spool: { dir: spool },
        devices: sim.devices.map((d) => ({ id: d.id, transport: 'tcp', host: sim.host, port: d.port, unit: d.unitId, profile: d.gatewayProfile, timeoutMs: Math.max(50, Math.min(1000, Math.round(o.pollMs / 4))), ...(d.kind === 'inverter' ? { ratedPowerW: d.ratedPowerW } : {}) })),
      }),
      { log: silentLogger },
    );
    stops.push(() => gateway.stop());
    return { site, sim, gateway, broker, monitor, webhook, db, changes, inverterIds, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
