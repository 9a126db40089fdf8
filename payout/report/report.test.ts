import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { daysFromTo } from '../../common/index.ts';
import { postTopups } from '../period/topup.ts';
import { importRegistry } from '../registry/import.ts';
import { runSettlement } from '../settle/run.ts';
import { EXAMPLE_REGISTRY, putEnergy } from '../testing/fixture.ts';
import { buildReport, buildStatement } from './build.ts';

const pgUp = await postgresAvailable();
const fen = (yuan: string) => {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(yuan);
  if (!m) throw new Error(`not an amount: ${yuan}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
};
const csvRows = (b: Buffer) => parse(b, { bom: true, relax_column_count: true });

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`payout reports on ${dialect}`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    const ledgerSum = async (month: string) =>
      Number((await db.get<{ n: number }>('SELECT SUM(amount_fen) AS n FROM settlement_lines WHERE payable_month = ?', [month]))!.n);

    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_report');
      db = ledger.db;
      await importRegistry(db, EXAMPLE_REGISTRY);
      // 2017: the pilot's meter reads 500 kWh a day (49,000 fen); the second site's three inverters 100 kWh each
      for (const day of daysFromTo('2017-01-01', '2017-12-31')) {
        await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', day, 500_000);
        if (day >= '2017-03-15') for (const inv of ['inv01', 'inv02', 'inv03']) await putEnergy(db, 'ry-dq-02', inv, 'ac_energy_wh', day, 100_000);
      }
      await runSettlement(db, { from: '2017-01-01', to: '2017-12-31', now: new Date('2018-01-01T01:00:00Z') });
      // a corrected day in June, known in July: paid with July
      await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-06-10', 600_000, { revision: 2 });
      await runSettlement(db, { from: '2017-06-10', to: '2017-06-10', now: new Date('2017-07-05T01:00:00Z') });
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('writes Excel-safe CSV whose totals reconcile with the ledger to the fen', async () => {
      const files = await buildReport(db, { month: '2017-06', format: 'csv' });
      expect([...files.keys()].sort()).toEqual(['company', 'households', 'notice', 'sites', 'statements'].map((n) => `payout-2017-06-${n}.csv`).sort());
      const hh = files.get('payout-2017-06-households.csv')!;
      expect(hh.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const rows = csvRows(hh);
      expect(rows[1]).toContain('户主姓名');
      expect(rows[1]).toContain('应付金额(元)');
      const net = rows[1]!.indexOf('应付金额(元)');
      const households = rows.slice(2);
      expect(households).toHaveLength(25); // 21 at the pilot (al007 ends on the 15th, al021 starts on the 16th) + 4
      const company = Object.fromEntries(csvRows(files.get('payout-2017-06-company.csv')!).slice(2).map(([k, v]) => [k!, fen(v!)] as const));
      const paidToHouseholds = households.reduce((a, r) => a + fen(r[net]!), 0);
      expect(paidToHouseholds).toBe(company['农户实付']);
      expect(paidToHouseholds + company['公司净得']!).toBe(await ledgerSum('2017-06'));
      expect(company['收益合计']).toBe(await ledgerSum('2017-06'));
      // 30 days x 490 fen for a full-month household; 15 days for al007, 15 for its replacement
      const byId = new Map(households.map((r) => [r[0], r]));
      expect(fen(byId.get('hh001')![net]!)).toBe(30 * 490);
      expect(fen(byId.get('hh007')![net]!)).toBe(15 * 490);
      expect(fen(byId.get('hh021')![net]!)).toBe(15 * 490);
    });

    it('pays the June correction in July as an adjustment, and the July report still reconciles', async () => {
      const m = csvRows((await buildReport(db, { month: '2017-07', format: 'csv', site: 'ry-dq-01' })).get('payout-2017-07-ry-dq-01-households.csv')!);
      const adj = m[1]!.indexOf('调整(元)');
      const hh1 = m.find((r) => r[0] === 'hh001')!;
      expect(fen(hh1[adj]!)).toBe(98); // 100 kWh more at 0.98 yuan, 1% share
      const st = csvRows((await buildStatement(db, { month: '2017-07', format: 'csv', household: 'hh001' })).get('statement-2017-07-hh001.csv')!);
      expect(st.find((r) => r[4] === '调整')).toEqual(expect.arrayContaining(['2017-06-10', 'ry-dq-01/2017-06-10/v1', '0.98']));
      expect(fen(st.at(-1)![8]!)).toBe(31 * 490 + 98);
    });

    it('deducts maintenance by policy and tops up to the target at year end, once', async () => {
      const first = await postTopups(db, 2017);
      // ry-dq-01 guarantees the minimum: 365 x 490 = 178,850 (+98) earned against 300,000
      expect(first.topups.find((t) => t.household_id === 'hh001')).toMatchObject({ target_fen: 300_000, earned_fen: 178_948, amount_fen: 121_052 });
      // hh007 held its share 166 days: target 300,000 x 166/365 = 136,438.36 -> 136,438
      expect(first.topups.find((t) => t.household_id === 'hh007')).toMatchObject({ target_fen: 136_438, earned_fen: 166 * 490 + 98 });
      expect(first.topups.every((t) => t.site_id === 'ry-dq-01')).toBe(true);
      expect((await postTopups(db, 2017)).posted).toBe(0);
      const files = await buildReport(db, { month: '2017-12', format: 'xlsx' });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(files.get('payout-2017-12.xlsx')! as unknown as ArrayBuffer);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['户明细', '电站汇总', '公司汇总', '公示', '对账单']);
      const ws = wb.getWorksheet('户明细')!;
      const head = ws.getRow(2).values as unknown[];
      const row = (id: string) => ws.getRows(3, ws.rowCount - 2)!.find((r) => r.getCell(1).value === id)!;
      const col = (h: string) => head.indexOf(h);
      expect(row('hh001').getCell(col('保底补足(元)')).value).toBe(1210.52);
      // hh007 left in June: no December lines, but its top-up is paid with December
      expect(row('hh007').getCell(col('保底补足(元)')).value).toBe(550);
      expect(row('hh007').getCell(col('应付金额(元)')).value).toBe(550);
      expect(ws.getColumn(col('应付金额(元)')).numFmt).toBe('#,##0.00');
      // ry-dq-02 deducts 20 per-mille: 300 kWh x 0.85 yuan x 3/150 = 510 fen a day, 31 days = 15,810 -> 316.2 -> 316 deducted
      const d = row('hh022');
      expect(d.getCell(col('运维扣除(元)')).value).toBe(3.16);
      expect(d.getCell(col('应付金额(元)')).value).toBe(154.94);
      const company = wb.getWorksheet('公司汇总')!;
      const item = (name: string) => Math.round(Number(company.getRows(3, company.rowCount - 2)!.find((r) => r.getCell(1).value === name)!.getCell(2).value) * 100);
      expect(item('农户实付') + item('公司净得')).toBe(await ledgerSum('2017-12'));
    });

    it('filters the public notice by village, without ID or account numbers', async () => {
      const files = await buildReport(db, { month: '2017-06', format: 'csv', village: '龙会村' });
      const notice = files.get('payout-2017-06-龙会村-notice.csv')!.toString('utf8');
      expect(notice).toContain('龙会村光伏扶贫收益公示（2017-06）');
      expect(csvRows(Buffer.from(notice)).slice(2)).toHaveLength(4);
      expect(notice).not.toMatch(/4402321\d{11}/);
    });
  });
}

describe('grid reads against telemetry', () => {
  it('shows each read beside the revenue meter or the inverters, with the difference', async () => {
    const db = await openLedger(':memory:');
    await importRegistry(db, EXAMPLE_REGISTRY);
    await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-07-01', 780_000);
    await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-07-01', 777_000, { revision: 2 });
    await putEnergy(db, 'ry-dq-02', 'inv01', 'ac_energy_wh', '2017-07-01', 100_000);
    const { importMeterReads } = await import('../registry/meter-reads.ts');
    const { reconcileReads } = await import('./reconcile.ts');
    const { tempFile } = await import('../testing/fixture.ts');
    await importMeterReads(db, tempFile('reads.csv', 'site,date,export_kwh\nry-dq-01,2017-07-01,777.5\nry-dq-02,2017-07-01,110\nry-dq-01,2017-07-02,800\n'));
    expect(await reconcileReads(db, '2017-07')).toEqual([
      { site_id: 'ry-dq-01', day: '2017-07-01', grid_wh: 777_500, meter_wh: 777_000, inverters_wh: null, diff_wh: -500, diff_permille: -1 },
      { site_id: 'ry-dq-01', day: '2017-07-02', grid_wh: 800_000, meter_wh: null, inverters_wh: null, diff_wh: null, diff_permille: null },
      { site_id: 'ry-dq-02', day: '2017-07-01', grid_wh: 110_000, meter_wh: null, inverters_wh: 100_000, diff_wh: -10_000, diff_permille: -91 },
    ]);
    await db.close();
  });
});
