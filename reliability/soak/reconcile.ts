import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { addDays, dayStart, localDay } from '../../common/index.ts';
import type { InfluxServer } from '../../common/testing/index.ts';
import { seedDemoRegistry, type DemoSite } from '../../demo/index.ts';
import { closeEnergyDays } from '../../ingest/index.ts';
import { runSettlement } from '../../payout/index.ts';
import { DATABASE, TIME_ZONE } from './system.ts';
import type { TruthRecorder } from './truth.ts';

export interface GatewayReconciliation {
  site: string;
  batchesProduced: number;
  batchesStored: number;
  batchesMissing: number;
  batchesDuplicated: number;
  /** The first missing seqs, to find them in the logs. */
  missingSeqs: number[];
  readingsInBatches: number;
  readingsStored: number;
  readingsMissing: number;
}

export interface EnergyDifference {
  site: string;
  device: string;
  day: string;
  ledgerWh: number | null;
  truthWh: number;
  diffWh: number;
  method: string | null;
}

async function rows(influx: InfluxServer, q: string): Promise<Record<string, unknown>[]> {
  const r = await influx.query(q, DATABASE);
  const s = r.results[0]?.series?.[0];
  if (!s) return [];
  return s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]])));
}

/** Batches by seq (the gateway's own count, from its seq file) against what InfluxDB holds. */
export async function reconcileReadings(influx: InfluxServer, site: string, spoolDir: string): Promise<GatewayReconciliation> {
  const seqFile = join(spoolDir, 'seq');
  const lastSeq = existsSync(seqFile) ? Number(readFileSync(seqFile, 'utf8').trim()) : -1;
  const batches = await rows(influx, `SELECT seq, readings FROM gateway_batch WHERE site = '${site}'`);
  const bySeq = new Map<number, number>();
  const timesBySeq = new Map<number, number>();
  for (const b of batches) {
    bySeq.set(Number(b.seq), Number(b.readings));
    timesBySeq.set(Number(b.seq), (timesBySeq.get(Number(b.seq)) ?? 0) + 1);
  }
  const missingSeqs: number[] = [];
  for (let s = 0; s <= lastSeq; s++) if (!bySeq.has(s)) missingSeqs.push(s);
  const missing = missingSeqs.length;
  const readingsInBatches = [...bySeq.values()].reduce((a, b) => a + b, 0);
  let readingsStored = 0;
  for (const m of ['inverter', 'meter']) readingsStored += (await rows(influx, `SELECT * FROM "${m}" WHERE site = '${site}'`)).length;
  return {
    site,
    batchesProduced: lastSeq + 1,
    batchesStored: bySeq.size,
    batchesMissing: missing,
    batchesDuplicated: [...timesBySeq.values()].filter((n) => n > 1).length,
    missingSeqs: missingSeqs.slice(0, 20),
    readingsInBatches,
    readingsStored,
    readingsMissing: readingsInBatches - readingsStored,
  };
}

const midnight = (day: string) => dayStart(day, TIME_ZONE);
const nextDay = (day: string) => addDays(day, 1);

/** Local days wholly inside [from, to] (sim ms). */
export function completeDays(from: number, to: number): string[] {
  const days: string[] = [];
  let d = localDay(from, TIME_ZONE);
  if (midnight(d) < from) d = nextDay(d);
  while (midnight(nextDay(d)) <= to) {
    days.push(d);
    d = nextDay(d);
  }
  return days;
}

