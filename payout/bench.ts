import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import { addDays, daysFromTo } from '../common/index.ts';
import { openLedger, type Database, type Db, type SettlementLinesTable, type SettlementsTable } from '../common/ledger/index.ts';
import { insertRows } from './settle/insert.ts';
import { runSettlement } from './settle/run.ts';
import { line, type LineRow, type SettlementRow } from './settle/post.ts';

type Row<T extends keyof Database> = Insertable<Database[T]>;

/**
 * Payout figures (JSON lines):
 *  - payout.settle_day_national: one day for 4,000,000 allocations over 130,000 sites on SQLite,
 *    beside a bare insert of the same number of settlement and line rows through the same driver.
 *  - payout.year_county: a full year for the county (2,944 households, 150 sites, 1,500 inverters),
 *    first posting and the re-run (nothing changed).
 * PAYOUT_BENCH_SCALE (default 1) shrinks the national case for a quick look; PAYOUT_BENCH_ONLY=county|national runs one.
 */
const scale = Number(process.env.PAYOUT_BENCH_SCALE ?? '1');
const dir = mkdtempSync(join(tmpdir(), 'sunshare-payout-bench-'));
const RATE = [45_300, 52_700];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, Math.round(performance.now() - t)];
}

/** Sites, one tariff each, allocations of 3 kW (a few 1.5-6 kW), sized 15 kW per household. */
async function seed(db: Db, sites: number, households: number, devicesPerSite: number, days: string[]): Promise<void> {
  await db.exec('PRAGMA foreign_keys = OFF');
  const per = Math.floor(households / sites);
  let extra = households - per * sites;
  const chunk = 2000;
  for (let s0 = 0; s0 < sites; s0 += chunk) {
    const siteRows: Row<'sites'>[] = [];
    const tariffRows: Row<'tariffs'>[] = [];
    const allocRows: Row<'allocations'>[] = [];
    const deviceRows: Row<'devices'>[] = [];
    const energyRows: Row<'daily_energy'>[] = [];
    for (let s = s0; s < Math.min(sites, s0 + chunk); s++) {
      const id = `s${String(s).padStart(6, '0')}`;
      const n = per + (extra-- > 0 ? 1 : 0);
      siteRows.push({ id, name: `Site ${s}`, capacity_w: n * 15_000 });
      tariffRows.push({ site_id: id, valid_from: '2016-01-01', grid_rate: RATE[0]!, subsidy_rate: RATE[1]! });
      for (let h = 0; h < n; h++) {
        allocRows.push({ id: `${id}-a${String(h).padStart(3, '0')}`, household_id: `${id}-h${h}`, site_id: id, share_w: h % 10 === 0 ? 4_500 : 3_000, valid_from: '2016-01-01' });
      }
      for (let d = 0; d < devicesPerSite; d++) {
        deviceRows.push({ site_id: id, id: `inv${d}`, kind: 'inverter' });
        for (const day of days) {
          const energy_wh = 40_000 + ((s * 7 + d * 13 + day.charCodeAt(9)) % 20_000);
          energyRows.push({ site_id: id, device_id: `inv${d}`, counter: 'ac_energy_wh', day, revision: 1, energy_wh, method: 'delta', flags: '', readings: 8640, computed_at: '' });
        }
      }
    }
    await db.transaction(async (tx) => {
      await insertRows(tx.q, 'sites', siteRows);
      await insertRows(tx.q, 'tariffs', tariffRows);
      await insertRows(tx.q, 'allocations', allocRows);
      await insertRows(tx.q, 'devices', deviceRows);
      await insertRows(tx.q, 'daily_energy', energyRows);
    });
  }
  await db.exec('PRAGMA foreign_keys = ON');
}

