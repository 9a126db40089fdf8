import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import type { Db } from '../../common/ledger/index.ts';
import { importRegistry } from '../registry/import.ts';
import { importMeterReads } from '../registry/meter-reads.ts';
import { EXAMPLE_REGISTRY, putEnergy, tempFile } from '../testing/fixture.ts';
import { closeMonth } from '../period/close.ts';
import { acquireLock } from './lock.ts';
import { runSettlement } from './run.ts';

const pgUp = await postgresAvailable();
const JUNE = { from: '2017-06-01', to: '2017-06-30', now: new Date('2017-07-01T02:00:00Z') };

interface SettlementRow { id: string; version: number; energy_wh: number; energy_source: string; flags: string; revenue_fen: number; grid_fen: number; subsidy_fen: number; corrects_id: string | null }
interface LineRow { allocation_id: string; household_id: string; kind: string; amount_fen: number; grid_fen: number; subsidy_fen: number; payable_month: string }

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`settlement on ${dialect}`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    const settlement = (site: string, day: string) =>
      db.all<SettlementRow>('SELECT * FROM settlements WHERE site_id = ? AND day = ? ORDER BY version', [site, day]);
    const lines = (id: string) => db.all<LineRow>('SELECT * FROM settlement_lines WHERE settlement_id = ? ORDER BY allocation_id', [id]);
    const count = async (table: string) => Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);

    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_payout');
      db = ledger.db;
      await importRegistry(db, EXAMPLE_REGISTRY);
      // tariff change mid-month: from 2017-06-20 the pilot's subsidy part drops
      await importRegistry(db, [
        tempFile('tariffs.csv', 'site_id,valid_from,valid_to,grid_yuan_per_kwh,subsidy_yuan_per_kwh\nry-dq-01,2016-12-20,2017-06-19,0.453,0.527\nry-dq-01,2017-06-20,,0.453,0.397\n'),
      ]);
      for (let d = 1; d <= 30; d++) {
        const day = `2017-06-${String(d).padStart(2, '0')}`;
        // the pilot: a revenue meter and six inverters (the meter wins)
        await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', day, 1_000_000 + d);
        for (let i = 1; i <= 6; i++) await putEnergy(db, 'ry-dq-01', `inv0${i}`, 'ac_energy_wh', day, 170_000);
        // the second site has no revenue meter; no data at all on the 10th, a counter reset on the 12th
        if (d === 10) continue;
        for (let i = 1; i <= 3; i++) await putEnergy(db, 'ry-dq-02', `inv0${i}`, 'ac_energy_wh', day, 150_000 + i, d === 12 && i === 2 ? { method: 'reset' } : {});
      }
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('posts every site-day once, with lines that sum exactly to the revenue', async () => {
      const r = await runSettlement(db, JUNE);
      expect(r).toMatchObject({ posted: 60, adjusted: 0, unchanged: 0, skipped: [] });
      const bad = await db.all(
        `SELECT s.id FROM settlements s JOIN settlement_lines l ON l.settlement_id = s.id GROUP BY s.id, s.revenue_fen, s.grid_fen
         HAVING SUM(l.amount_fen) <> s.revenue_fen OR SUM(l.grid_fen) <> s.grid_fen`,
      );
      expect(bad).toEqual([]);
    });

    it('uses the revenue meter, and splits 3 kW of 300 kW to each household', async () => {
      const [s] = await settlement('ry-dq-01', '2017-06-05');
      // 1,000,005 Wh x (0.453 + 0.527) yuan/kWh = 98,000.49 fen -> 98,000; grid 45,300.2265 -> 45,300
      expect(s).toMatchObject({ version: 1, energy_source: 'revenue_meter', energy_wh: 1_000_005, revenue_fen: 98_000, grid_fen: 45_300, subsidy_fen: 52_700, flags: '' });
      const l = await lines(s!.id);
      expect(l).toHaveLength(21); // 20 households + the company
      expect(l.filter((x) => x.household_id !== '').every((x) => x.amount_fen === 980)).toBe(true);
      expect(l.find((x) => x.allocation_id === '')!.amount_fen).toBe(98_000 - 20 * 980);
    });

    it('ends an allocation mid-month and gives the share to the replacement from the next day', async () => {
      const on15 = (await lines((await settlement('ry-dq-01', '2017-06-15'))[0]!.id)).map((x) => x.allocation_id);
      const on16 = (await lines((await settlement('ry-dq-01', '2017-06-16'))[0]!.id)).map((x) => x.allocation_id);
      expect(on15).toContain('al007');
      expect(on15).not.toContain('al021');
      expect(on16).toContain('al021');
      expect(on16).not.toContain('al007');
    });

    it('applies the new tariff from the day it starts', async () => {
      const [before] = await settlement('ry-dq-01', '2017-06-19');
      const [after] = await settlement('ry-dq-01', '2017-06-20');
      expect(before).toMatchObject({ revenue_fen: Math.round((1_000_019 * 98_000) / 1e6) });
      expect(after).toMatchObject({ revenue_fen: Math.round((1_000_020 * 85_000) / 1e6), grid_fen: Math.round((1_000_020 * 45_300) / 1e6) });
    });

    it('sums the inverters of a site without a revenue meter, and flags a day with no data and a counter reset', async () => {
      const [normal] = await settlement('ry-dq-02', '2017-06-05');
      expect(normal).toMatchObject({ energy_source: 'inverters', energy_wh: 450_006, flags: '' });
      const [empty] = await settlement('ry-dq-02', '2017-06-10');
      expect(empty).toMatchObject({ energy_source: 'none', energy_wh: 0, revenue_fen: 0, flags: 'no_data' });
      expect((await lines(empty!.id)).every((x) => x.amount_fen === 0)).toBe(true);
      const [reset] = await settlement('ry-dq-02', '2017-06-12');
      expect(reset!.flags).toBe('reset');
    });

    it('changes nothing when re-run twice with the same inputs', async () => {
      const before = [await count('settlements'), await count('settlement_lines')];
      for (let i = 0; i < 2; i++) expect(await runSettlement(db, JUNE)).toMatchObject({ posted: 0, adjusted: 0, unchanged: 60 });
      expect([await count('settlements'), await count('settlement_lines')]).toEqual(before);
    });

    it('posts late data as a new version with adjustment lines, paid in the next period', async () => {
      await putEnergy(db, 'ry-dq-02', 'inv01', 'ac_energy_wh', '2017-06-10', 300_000, { revision: 1, flags: 'late' });
      const r = await runSettlement(db, { ...JUNE, now: new Date('2017-07-20T02:00:00Z') });
      expect(r).toMatchObject({ posted: 0, adjusted: 1, unchanged: 59 });
      const [v1, v2] = await settlement('ry-dq-02', '2017-06-10');
      expect(v2).toMatchObject({ version: 2, corrects_id: v1!.id, energy_wh: 300_000, revenue_fen: 25_500, flags: 'device_missing,late' });
      const adj = await lines(v2!.id);
      expect(adj.every((x) => x.kind === 'adjustment' && x.payable_month === '2017-07')).toBe(true);
      expect(adj.reduce((a, x) => a + x.amount_fen, 0)).toBe(25_500 - v1!.revenue_fen);
      // 3 kW of 150 kW: 510 fen to each of the four households
      expect(adj.filter((x) => x.household_id !== '').map((x) => x.amount_fen)).toEqual([510, 510, 510, 510]);
    });

    it('posts a corrected grid company read as an adjustment that references the version it corrects', async () => {
      await importMeterReads(db, tempFile('reads.csv', 'site,date,export_kwh\nry-dq-01,2017-06-05,1200.5\n'));
      expect(await runSettlement(db, { ...JUNE, now: new Date('2017-07-20T02:00:00Z') })).toMatchObject({ adjusted: 1 });
      const [v1, v2] = await settlement('ry-dq-01', '2017-06-05');
      expect(v2).toMatchObject({ energy_source: 'grid_read', energy_wh: 1_200_500, corrects_id: v1!.id, revenue_fen: 117_649 });
      const total = await db.get<{ n: number }>(
        "SELECT SUM(l.amount_fen) AS n FROM settlement_lines l JOIN settlements s ON s.id = l.settlement_id WHERE s.site_id = 'ry-dq-01' AND s.day = '2017-06-05'",
      );
      expect(Number(total!.n)).toBe(117_649);
      // the same read again is no change
      expect(await importMeterReads(db, tempFile('reads.csv', 'site,date,export_kwh\nry-dq-01,2017-06-05,1200.5\n'))).toEqual({ inserted: 0, unchanged: 1 });
    });

    it('reverses the share of an allocation ended earlier by a registry correction, to the company', async () => {
      await importRegistry(db, [tempFile('allocations.csv', 'id,household_id,site_id,share_kw,valid_from,valid_to,reason\nal007,hh007,ry-dq-01,3,2017-01-01,2017-06-12,脱贫退出(更正)\n')]);
      const r = await runSettlement(db, { ...JUNE, now: new Date('2017-07-20T02:00:00Z') });
      expect(r).toMatchObject({ adjusted: 3, posted: 0 });
      for (const day of ['2017-06-13', '2017-06-14', '2017-06-15']) {
        const versions = await settlement('ry-dq-01', day);
        const adj = await lines(versions.at(-1)!.id);
        const paid = (await lines(versions[0]!.id)).find((x) => x.allocation_id === 'al007')!.amount_fen;
        expect(adj.map((x) => [x.allocation_id, x.amount_fen])).toEqual([['', paid], ['al007', -paid]]);
      }
    });

    it('refuses to edit or delete posted money', async () => {
      await expect(db.run('UPDATE settlement_lines SET amount_fen = 0')).rejects.toThrow(/append-only/);
      await expect(db.run('DELETE FROM settlements')).rejects.toThrow(/append-only/);
    });

    it('lets only one run post at a time, naming the holder', async () => {
      const lock = await acquireLock(db, 'settlement', 60_000, 'finance-pc:pid 4242');
      await expect(runSettlement(db, JUNE)).rejects.toThrow(/finance-pc:pid 4242 since/);
      await lock.release();
      await expect(runSettlement(db, JUNE)).resolves.toMatchObject({ unchanged: 60 });
    });

    it('leaves nothing half-posted when posting fails midway', async () => {
      if (dialect === 'sqlite') {
        await db.exec("CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON settlement_lines WHEN NEW.allocation_id = 'al024' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
      } else {
        await db.exec(`CREATE FUNCTION fail_midway() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.allocation_id = 'al024' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$;
          CREATE TRIGGER fail_midway BEFORE INSERT ON settlement_lines FOR EACH ROW EXECUTE FUNCTION fail_midway()`);
      }
      const before = [await count('settlements'), await count('settlement_lines')];
      await expect(runSettlement(db, { from: '2017-07-01', to: '2017-07-02' })).rejects.toThrow(/disk on fire/);
      expect([await count('settlements'), await count('settlement_lines')]).toEqual(before);
      expect(await count('run_locks')).toBe(0);
      await db.exec(dialect === 'sqlite' ? 'DROP TRIGGER fail_midway' : 'DROP TRIGGER fail_midway ON settlement_lines; DROP FUNCTION fail_midway()');
    });

    it('skips and reports a site-day without a tariff instead of guessing, and ignores days before commissioning', async () => {
      await importRegistry(db, [tempFile('sites.csv', 'id,name,capacity_kw\nry-dq-09,新站,100\n')]);
      const r = await runSettlement(db, { from: '2017-03-13', to: '2017-03-15', sites: ['ry-dq-02', 'ry-dq-09'] });
      expect(r.skipped).toEqual(['13', '14', '15'].map((d) => `site ry-dq-09 2017-03-${d}: no tariff valid that day`));
      expect(r.posted).toBe(1); // ry-dq-02 from its commissioning day, 2017-03-15
    });

    it('closes months in order, and pays lines settled after a close in the next open month', async () => {
      expect(await closeMonth(db, '2017-06')).toEqual({ statements: 25, already: false });
      expect(await closeMonth(db, '2017-06')).toEqual({ statements: 0, already: true });
      await expect(closeMonth(db, '2017-08')).rejects.toThrow(/close 2017-07 first/);
      await expect(db.run("UPDATE payout_statements SET net_fen = 0 WHERE month = '2017-06'")).rejects.toThrow(/append-only/);
      // the new site gets its tariff for June only now: its June days are paid in July
      await importRegistry(db, [tempFile('tariffs.csv', 'site_id,valid_from,grid_yuan_per_kwh,subsidy_yuan_per_kwh\nry-dq-09,2017-06-01,0.453,0.527\n')]);
      await putEnergy(db, 'ry-dq-09', 'inv01', 'ac_energy_wh', '2017-06-30', 400_000);
      expect(await runSettlement(db, { ...JUNE, sites: ['ry-dq-09'] })).toMatchObject({ posted: 30 });
      const months = await db.all<{ payable_month: string }>("SELECT DISTINCT l.payable_month FROM settlement_lines l WHERE l.settlement_id LIKE 'ry-dq-09/%'");
      expect(months).toEqual([{ payable_month: '2017-07' }]);
      const frozen = await db.get<{ n: number }>("SELECT SUM(daily_fen + adjustment_fen) AS n FROM payout_statements WHERE month = '2017-06'");
      const june = await db.get<{ n: number }>("SELECT SUM(amount_fen) AS n FROM settlement_lines WHERE payable_month = '2017-06' AND household_id <> ''");
      expect(Number(frozen!.n)).toBe(Number(june!.n)); // nothing moved into the closed month
    });
  });
}
