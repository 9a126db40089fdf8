import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, postgresAvailable, type PgDatabase } from '../../common/testing/index.ts';
import { daysFromTo } from '../../common/index.ts';
import { migrate, MIGRATIONS_DIR, openDb, type Db } from '../../common/ledger/index.ts';
import { seedRegistry } from '../registry/seed.ts';
import { computeSiteDay } from './compute.ts';
import { loadBatch, sitesToSettle } from './inputs.ts';
import { line } from './post.ts';
import { runSettlement } from './run.ts';

/**
 * History is never rewritten: a ledger settled by the per-day split before
 * migration 206 records the cut-over at the day after its last settled day;
 * those days keep their lines (and are corrected the per-day way), later days
 * are split by cumulative rounding.
 */
const pgUp = await postgresAvailable();
const SITE = 'co-01';
const JUNE = daysFromTo('2017-06-01', '2017-06-30');
const NOW = new Date('2017-07-01T02:00:00+08:00');

/** Posts days as the per-day code did before the cut-over: the day's own largest-remainder split, version 1. */
async function postPerDay(db: Db, days: string[]): Promise<void> {
  const sites = await sitesToSettle(db);
  const inputs = await loadBatch(db, sites, days[0]!, days.at(-1)!);
  for (const day of days) {
    const out = computeSiteDay(inputs, sites[0]!, day);
    if (!out.ok || 'unchanged' in out) throw new RangeError(`cannot post ${day}`);
    const c = out.value;
    const id = `${SITE}/${day}/v1`;
    await db.q
      .insertInto('settlements')
      .values({ id, site_id: SITE, day, version: 1, corrects_id: null, inputs_hash: c.inputs_hash, energy_wh: c.energy_wh, energy_source: c.energy_source, flags: '', capacity_w: c.capacity_w, grid_rate: c.grid_rate, subsidy_rate: c.subsidy_rate, grid_fen: c.grid_fen, subsidy_fen: c.subsidy_fen, revenue_fen: c.revenue_fen, run_id: 'before', posted_at: '2017-06-11T00:00:00Z' })
      .execute();
    await db.q.insertInto('settlement_lines').values(c.lines.map((l) => line(id, l.allocation_id, l.household_id, l.share_w, 'daily', l.grid_fen, l.subsidy_fen, '2017-06'))).execute();
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`the rounding cut-over on ${dialect}`, () => {
    let db: Db;
    let pg: PgDatabase | undefined;
    let history: unknown[];
    const fenOf = async (from: string, to: string) =>
      new Map(
        (
          await db.q
            .selectFrom('settlement_lines as l')
            .innerJoin('settlements as s', 's.id', 'l.settlement_id')
            .select((eb) => ['l.household_id', eb.fn.sum<number>('l.amount_fen').as('fen')])
            .where('s.day', '>=', from)
            .where('s.day', '<=', to)
            .groupBy('l.household_id')
            .execute()
        ).map((r) => [r.household_id, Number(r.fen)]),
      );
    beforeAll(async () => {
      pg = dialect === 'postgres' ? await createPgDatabase('sunshare_cutover') : undefined;
      db = await openDb(pg?.url ?? ':memory:');
      // the ledger as it was before migration 206
      const before = mkdtempSync(join(tmpdir(), 'sunshare-migrations-'));
      for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => !f.startsWith('206_'))) cpSync(join(MIGRATIONS_DIR, f), join(before, f));
      await migrate(db, before);
      // three equal households of 3 kW on 10 kW: every day ties, and the per-day split gave the first the spare fen
      await seedRegistry(db, [{ id: SITE, name: '切换站', capacityW: 10_000, village: '村', devices: [] }], {
        tariff: { from: '2017-01-01', gridRate: 45_300, subsidyRate: 52_700 },
        households: { perSite: 3, shareW: 3000, from: '2017-01-01' },
      });
      await db.q
        .insertInto('grid_meter_reads')
        .values(JUNE.map((day, i) => ({ site_id: SITE, day, revision: 1, export_wh: 40_000 + i * 1_001, imported_at: '' })))
        .execute();
      await postPerDay(db, JUNE.slice(0, 10));
      history = await db.q.selectFrom('settlement_lines').selectAll().orderBy('settlement_id').orderBy('allocation_id').execute();
      await migrate(db);
    });
    afterAll(async () => {
      await db?.close();
      await pg?.drop();
    });

    it('records the cut-over at the day after the last day settled', async () => {
      expect(await db.q.selectFrom('rounding_cutover').select(['method', 'from_day']).execute()).toEqual([{ method: 'cumulative', from_day: '2017-06-11' }]);
      await expect(db.run("UPDATE rounding_cutover SET from_day = '2017-01-01'")).rejects.toThrow(/append-only/);
    });

    it('leaves the days before it as posted, and splits the days from it cumulatively', async () => {
      const r = await runSettlement(db, { from: JUNE[0]!, to: JUNE.at(-1)!, now: NOW });
      expect(r).toMatchObject({ posted: 20, unchanged: 10, adjusted: 0 });
      expect(await db.q.selectFrom('settlement_lines').selectAll().where('settlement_id', '<', `${SITE}/2017-06-11`).orderBy('settlement_id').orderBy('allocation_id').execute()).toEqual(history);
      // before: the first household won every tie; from the cut-over the three stay within 1 fen
      const early = await fenOf('2017-06-01', '2017-06-10');
      expect(early.get(`${SITE}-h01`)! - early.get(`${SITE}-h03`)!).toBeGreaterThanOrEqual(3);
      const late = [...(await fenOf('2017-06-11', '2017-06-30'))].filter(([h]) => h !== '').map(([, f]) => f);
      expect(Math.max(...late) - Math.min(...late)).toBeLessThanOrEqual(1);
      expect(await db.q.selectFrom('rounding_states').select(['site_id', 'seq', 'year', 'month', 'last_day']).execute()).toEqual([{ site_id: SITE, seq: 1, year: '2017', month: '2017-06', last_day: '2017-06-30' }]);
    });

    it('corrects a day before the cut-over the per-day way, one after it cumulatively', async () => {
      await db.q.insertInto('grid_meter_reads').values([
        { site_id: SITE, day: '2017-06-03', revision: 2, export_wh: 91_000, imported_at: '' },
        { site_id: SITE, day: '2017-06-20', revision: 2, export_wh: 91_000, imported_at: '' },
      ]).execute();
      const r = await runSettlement(db, { from: JUNE[0]!, to: JUNE.at(-1)!, now: new Date('2017-07-05T02:00:00+08:00') });
      expect(r).toMatchObject({ adjusted: 2, posted: 0 });
      const adj = (day: string) => db.q.selectFrom('settlement_lines').select(['allocation_id', 'amount_fen', 'payable_month']).where('settlement_id', '=', `${SITE}/${day}/v2`).orderBy('allocation_id').execute();
      // 91 kWh at 0.98 = 8918 fen against 40 kWh + 2 x 1.001 kWh: per-day, each household's line is its new day split minus its old one
      const old3 = (40_000 + 2 * 1_001) * 98_000 / 1e6;
      const diff3 = 8_918 - Math.round(old3);
      const lines3 = await adj('2017-06-03');
      expect(lines3.reduce((a, l) => a + Number(l.amount_fen), 0)).toBe(diff3);
      // the per-day split of 8918 over 3/3/3/1 (10 kW) is 2676/2675/2675/892 with the first winning; minus what the day paid
      const paid3 = (history as { settlement_id: string; allocation_id: string; amount_fen: number }[]).filter((l) => l.settlement_id === `${SITE}/2017-06-03/v1`);
      const newSplit = new Map([['', 892], [`alloc-${SITE}-h01`, 2676], [`alloc-${SITE}-h02`, 2675], [`alloc-${SITE}-h03`, 2675]]);
      expect(lines3.map((l) => [l.allocation_id, Number(l.amount_fen)])).toEqual(paid3.map((l) => [l.allocation_id, newSplit.get(l.allocation_id)! - Number(l.amount_fen)]).filter(([, a]) => a !== 0));
      expect(new Set(lines3.map((l) => l.payable_month))).toEqual(new Set(['2017-07']));
      // after the cut-over: within 2 fen of each exact share of the difference, payable in July
      const lines20 = await adj('2017-06-20');
      const old20 = await db.q.selectFrom('settlements').select('revenue_fen').where('id', '=', `${SITE}/2017-06-20/v1`).executeTakeFirstOrThrow();
      const d20 = 8_918 - Number(old20.revenue_fen);
      expect(lines20.reduce((a, l) => a + Number(l.amount_fen), 0)).toBe(d20);
      for (const l of lines20.filter((x) => x.allocation_id !== '')) expect(Math.abs(Number(l.amount_fen) * 10_000 - d20 * 3000)).toBeLessThanOrEqual(2 * 10_000);
      expect(new Set(lines20.map((l) => l.payable_month))).toEqual(new Set(['2017-07']));
    });
  });
}