/** The same number of settlement and line rows, same shape, into twin tables with the same keys, the same multi-row inserts, one batch per transaction. */
async function bareInsert(db: Db, settlements: number, linesPerSettlement: number[]): Promise<number> {
  await db.exec(`CREATE TABLE bare_settlements AS SELECT * FROM settlements WHERE 0; CREATE UNIQUE INDEX bare_s ON bare_settlements (id); CREATE UNIQUE INDEX bare_s2 ON bare_settlements (site_id, day, version);
    CREATE TABLE bare_lines AS SELECT * FROM settlement_lines WHERE 0; CREATE UNIQUE INDEX bare_l ON bare_lines (settlement_id, allocation_id)`);
  const [, ms] = await timed(async () => {
    const batch = 600;
    for (let s0 = 0; s0 < settlements; s0 += batch) {
      const sRows: SettlementRow[] = [];
      const lRows: LineRow[] = [];
      for (let s = s0; s < Math.min(settlements, s0 + batch); s++) {
        const site = `s${String(s).padStart(6, '0')}`;
        const id = `${site}/2017-06-01/v1`;
        sRows.push({
          id,
          site_id: site,
          day: '2017-06-01',
          version: 1,
          corrects_id: null,
          inputs_hash: 'x'.repeat(40),
          energy_wh: 1_000_000,
          energy_source: 'inverters',
          flags: '',
          capacity_w: 100_000,
          grid_rate: RATE[0]!,
          subsidy_rate: RATE[1]!,
          grid_fen: 45_300,
          subsidy_fen: 52_700,
          revenue_fen: 98_000,
          run_id: 'run',
          posted_at: '2017-06-02T00:00:00Z',
        });
        const n = linesPerSettlement[s] ?? 0;
        for (let l = 0; l < n; l++) lRows.push(line(id, l === n - 1 ? '' : `${site}-a${String(l).padStart(3, '0')}`, `${site}-h${l}`, 3000, 'daily', 453, 527, '2017-06'));
      }
      await db.transaction(async (tx) => {
        const bare = tx.q.withTables<{ bare_settlements: SettlementsTable; bare_lines: SettlementLinesTable }>();
        await insertRows(bare, 'bare_settlements', sRows);
        await insertRows(bare, 'bare_lines', lRows);
      });
    }
  });
  return ms;
}

async function national(): Promise<void> {
  const sites = Math.round(130_000 * scale);
  const households = Math.round(4_000_000 * scale);
  const db = await openLedger(join(dir, 'national.sqlite'));
  const day = '2017-06-01';
  const [, seedMs] = await timed(() => seed(db, sites, households, 1, [day]));
  const [r, ms] = await timed(() => runSettlement(db, { from: day, to: day, batchSiteDays: 600 }));
  const [again, rerunMs] = await timed(() => runSettlement(db, { from: day, to: day, batchSiteDays: 600 }));
  const per = await db.q
    .selectFrom('settlement_lines')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .groupBy('settlement_id')
    .orderBy('settlement_id')
    .execute();
  const bareMs = await bareInsert(db, r.posted, per.map((p) => p.n));
  console.log(
    JSON.stringify({
      bench: 'payout.settle_day_national',
      sites,
      allocations: households,
      settlements: r.posted,
      lines: r.lines,
      ms,
      bare_ms: bareMs,
      ratio: Number((ms / bareMs).toFixed(2)),
      rerun_ms: rerunMs,
      rerun_unchanged: again.unchanged,
      seed_ms: seedMs,
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
      goal: 'ms<60000, ratio<=3',
    }),
  );
  await db.close();
}

async function county(): Promise<void> {
  const db = await openLedger(join(dir, 'county.sqlite'));
  const days = daysFromTo('2017-01-01', '2017-12-31');
  const [, seedMs] = await timed(() => seed(db, 150, 2944, 10, days));
  const [first, firstMs] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)! }));
  const [rerun, rerunMs] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)! }));
  // one late revision per site in March: the re-run posts those as adjustments
  await insertRows(
    db.q,
    'daily_energy',
    Array.from({ length: 150 }, (_, s) => ({
      site_id: `s${String(s).padStart(6, '0')}`,
      device_id: 'inv0',
      counter: 'ac_energy_wh',
      day: addDays('2017-03-01', s % 28),
      revision: 2,
      energy_wh: 99999,
      method: 'delta',
      flags: 'late',
      readings: 1,
      computed_at: '',
    })),
  );
  const [late, lateMs] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)! }));
  console.log(
    JSON.stringify({
      bench: 'payout.year_county',
      households: 2944,
      sites: 150,
      inverters: 1500,
      days: days.length,
      first_ms: firstMs,
      first_posted: first.posted,
      lines: first.lines,
      rerun_ms: rerunMs,
      rerun_unchanged: rerun.unchanged,
      rerun_with_150_late_days_ms: lateMs,
      adjusted: late.adjusted,
      seed_ms: seedMs,
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
      goal: 'rerun_ms<10000',
    }),
  );
  await db.close();
}

const only = process.env.PAYOUT_BENCH_ONLY; // county | national
try {
  if (only !== 'national') await county();
  if (only !== 'county') await national();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
