import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import { addDays, daysFromTo } from '../common/index.ts';
import { openLedger, type Database, type Db, type SettlementLinesTable, type SettlementsTable } from '../common/ledger/index.ts';
import { createPgDatabase, postgresAvailable } from '../common/testing/index.ts';
import { insertRows } from './settle/insert.ts';
import { runSettlement } from './settle/run.ts';
import { line, type LineRow, type SettlementRow } from './settle/post.ts';
import { paymentsBench } from './payments/bench.ts';

type Row<T extends keyof Database> = Insertable<Database[T]>;
type Dialect = 'sqlite' | 'postgres';

/**
 * Payout figures (JSON lines), on SQLite (a file in a temp dir) and PostgreSQL (a fresh database):
 *  - payout.settle_day_national: one day for 4,000,000 allocations over 130,000 sites, beside a
 *    bare insert of the same settlement and line rows (same insert code, twin tables with the same
 *    keys, no foreign keys or triggers) in the same run.
 *  - payout.year_county: a full year for the county (2,944 households, 150 sites, 1,500 inverters),
 *    first posting, the re-run (nothing changed) and a re-run with 150 late days.
 * Wall-clock ms and this process's CPU ms (user + system; SQLite runs in-process, PostgreSQL's own
 * work is not in it) for each step; the machine's 1-minute load average is printed too.
 * PAYOUT_BENCH_SCALE (default 1) shrinks the national case; PAYOUT_BENCH_ONLY=county|national|payments-county|payments-national
 * runs one; PAYOUT_BENCH_DIALECTS=sqlite,postgres (default both; PostgreSQL skipped when not reachable).
 */
const scale = Number(process.env.PAYOUT_BENCH_SCALE ?? '1');
const dir = mkdtempSync(join(tmpdir(), 'sunshare-payout-bench-'));
const RATE = [45_300, 52_700];

interface Timing { ms: number; cpu_ms: number }
async function timed<T>(fn: () => Promise<T>): Promise<[T, Timing]> {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = await fn();
  const d = process.cpuUsage(c);
  return [r, { ms: Math.round(performance.now() - t), cpu_ms: Math.round((d.user + d.system) / 1000) }];
}

async function openBench(dialect: Dialect, name: string): Promise<{ db: Db; close: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const db = await openLedger(join(dir, `${name}.sqlite`));
    return { db, close: () => db.close() };
  }
  const pg = await createPgDatabase(`sunshare_bench_${name}`);
  const db = await openLedger(pg.url);
  return {
    db,
    close: async () => {
      await db.close();
      await pg.drop();
    },
  };
}

/** Sites, one tariff each, allocations of 3 kW (a few 1.5-6 kW), sized 15 kW per household. */
async function seed(db: Db, sites: number, households: number, devicesPerSite: number, days: string[]): Promise<void> {
  const per = Math.floor(households / sites);
  let extra = households - per * sites;
  const chunk = 2000;
  for (let s0 = 0; s0 < sites; s0 += chunk) {
    const siteRows: Row<'sites'>[] = [];
    const tariffRows: Row<'tariffs'>[] = [];
    const allocRows: Row<'allocations'>[] = [];
    const householdRows: Row<'households'>[] = [];
    const deviceRows: Row<'devices'>[] = [];
    const energyRows: Row<'daily_energy'>[] = [];
    for (let s = s0; s < Math.min(sites, s0 + chunk); s++) {
      const id = `s${String(s).padStart(6, '0')}`;
      const n = per + (extra-- > 0 ? 1 : 0);
      siteRows.push({ id, name: `Site ${s}`, capacity_w: n * 15_000 });
      tariffRows.push({ site_id: id, valid_from: '2016-01-01', grid_rate: RATE[0]!, subsidy_rate: RATE[1]! });
      for (let h = 0; h < n; h++) {
        householdRows.push({ id: `${id}-h${h}`, name: `H${h}` });
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
      await insertRows(tx.q, 'households', householdRows);
      await insertRows(tx.q, 'allocations', allocRows);
      await insertRows(tx.q, 'devices', deviceRows);
      await insertRows(tx.q, 'daily_energy', energyRows);
    });
  }
}

