import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../broker/index.ts';
import { parseConfig } from '../common/config.ts';
import { silentLogger } from '../common/log.ts';
import { openTestLedger, type TestLedger } from '../common/testing/index.ts';
import { MonitorConfig } from './config.ts';
import { startMonitor } from './service.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('the monitor service', () => {
  it("computes yesterday's performance ratio once ingest has closed the day, and only once", async () => {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const db = ledger.db;
    await db.q.insertInto('sites').values({ id: 's1', name: 'S1', capacity_w: 100_000, latitude: 24.78, longitude: 113.28 }).execute();
    await db.q.insertInto('devices').values(['inv1', 'inv2'].map((id) => ({ site_id: 's1', id, kind: 'inverter', rated_power_w: 50_000, revenue_meter: 0 }))).execute();
    await db.q.insertInto('daily_energy').values(['inv1', 'inv2'].map((device_id) => ({ site_id: 's1', device_id, counter: 'ac_energy_wh', day: '2026-06-21', revision: 1, energy_wh: 250_000, method: 'delta', computed_at: 'x' }))).execute();
    const broker: BrokerHandle = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, log: silentLogger });
    stops.push(() => broker.stop());
    let now = Date.parse('2026-06-22T00:20:00+08:00'); // 20 minutes into the next day: not yet
    const monitor = await startMonitor(parseConfig({ mqtt: { url: broker.url, clientId: 'perf-test' }, cycleMs: 600_000 }, MonitorConfig, 'test'), { db, now: () => now });
    stops.push(() => monitor.stop());
    await monitor.cycle();
    expect(await db.q.selectFrom('performance_daily').selectAll().execute()).toEqual([]);
    now = Date.parse('2026-06-22T00:40:00+08:00');
    for (let i = 0; i < 30; i++) await monitor.cycle();
    const rows = await db.q.selectFrom('performance_daily').select(['device_id', 'day', 'reference']).orderBy('device_id').execute();
    expect(rows).toEqual([
      { device_id: '', day: '2026-06-21', reference: 'clear_sky' },
      { device_id: 'inv1', day: '2026-06-21', reference: 'peers' },
      { device_id: 'inv2', day: '2026-06-21', reference: 'peers' },
    ]);
    const computedAt = async () => (await db.q.selectFrom('performance_daily').select('computed_at').execute()).map((r) => Number(r.computed_at));
    const first = await computedAt();
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 30; i++) await monitor.cycle();
    expect(await computedAt()).toEqual(first);
  });
});
