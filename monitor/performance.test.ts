import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../common/config.ts';
import { influxAvailable, openTestLedger, startInflux, type TestLedger } from '../common/testing/index.ts';
import { IngestConfig, createInfluxWriter } from '../ingest/index.ts';
import { MonitorConfig } from './config.ts';
import { computeDailyPerformance, performanceLine, recordDailyPerformance } from './performance.ts';
import { loadRegistry } from './registry.ts';

let ledger: TestLedger | undefined;
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

describe('daily performance ratio', () => {
  it('per inverter against its peers, per site against the clear sky; stored, and replaced when computed again', async () => {
    ledger = await openTestLedger('sqlite');
    const db = ledger.db;
    await db.q.insertInto('sites').values({ id: 's1', name: 'S1', capacity_w: 150_000, latitude: 24.78, longitude: 113.28 }).execute();
    await db.q.insertInto('devices').values(['inv1', 'inv2', 'inv3'].map((id) => ({ site_id: 's1', id, kind: 'inverter', rated_power_w: 50_000, revenue_meter: 0 }))).execute();
    const energy = { inv1: 200_000, inv2: 200_000, inv3: 140_000 };
    await db.q
      .insertInto('daily_energy')
      .values(Object.entries(energy).map(([device_id, energy_wh]) => ({ site_id: 's1', device_id, counter: 'ac_energy_wh', day: '2026-06-21', revision: 1, energy_wh, method: 'delta', computed_at: 'x' })))
      .execute();
    const cfg = parseConfig({}, MonitorConfig, 'defaults').geometry;
    const rows = await computeDailyPerformance(db, await loadRegistry(db), cfg, '2026-06-21');
    const by = new Map(rows.map((r) => [r.device, r]));
    // inverter 3 against peers that made 4 kWh per kW: expected 200 kWh; the peers are taken to perform
    // as the model's performance factor (0.85), so inverter 3 is at 70 % of that
    expect(by.get('inv3')).toMatchObject({ expectedWh: 200_000, actualWh: 140_000, reference: 'peers' });
    expect(by.get('inv3')!.pr!).toBeCloseTo(0.7 * 0.85, 6);
    expect(by.get('inv1')!.pr!).toBeCloseTo((200 / 170) * 0.85, 6);
    // the site against the clear sky: a June clear day at 24.8 N on a 20-degree plane is about 7 kWh/m2
    const site = by.get('')!;
    expect(site.reference).toBe('clear_sky');
    expect(site.insolationWhM2).toBeGreaterThan(6000);
    expect(site.insolationWhM2).toBeLessThan(8000);
    expect(site.pr).toBeCloseTo(540_000 / (150 * site.insolationWhM2), 6);
    await recordDailyPerformance(db, rows, 1);
    await recordDailyPerformance(db, rows, 2);
    const stored = await db.q.selectFrom('performance_daily').selectAll().execute();
    expect(stored).toHaveLength(4);
    expect(stored.every((r) => Number(r.computed_at) === 2)).toBe(true);
  });
});

describe.skipIf(!influxAvailable())('daily performance in InfluxDB', () => {
  it('writes one point per inverter and site, at the local day start, that reads back', async () => {
    const influx = await startInflux();
    try {
      await influx.createDatabase('perf');
      const writer = createInfluxWriter(parseConfig({ url: influx.url, database: 'perf' }, IngestConfig.properties.influx, 'influx'), () => undefined);
      const day = Date.parse('2026-06-21T00:00:00+08:00');
      const rows = [
        { site: 's1', device: '', day: '2026-06-21', actualWh: 540_000, expectedWh: 1_000_000, clearSkyWh: 1_000_000, insolationWhM2: 7000, pr: 0.514, reference: 'clear_sky' as const },
        { site: 's1', device: 'inv3', day: '2026-06-21', actualWh: 140_000, expectedWh: 200_000, clearSkyWh: 333_333, insolationWhM2: 4705.9, pr: 0.595, reference: 'peers' as const },
      ];
      await writer.write(rows.map((r) => performanceLine(r, day)));
      await writer.close();
      const res = await influx.query('SELECT pr, expected_wh, reference FROM performance GROUP BY device', 'perf');
      const series = res.results[0]!.series!.map((s) => [s.tags!.device, Date.parse(String(s.values[0]![0])), s.values[0]![1], s.values[0]![2], s.values[0]![3]]);
      expect(series).toEqual([
        ['_site', day, 0.514, 1_000_000, 'clear_sky'],
        ['inv3', day, 0.595, 200_000, 'peers'],
      ]);
    } finally {
      await influx.destroy();
    }
  }, 60_000);
});

describe('a site against its neighbours', () => {
  async function county(energy: Record<string, number>) {
    const db = ledger!.db;
    const sites = Object.keys(energy);
    for (const [i, id] of sites.entries()) {
      await db.q.insertInto('sites').values({ id, name: id, capacity_w: 100_000, latitude: 24.78 + i * 0.02, longitude: 113.28 }).execute();
      await db.q.insertInto('devices').values({ site_id: id, id: 'inv1', kind: 'inverter', rated_power_w: 100_000, revenue_meter: 0 }).execute();
      await db.q.insertInto('daily_energy').values({ site_id: id, device_id: 'inv1', counter: 'ac_energy_wh', day: '2026-06-21', revision: 1, energy_wh: energy[id]!, method: 'delta', computed_at: 'x' }).execute();
    }
    const cfg = parseConfig({}, MonitorConfig, 'defaults').geometry;
    const rows = await computeDailyPerformance(db, await loadRegistry(db), cfg, '2026-06-21', { km: 30, agreement: 0.25, min: 2 });
    return new Map(rows.filter((r) => r.device === '').map((r) => [r.site, r]));
  }

  it('takes the weather its agreeing neighbours saw: a site at half of what they made has half their PR', async () => {
    ledger = await openTestLedger('sqlite');
    const by = await county({ n1: 300_000, n2: 320_000, n3: 310_000, bad: 155_000 });
    expect(by.get('bad')!.reference).toBe('peers');
    // half of the neighbours' median (310 kWh), and they are taken to perform at the model's factor (0.85)
    expect(by.get('bad')!.pr!).toBeCloseTo(0.85 * (155 / 310), 3);
    expect(by.get('bad')!.expectedWh).toBeCloseTo(310_000, -3);
    // n1's own neighbours include the bad site: they disagree, so n1 keeps the clear-sky reference
    expect(by.get('n1')!.reference).toBe('clear_sky');
  });

  it('keeps the clear-sky reference when the neighbours disagree (one overcast, one sunny)', async () => {
    ledger = await openTestLedger('sqlite');
    const by = await county({ sunny: 600_000, overcast: 120_000, here: 300_000 });
    expect(by.get('here')!.reference).toBe('clear_sky');
  });
});