/** Computes daily energy in the soak ledger (ingest's own closeEnergyDays, on the simulated clock) and compares it with the simulators' truth. */
export async function reconcileEnergy(ledger: string, sites: DemoSite[], truth: TruthRecorder, days: string[], simNow: number): Promise<EnergyDifference[]> {
  const db = await openLedger(ledger);
  try {
    await closeEnergyDays(db, { now: simNow, graceMs: 15 * 60_000, maxGapMs: 3_600_000, tzOf: () => TIME_ZONE });
    const out: EnergyDifference[] = [];
    for (const site of sites) {
      for (const device of [...site.inverters.map((i) => i.id), site.meter]) {
        const counter = device === site.meter ? 'export_energy_wh' : 'ac_energy_wh';
        for (const day of days) {
          const t = truth.energy(site.id, device, midnight(day), midnight(nextDay(day)));
          if (t === undefined) continue;
          const row = await db.q
            .selectFrom('daily_energy')
            .select(['energy_wh', 'method'])
            .where('site_id', '=', site.id)
            .where('device_id', '=', device)
            .where('counter', '=', counter)
            .where('day', '=', day)
            .orderBy('revision', 'desc')
            .limit(1)
            .executeTakeFirst();
          out.push({ site: site.id, device, day, ledgerWh: row?.energy_wh ?? null, truthWh: Math.round(t), diffWh: (row?.energy_wh ?? 0) - Math.round(t), method: row?.method ?? null });
        }
      }
    }
    return out;
  } finally {
    await db.close();
  }
}

/**
 * Settles the complete days twice with payout's own code: on the soak ledger,
 * and on a fresh ledger whose daily energy is the simulators' truth (the
 * undisturbed run). Returns the fen differences, per site-day and household line.
 */
export async function reconcileSettlements(ledger: string, truthLedger: string, sites: DemoSite[], energy: EnergyDifference[], days: string[], start: string): Promise<{ settled: number; fenDifference: number; differences: string[] }> {
  if (days.length === 0) return { settled: 0, fenDifference: 0, differences: [] };
  const reference = await openLedger(truthLedger);
  const soak = await openLedger(ledger);
  try {
    await seedDemoRegistry(reference, sites, 200, 10, start.slice(0, 10));
    const now = new Date(midnight(nextDay(days.at(-1)!)) + 86_400_000);
    // the reference ledger's daily energy is the simulators' truth, written here in place of ingest
    const truthRows = energy.map((e) => ({
      site_id: e.site,
      device_id: e.device,
      counter: sites.find((s) => s.id === e.site)!.meter === e.device ? 'export_energy_wh' : 'ac_energy_wh',
      day: e.day,
      revision: 1,
      energy_wh: e.truthWh,
      method: 'delta',
      flags: '',
      readings: 1,
      computed_at: now.toISOString(),
    }));
    for (let i = 0; i < truthRows.length; i += 500) await reference.q.insertInto('daily_energy').values(truthRows.slice(i, i + 500)).execute();
    const opts = { from: days[0]!, to: days.at(-1)!, now };
    await runSettlement(reference, opts);
    await runSettlement(soak, opts);
    const q = async (db: Db) =>
      new Map(
        (
          await db.q
            .selectFrom('settlements as s')
            .leftJoin('settlement_lines as l', 'l.settlement_id', 's.id')
            .select((eb) => ['s.site_id', 's.day', 'l.household_id', eb.fn.sum<number>(eb.fn.coalesce('l.amount_fen', 's.revenue_fen')).as('fen')])
            .groupBy(['s.site_id', 's.day', 'l.household_id'])
            .execute()
        ).map((r) => [`${r.site_id}/${r.day}/${r.household_id ?? '(site)'}`, Number(r.fen)]),
      );
    const siteRevenue = async (db: Db) =>
      new Map(
        (
          await db.q
            .selectFrom('settlements')
            .select((eb) => ['site_id', 'day', eb.fn.sum<number>('revenue_fen').as('fen')])
            .groupBy(['site_id', 'day'])
            .execute()
        ).map((r) => [`${r.site_id}/${r.day}`, Number(r.fen)]),
      );
    const [a, b, ra, rb] = [await q(soak), await q(reference), await siteRevenue(soak), await siteRevenue(reference)];
    let fen = 0;
    const differences: string[] = [];
    for (const [name, x, y] of [['line', a, b], ['revenue', ra, rb]] as const) {
      for (const k of new Set([...x.keys(), ...y.keys()])) {
        const d = Math.abs((x.get(k) ?? 0) - (y.get(k) ?? 0));
        if (d > 0) differences.push(`${name} ${k}: soak ${x.get(k) ?? 'none'} fen, undisturbed ${y.get(k) ?? 'none'} fen`);
        fen += d;
      }
    }
    return { settled: ra.size, fenDifference: fen, differences };
  } finally {
    await reference.close();
    await soak.close();
  }
}
