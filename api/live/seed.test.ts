import { describe, expect, it } from 'vitest';
import { openLedger } from '../../common/ledger/index.ts';
import { batchFor } from '../fixtures.ts';
import { seedEnergyToday } from './seed.ts';
import { LiveStatusStore } from './store.ts';

const slot = (ts: number) => Math.floor(ts / 900_000);
// 2026-06-01 in Asia/Shanghai starts at 2026-05-31T16:00Z
const at = (iso: string) => Date.parse(iso);

describe('energy today after an API restart', () => {
  it("counts from the day's first counter read in the ledger, then goes on with live readings", async () => {
    const db = await openLedger(':memory:');
    const rows: [string, string, number, number, number][] = [
      // device, counter, first_ts, wh at first, wh at last (same slot, +10 min)
      ['meter', 'export_energy_wh', at('2026-05-31T10:00:00Z'), 1_000, 1_500], // yesterday (local)
      ['meter', 'export_energy_wh', at('2026-05-31T23:00:00Z'), 2_000, 2_400], // 07:00 local today
      ['meter', 'export_energy_wh', at('2026-06-01T03:00:00Z'), 5_000, 7_000], // 11:00 local today
      ['inv1', 'ac_energy_wh', at('2026-06-01T03:00:00Z'), 100, 300],
      ['meter', 'import_energy_wh', at('2026-06-01T03:00:00Z'), 0, 50], // not a settling counter
    ];
    await db.runMany(
      'INSERT INTO counter_reads (site_id, device_id, counter, slot, first_ts, first_wh, last_ts, last_wh) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      rows.map(([device, counter, ts, first, last]) => ['a', device, counter, slot(ts), ts, first, ts + 600_000, last]),
    );
    const store = new LiveStatusStore();
    expect(await seedEnergyToday(db, store, () => 'Asia/Shanghai')).toBe(2);
    expect(store.site('a')).toMatchObject({ day: '2026-06-01', energyTodayWh: 5_000 }); // meter: 7,000 - 2,000
    store.applyTelemetry(batchFor('a', 9, at('2026-06-01T04:00:00Z'), 1000, 400, 7_600));
    expect(store.site('a').energyTodayWh).toBe(5_600);
    await db.close();
  });

  it('seeds nothing from an empty ledger', async () => {
    const db = await openLedger(':memory:');
    const store = new LiveStatusStore();
    expect(await seedEnergyToday(db, store, () => 'Asia/Shanghai')).toBe(0);
    expect(store.siteIds()).toEqual([]);
    await db.close();
  });
});