/** The same number of settlement and line rows, same shape, into twin tables with the same keys, the same multi-row inserts, one batch per transaction. */
async function bareInsert(db: Db, settlements: number, linesPerSettlement: number[]): Promise<Timing> {
  await db.exec(`CREATE TABLE bare_settlements AS SELECT * FROM settlements WHERE 1 = 0; CREATE UNIQUE INDEX bare_s ON bare_settlements (id); CREATE UNIQUE INDEX bare_s2 ON bare_settlements (site_id, day, version);
    CREATE TABLE bare_lines AS SELECT * FROM settlement_lines WHERE 1 = 0; CREATE UNIQUE INDEX bare_l ON bare_lines (settlement_id, allocation_id)`);
  const [, t] = await timed(async () => {
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
  return t;
}

async function national(dialect: Dialect): Promise<void> {
  const sites = Math.round(130_000 * scale);
  const households = Math.round(4_000_000 * scale);
  const { db, close } = await openBench(dialect, 'national');
  try {
    const day = '2017-06-01';
    const [, seed_] = await timed(() => seed(db, sites, households, 1, [day]));
    const [r, first] = await timed(() => runSettlement(db, { from: day, to: day, batchSiteDays: 600 }));
    const [again, rerun] = await timed(() => runSettlement(db, { from: day, to: day, batchSiteDays: 600 }));
    const per = await db.q
      .selectFrom('settlement_lines')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy('settlement_id')
      .orderBy('settlement_id')
      .execute();
    const bare = await bareInsert(db, r.posted, per.map((p) => Number(p.n)));
    console.log(
      JSON.stringify({
        bench: 'payout.settle_day_national',
        dialect,
        scale,
        sites,
        allocations: households,
        settlements: r.posted,
        lines: r.lines,
        ms: first.ms,
        cpu_ms: first.cpu_ms,
        bare_ms: bare.ms,
        bare_cpu_ms: bare.cpu_ms,
        ratio: Number((first.ms / bare.ms).toFixed(2)),
        rerun_ms: rerun.ms,
        rerun_cpu_ms: rerun.cpu_ms,
        rerun_unchanged: again.unchanged,
        seed_ms: seed_.ms,
        max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
        goal: 'ratio<=2',
      }),
    );
  } finally {
    await close();
  }
}

async function county(dialect: Dialect): Promise<void> {
  const { db, close } = await openBench(dialect, 'county');
  try {
    const days = daysFromTo('2017-01-01', '2017-12-31');
    const [, seed_] = await timed(() => seed(db, 150, 2944, 10, days));
    const [first, firstT] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)! }));
    const [rerun, rerunT] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)! }));
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
    const [late, lateT] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)! }));
    console.log(
      JSON.stringify({
        bench: 'payout.year_county',
        dialect,
        households: 2944,
        sites: 150,
        inverters: 1500,
        days: days.length,
        first_ms: firstT.ms,
        first_cpu_ms: firstT.cpu_ms,
        first_posted: first.posted,
        lines: first.lines,
        rerun_ms: rerunT.ms,
        rerun_cpu_ms: rerunT.cpu_ms,
        rerun_unchanged: rerun.unchanged,
        rerun_with_150_late_days_ms: lateT.ms,
        rerun_with_150_late_days_cpu_ms: lateT.cpu_ms,
        adjusted: late.adjusted,
        seed_ms: seed_.ms,
        max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
        goal: 'first_ms<10000, rerun_ms<3000',
      }),
    );
  } finally {
    await close();
  }
}

const only = process.env.PAYOUT_BENCH_ONLY; // county | national
const pgUp = await postgresAvailable();
const dialects = (process.env.PAYOUT_BENCH_DIALECTS ?? 'sqlite,postgres').split(',').filter((d): d is Dialect => d === 'sqlite' || d === 'postgres');
try {
  for (const dialect of dialects) {
    if (dialect === 'postgres' && !pgUp) {
      console.log(JSON.stringify({ bench: 'payout', dialect, skipped: 'PostgreSQL not reachable' }));
      continue;
    }
    if (only !== 'national' && !only?.startsWith('payments')) await county(dialect);
    if (only !== 'county' && !only?.startsWith('payments')) await national(dialect);
  }
  if (only !== 'county' && only !== 'national') await paymentsBench(dir, scale, only); // payout/payments/bench.ts
} finally {
  rmSync(dir, { recursive: true, force: true });
}
