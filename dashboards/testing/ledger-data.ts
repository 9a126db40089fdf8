import type { Db } from '../../common/ledger/index.ts';
import { importRegistry, runSettlement } from '../../payout/index.ts';
import { EXAMPLE_REGISTRY, putEnergy } from '../../payout/testing/index.ts';

/**
 * A ledger with two months of realistic money in it, made by the real code:
 * payout's example registry (two sites, their households, allocations,
 * tariffs and policies), daily energy per device counter as ingest writes it,
 * settled by payout; then late data for one day (revision 2) and a second
 * run, which posts adjustments.
 */
export const LEDGER_FIRST_DAY = '2026-08-01';
export const LEDGER_LAST_DAY = '2026-09-29';
/** The dashboard range covering those days, as instants (local midnight, UTC+8). */
export const LEDGER_FROM_MS = Date.parse(`${LEDGER_FIRST_DAY}T00:00:00+08:00`);
export const LEDGER_TO_MS = Date.parse('2026-09-30T00:00:00+08:00');

function days(): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${LEDGER_FIRST_DAY}T00:00:00Z`); t <= Date.parse(`${LEDGER_LAST_DAY}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** kWh per kWp on day i: sunny, partly cloudy and overcast days, deterministic. */
const yieldOn = (i: number) => 2.9 + 1.3 * Math.sin(i / 3) * Math.cos(i / 7);

export async function fillLedger(db: Db): Promise<void> {
  await importRegistry(db, EXAMPLE_REGISTRY);
  const devices = await db.q.selectFrom('devices').select(['site_id', 'id', 'kind', 'rated_power_w']).orderBy('site_id').orderBy('id').execute();
  const sites = new Map<string, number>();
  for (const d of devices) if (d.kind === 'inverter') sites.set(d.site_id, (sites.get(d.site_id) ?? 0) + Number(d.rated_power_w ?? 50_000));
  for (const [i, day] of days().entries()) {
    for (const d of devices) {
      if (d.kind === 'inverter') await putEnergy(db, d.site_id, d.id, 'ac_energy_wh', day, Math.round((Number(d.rated_power_w ?? 50_000) / 1000) * yieldOn(i) * 1000));
      else await putEnergy(db, d.site_id, d.id, 'export_energy_wh', day, Math.round((sites.get(d.site_id)! / 1000) * yieldOn(i) * 985));
    }
  }
  await runSettlement(db, { from: LEDGER_FIRST_DAY, to: LEDGER_LAST_DAY, now: new Date('2026-09-30T02:00:00+08:00') });
  // Late data for one day: ingest writes the next revision; the next run posts an adjustment.
  const late = devices.find((d) => d.kind === 'meter')!;
  await putEnergy(db, late.site_id, late.id, 'export_energy_wh', '2026-09-10', 1_234_567, { revision: 2, flags: 'late' });
  const second = await runSettlement(db, { from: LEDGER_FIRST_DAY, to: LEDGER_LAST_DAY, now: new Date('2026-10-01T02:00:00+08:00') });
  if (second.adjusted !== 1) throw new Error(`expected the late reading to adjust one settlement, got ${JSON.stringify(second)}`);
  await putAlarms(db, [...sites.keys()]);
}

/** The monitor's alarms at every site: a cleared outage with its cost, and one still open (critical). */
async function putAlarms(db: Db, sites: string[]): Promise<void> {
  const at = (iso: string) => Date.parse(iso);
  for (const site of sites) {
    const common = { site_id: site, gateway_id: 'gw1', details: '{}', acknowledged_at: null, acknowledged_by: null, households: 20 };
    await db.q
      .insertInto('alarms')
      .values([
        { ...common, id: `${site}-a1`, alarm_key: `inverter_alarm:${site}:inv1:GROUND_FAULT`, kind: 'inverter_alarm', severity: 'critical', device_id: 'inv1', message: 'inv1: Ground fault / 接地故障', stops_generation: 1, raised_at: at('2026-09-12T10:00:00+08:00'), cleared_at: at('2026-09-12T12:30:00+08:00'), lost_wh: 61_500, lost_fen: 5061, households_fen: 3037, company_fen: 2024 },
        { ...common, id: `${site}-a2`, alarm_key: `gateway_offline:${site}::gw1`, kind: 'gateway_offline', severity: 'critical', device_id: null, message: 'gateway gw1 is offline (last will)', stops_generation: 1, raised_at: at('2026-09-29T09:00:00+08:00'), cleared_at: null, lost_wh: 0, lost_fen: 0, households_fen: 0, company_fen: 0 },
      ])
      .execute();
  }
}
