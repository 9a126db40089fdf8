import type { TelemetryBatch } from '../common/contract.ts';
import type { Db } from '../common/ledger/index.ts';
import { TELEMETRY_SCHEMA } from '../common/contract.ts';
import { seedRegistry } from '../payout/index.ts';

/** A small registry for tests and the bench: `n` sites of 300 kW with 3 inverters and a revenue meter each. */
export async function seedSites(db: Db, n: number, prefix = 's'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
  await seedRegistry(
    db,
    ids.map((id, i) => ({
      id,
      name: `Site ${id}`,
      town: `town${i % 3}`,
      village: `village${i % 7}`,
      capacityW: 300_000,
      devices: [
        ...['inv1', 'inv2', 'inv3'].map((inv) => ({ id: inv, kind: 'inverter' as const, ratedW: 100_000 })),
        { id: 'meter', kind: 'meter' as const, revenueMeter: true },
      ],
    })),
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
