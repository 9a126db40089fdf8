import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../common/config.ts';
import { openTestLedger, type TestLedger } from '../common/testing/index.ts';
import { MonitorConfig } from './config.ts';
import { computeDailyPerformance, recordDailyPerformance } from './performance.ts';
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
