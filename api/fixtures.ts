import type { TelemetryBatch } from '../common/contract.ts';
import type { Db } from '../common/ledger/index.ts';
import { TELEMETRY_SCHEMA } from '../common/contract.ts';

/** A small registry for tests and the bench: `n` sites of 300 kW with 3 inverters and a revenue meter each. */
export async function seedSites(db: Db, n: number, prefix = 's'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
  // a test fixture, written directly (the registry's own writes are payout/registry's)
  for (let i = 0; i < ids.length; i += 200) {
    const part = ids.slice(i, i + 200);
    await db.q
      .insertInto('sites')
      .values(part.map((id, j) => ({ id, name: `Site ${id}`, town: `town${(i + j) % 3}`, village: `village${(i + j) % 7}`, capacity_w: 300_000, time_zone: 'Asia/Shanghai' })))
      .execute();
    await db.q
      .insertInto('devices')
      .values(
        part.flatMap((id) => [
          { site_id: id, id: 'inv1', kind: 'inverter', revenue_meter: 0, rated_power_w: 100_000 },
          { site_id: id, id: 'inv2', kind: 'inverter', revenue_meter: 0, rated_power_w: 100_000 },
          { site_id: id, id: 'inv3', kind: 'inverter', revenue_meter: 0, rated_power_w: 100_000 },
          { site_id: id, id: 'meter', kind: 'meter', revenue_meter: 1, rated_power_w: null },
        ]),
      )
      .execute();
  }
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
