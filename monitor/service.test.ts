import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { TELEMETRY_SCHEMA, topics } from '../common/contract.ts';
import { waitFor } from '../common/testing/index.ts';
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

  it('counts and skips a message that is not JSON or breaks the contract, and keeps the good ones around it', async () => {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const broker: BrokerHandle = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, log: silentLogger });
    stops.push(() => broker.stop());
    const monitor = await startMonitor(parseConfig({ mqtt: { url: broker.url, clientId: 'bad-input-test' }, cycleMs: 600_000 }, MonitorConfig, 'test'), { db: ledger.db });
    stops.push(() => monitor.stop());
    const client = await mqtt.connectAsync(broker.url);
    stops.push(() => client.endAsync());
    const good = (seq: number) => JSON.stringify({ schema: TELEMETRY_SCHEMA, site: 's1', gateway: 'gw1', seq, sentAt: 1, readings: [{ device: 'inv1', kind: 'inverter', ts: 1000 + seq, ac_power_w: 1000 }] });
    await client.publishAsync(topics.telemetry('s1', 'gw1'), good(1), { qos: 1 });
    await client.publishAsync(topics.telemetry('s1', 'gw1'), '{not json', { qos: 1 });
    await client.publishAsync(topics.telemetry('s1', 'gw1'), JSON.stringify({ schema: TELEMETRY_SCHEMA, site: 's1', gateway: 'gw1', seq: 2, sentAt: 1, readings: [{ device: 'inv1', kind: 'inverter', ts: 'noon' }] }), { qos: 1 });
    await client.publishAsync(topics.telemetry('s1', 'gw1'), good(3), { qos: 1 });
    await waitFor(async () => monitor.stats().batches + monitor.stats().rejected === 4, 'all four messages seen', 5000);
    expect(monitor.stats()).toMatchObject({ batches: 2, rejected: 2 });
  });

  it("raises site_low_pr for a site at half its agreeing neighbours' day, and no other", async () => {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const db = ledger.db;
    const energy: Record<string, number> = { n1: 300_000, n2: 320_000, n3: 310_000, bad: 155_000 };
    for (const [i, id] of Object.keys(energy).entries()) {
      await db.q.insertInto('sites').values({ id, name: id, capacity_w: 100_000, latitude: 24.78 + i * 0.02, longitude: 113.28 }).execute();
      await db.q.insertInto('devices').values({ site_id: id, id: 'inv1', kind: 'inverter', rated_power_w: 100_000, revenue_meter: 0 }).execute();
      await db.q.insertInto('daily_energy').values({ site_id: id, device_id: 'inv1', counter: 'ac_energy_wh', day: '2026-06-21', revision: 1, energy_wh: energy[id]!, method: 'delta', computed_at: 'x' }).execute();
    }
    const broker: BrokerHandle = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, log: silentLogger });
    stops.push(() => broker.stop());
    const now = Date.parse('2026-06-22T01:00:00+08:00');
    const monitor = await startMonitor(parseConfig({ mqtt: { url: broker.url, clientId: 'pr-alarm-test' }, cycleMs: 600_000 }, MonitorConfig, 'test'), { db, now: () => now });
    stops.push(() => monitor.stop());
    await monitor.cycle();
    const alarms = await db.q.selectFrom('alarms').select(['kind', 'site_id', 'message']).execute();
    expect(alarms.map((a) => [a.kind, a.site_id])).toEqual([['site_low_pr', 'bad']]);
    expect(alarms[0]!.message).toContain('on 2026-06-21');
  });
});
