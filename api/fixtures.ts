import type { TelemetryBatch } from '../common/contract.ts';
import type { Db } from '../common/ledger/index.ts';
import { TELEMETRY_SCHEMA } from '../common/contract.ts';
import { DEFAULT_TIME_ZONE } from '../common/index.ts';

/** A small registry for tests and the bench: `n` sites of 300 kW with 3 inverters and a revenue meter each. */
export async function seedSites(db: Db, n: number, prefix = 's'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
  await db.runMany(
    'INSERT INTO sites (id, name, town, village, capacity_w, time_zone) VALUES (?, ?, ?, ?, ?, ?)',
    ids.map((id, i) => [id, `Site ${id}`, `town${i % 3}`, `village${i % 7}`, 300_000, DEFAULT_TIME_ZONE]),
  );
  await db.runMany(
    'INSERT INTO devices (site_id, id, kind, revenue_meter, rated_power_w) VALUES (?, ?, ?, ?, ?)',
    ids.flatMap((id) => [
      [id, 'inv1', 'inverter', 0, 100_000],
      [id, 'inv2', 'inverter', 0, 100_000],
      [id, 'inv3', 'inverter', 0, 100_000],
      [id, 'meter', 'meter', 1, null],
    ]),
  );
  return ids;
}

/** One gateway batch for a site: three inverters at `powerW` each and the revenue meter. */
export function batchFor(site: string, seq: number, ts: number, powerW: number, inverterWh: number, meterWh: number): TelemetryBatch {
  return {
    schema: TELEMETRY_SCHEMA,
    site,
    gateway: 'gw1',
    seq,
    sentAt: ts,
    readings: [
      ...['inv1', 'inv2', 'inv3'].map((device) => ({ device, kind: 'inverter' as const, ts, ac_power_w: powerW, ac_energy_wh: inverterWh, state: 'mppt' as const })),
      { device: 'meter', kind: 'meter' as const, ts, ac_power_w: powerW * 3 * 0.99, export_energy_wh: meterWh, import_energy_wh: 0 },
    ],
  };
}
