import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import type { Db } from '../../common/ledger/index.ts';
import { importRegistry } from '../registry/import.ts';
import { EXAMPLE_REGISTRY, putEnergy, tempFile } from '../testing/fixture.ts';
import { describeGaps } from './gaps.ts';
import { runSettlement } from './run.ts';

const pgUp = await postgresAvailable();

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`a run's summary of missing and partial data, and days not ended, on ${dialect}`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_summary');
      db = ledger.db;
      await importRegistry(db, EXAMPLE_REGISTRY);
      // the pilot reports every day of July 2017 except the 10th (nothing) and the 11th (one inverter silent, a gap);
      // the second site reports nothing in July at all
      for (let d = 1; d <= 31; d++) {
        const day = `2017-07-${String(d).padStart(2, '0')}`;
        if (d === 10) continue;
        for (let i = 1; i <= 6; i++) {
          if (d === 11 && i === 6) continue;
          await putEnergy(db, 'ry-dq-01', `inv0${i}`, 'ac_energy_wh', day, 170_000, d === 11 ? { flags: 'gap' } : {});
        }
      }
      // the revenue meter is missing all month: every pilot day says so, so drop it from the registry for this case
      await db.run("DELETE FROM devices WHERE site_id = 'ry-dq-01' AND revenue_meter = 1");
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('lists each site-day with missing or partial data, by site and day, in Chinese and English words, not flag codes', async () => {
      const r = await runSettlement(db, { from: '2017-07-01', to: '2017-07-31', now: new Date('2017-08-02T02:00:00Z') });
      expect(r.gaps).toEqual(
        expect.arrayContaining([
          { site: 'ry-dq-01', day: '2017-07-10', kind: 'missing', flags: ['no_data'] },
          { site: 'ry-dq-01', day: '2017-07-11', kind: 'partial', flags: ['device_missing', 'gap'] },
          { site: 'ry-dq-02', day: '2017-07-31', kind: 'missing', flags: ['no_data'] },
        ]),
      );
      expect(r.gaps).toHaveLength(2 + 31);
      const lines = describeGaps(r.gaps, r.notEnded);
      expect(lines).toEqual([
        '缺数据 站点 ry-dq-01 2017-07-10：无任何电量数据，各户按 0.00 元入账 / missing data: site ry-dq-01 2017-07-10: no energy data at all, every household credited 0.00',
        '数据不全 站点 ry-dq-01 2017-07-11：有逆变器未报数；读数中断 / partial data: site ry-dq-01 2017-07-11: an inverter reported nothing; a gap in the readings',
        '缺数据 站点 ry-dq-02 2017-07-01 至 2017-07-31（31 天）：无任何电量数据，各户按 0.00 元入账 / missing data: site ry-dq-02 2017-07-01 to 2017-07-31 (31 days): no energy data at all, every household credited 0.00',
        expect.stringMatching(/^整月无数据 站点 ry-dq-02 2017-07：全月各户收益均为 0\.00 元.* \/ no data for the whole month: site ry-dq-02 2017-07: every household of the site was credited 0\.00 for the month; import the grid company's reads/),
      ]);
      for (const l of lines) expect(l).not.toMatch(/no_data|device_missing|\bgap\b(?! in)/);
    });

    it('lists the same site-days again on a re-run that posts nothing', async () => {
      const again = await runSettlement(db, { from: '2017-07-01', to: '2017-07-31', now: new Date('2017-08-02T02:00:00Z') });
      expect(again.posted + again.adjusted).toBe(0);
      expect(again.gaps).toHaveLength(2 + 31);
    });

    it('does not settle a day that has not ended in the site time zone, and records the run as settled up to the day before', async () => {
      // 2017-09-01 15:30 UTC is 23:30 in Asia/Shanghai: the 1st has not ended there
      const r = await runSettlement(db, { from: '2017-08-30', to: '2017-09-02', now: new Date('2017-09-01T15:30:00Z') });
      const days = await db.all<{ day: string }>("SELECT DISTINCT day FROM settlements WHERE day >= '2017-08-30' ORDER BY day");
      expect(days.map((d) => d.day)).toEqual(['2017-08-30', '2017-08-31']);
      expect(r.notEnded).toEqual([
        { site: 'ry-dq-01', from: '2017-09-01', to: '2017-09-02', timeZone: 'Asia/Shanghai' },
        { site: 'ry-dq-02', from: '2017-09-01', to: '2017-09-02', timeZone: 'Asia/Shanghai' },
      ]);
      expect(describeGaps([], r.notEnded)[0]).toBe('未结算 站点 ry-dq-01 2017-09-01..2017-09-02：该日在 Asia/Shanghai 尚未结束 / not settled: site ry-dq-01 2017-09-01..2017-09-02: the day has not ended in Asia/Shanghai');
      // a run in chunks (the API's) says it once per site
      const chunks = [
        { site: 'ry-dq-01', from: '2017-09-01', to: '2017-09-07', timeZone: 'Asia/Shanghai' },
        { site: 'ry-dq-01', from: '2017-09-08', to: '2017-09-14', timeZone: 'Asia/Shanghai' },
      ];
      expect(describeGaps([], chunks)).toEqual([expect.stringContaining('not settled: site ry-dq-01 2017-09-01..2017-09-14: the day has not ended')]);
      const run = await db.get<{ to_day: string }>('SELECT to_day FROM settlement_runs WHERE id = ?', [r.runId]);
      expect(run!.to_day).toBe('2017-08-31');
      // half an hour later the 1st has ended in Shanghai and is settled
      const later = await runSettlement(db, { from: '2017-09-01', to: '2017-09-01', now: new Date('2017-09-01T16:00:00Z') });
      expect(later.posted).toBe(2);
      expect(later.notEnded).toEqual([]);
    });

    it('refuses to settle a site that is not in the registry, naming it, instead of settling nothing', async () => {
      await expect(runSettlement(db, { from: '2017-07-01', to: '2017-07-01', sites: ['ry-dq-01', 'ry-dq-9'], now: new Date('2017-08-02T02:00:00Z') })).rejects.toThrow(
        'no site "ry-dq-9" in the registry; nothing settled',
      );
    });

    it('counts the day by each site own time zone', async () => {
      await importRegistry(db, [tempFile('sites.csv', 'id,name,capacity_kw,time_zone\nry-dq-02,东坑村二期,150,America/Los_Angeles\n')]);
      // 2017-09-02 06:00 UTC: 14:00 on the 2nd in Shanghai (the 1st has ended), 23:00 on the 1st in Los Angeles (it has not)
      const r = await runSettlement(db, { from: '2017-09-01', to: '2017-09-01', now: new Date('2017-09-02T06:00:00Z') });
      expect(r.notEnded).toEqual([{ site: 'ry-dq-02', from: '2017-09-01', to: '2017-09-01', timeZone: 'America/Los_Angeles' }]);
    });
  });
}
