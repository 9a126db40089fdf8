import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { daysFromTo } from '../../common/index.ts';
import { loadMonth } from '../period/month.ts';
import { closeMonth } from '../period/close.ts';
import { postTopups } from '../period/topup.ts';
import { importRegistry } from '../registry/import.ts';
import { runSettlement } from '../settle/run.ts';
import { EXAMPLE_REGISTRY, putEnergy } from '../testing/fixture.ts';
import { buildReport, buildStatement } from './build.ts';
import { ledgerProvenance, verifyDigest } from './provenance.ts';
import { loadReportMonth } from './view.ts';

const pgUp = await postgresAvailable();
const fen = (yuan: string) => {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(yuan);
  if (!m) throw new Error(`not an amount: ${yuan}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
};
const wh = (kwh: string) => Math.round(Number(kwh) * 1000);
const csvRows = (b: Buffer): string[][] => parse(b, { bom: true, relax_column_count: true });
/** A report CSV split into its parts: title, header, body rows, the 合计 row and the notes under it. */
function parts(b: Buffer) {
  const rows = csvRows(b);
  const header = rows[1]!;
  const totalAt = rows.findIndex((r, i) => i > 1 && r[0] === '合计');
  expect(totalAt, 'a 合计 row').toBeGreaterThan(1);
  return { title: rows[0]![0]!, header, body: rows.slice(2, totalAt), total: rows[totalAt]!, notes: rows.slice(totalAt + 1).map((r) => r[0]!), col: (h: string) => header.indexOf(h) };
}
const DIGEST = /账本摘要 SHA-256 ([0-9a-f]{64})/;
const digests: Record<string, string> = {};

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
        await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', day, 500_000, day === '2017-06-03' ? { flags: 'gap,no_next' } : {});
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

    it('ends every table with a 合计 row that adds up its rows, and reconciles with the ledger to the fen', async () => {
      const files = await buildReport(db, { month: '2017-06', format: 'csv' });
      expect([...files.keys()].sort()).toEqual(['company', 'households', 'notice', 'sites', 'statements'].map((n) => `payout-2017-06-${n}.csv`).sort());
      const hh = files.get('payout-2017-06-households.csv')!;
      expect(hh.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      for (const [name, csv] of files) {
        const t = parts(csv);
        for (const h of t.header) {
          if (!/\((元|kWh|kW)[,)]/.test(h)) continue;
          const c = t.col(h);
          const add = h.includes('元') ? fen : wh;
          if (/原|新/.test(h)) continue; // before/after of a correction: not summed
          expect(add(t.total[c]!), `${name} ${h}`).toBe(t.body.reduce((a, r) => a + (r[c] ? add(r[c]) : 0), 0));
        }
      }
      const h = parts(hh);
      expect(h.header).toContain('户主姓名');
      expect(h.body).toHaveLength(25); // 21 at the pilot (al007 ends on the 15th, al021 starts on the 16th) + 4
      const net = h.col('本月实付(元)');
      const company = parts(files.get('payout-2017-06-company.csv')!);
      expect(company.header).toEqual(['项目', '农户(元)', '公司(元)', '合计(元)']);
      const [householdsNet, companyNet, revenue] = company.total.slice(1).map(fen);
      expect(fen(h.total[net]!)).toBe(householdsNet);
      expect(householdsNet! + companyNet!).toBe(await ledgerSum('2017-06'));
      expect(revenue).toBe(await ledgerSum('2017-06'));
      const byId = new Map(h.body.map((r) => [r[0], r]));
      expect(fen(byId.get('hh001')![net]!)).toBe(30 * 490);
      expect(fen(byId.get('hh007')![net]!)).toBe(15 * 490);
      expect(fen(byId.get('hh021')![net]!)).toBe(15 * 490);
    });

    it('names every site the same way in every table: 电站编号 and 电站名称 side by side', async () => {
      const files = await buildReport(db, { month: '2017-06', format: 'csv' });
      const names = new Map([['ry-dq-01', '大桥镇光伏扶贫电站一号'], ['ry-dq-02', '大桥镇光伏扶贫电站二号']]);
      for (const [name, csv] of files) {
        if (name.endsWith('company.csv')) continue; // no sites in it
        const t = parts(csv);
        const id = t.col('电站编号');
        expect(t.col('电站名称'), name).toBe(id + 1);
        expect(t.header.filter((x) => x === '电站'), name).toEqual([]);
        for (const r of t.body) expect(r[id + 1], `${name} ${r[id]}`).toBe(names.get(r[id]!));
      }
    });

    it('shows an adjustment with the day it corrects, the old and new energy and the old and new amount', async () => {
      const m = parts((await buildReport(db, { month: '2017-07', format: 'csv', site: 'ry-dq-01' })).get('payout-2017-07-ry-dq-01-households.csv')!);
      const hh1 = m.body.find((r) => r[0] === 'hh001')!;
      expect(fen(hh1[m.col('调整(元)')]!)).toBe(98); // 100 kWh more at 0.98 yuan, 1% share
      // the month's energy includes the correction's 1 kWh: no money next to 0 kWh
      expect(wh(hh1[m.col('发电量(kWh)')]!)).toBe(31 * 5000 + 1000);
      const st = parts((await buildStatement(db, { month: '2017-07', format: 'csv', household: 'hh001' })).get('statement-2017-07-hh001.csv')!);
      expect(st.title).toContain('王秀英（hh001）');
      const adj = st.body.find((r) => r[st.col('项目')] === '更正调整')!;
      const cell = (h: string) => adj[st.col(h)];
      expect(cell('更正日期')).toBe('2017-06-10');
      expect(cell('结算单号')).toBe('ry-dq-01/2017-06-10/v2');
      expect([cell('原电量(kWh)'), cell('新电量(kWh)'), cell('发电量(kWh)')]).toEqual(['5.000', '6.000', '1.000']);
      expect([cell('原金额(元)'), cell('新金额(元)'), cell('金额(元)')]).toEqual(['4.90', '5.88', '0.98']);
      expect(fen(st.total[st.col('金额(元)')]!)).toBe(31 * 490 + 98);
      expect(st.notes.some((n) => n.startsWith('更正调整'))).toBe(true);
    });

    it('shows data flags in Chinese with a legend under the statement', async () => {
      const st = parts((await buildStatement(db, { month: '2017-06', format: 'csv', household: 'hh001' })).get('statement-2017-06-hh001.csv')!);
      const flagged = st.body.find((r) => r[st.col('日期')] === '2017-06-03')!;
      expect(flagged[st.col('数据标记')]).toBe('数据缺口、缺后读数');
      expect(st.body.filter((r) => r[st.col('数据标记')] !== '')).toHaveLength(1);
      expect(st.notes).toContain('数据标记说明：');
      expect(st.notes.some((n) => n.startsWith('数据缺口（gap）：'))).toBe(true);
      expect(st.notes.some((n) => n.startsWith('缺后读数（no_next）：'))).toBe(true);
      expect(st.notes.join('\n')).not.toMatch(/^(no_data|gap|no_next)$/m);
      // a month without flags has no legend
      const july = parts((await buildStatement(db, { month: '2017-08', format: 'csv', household: 'hh001' })).get('statement-2017-08-hh001.csv')!);
      expect(july.notes).not.toContain('数据标记说明：');
    });

    it('puts the month and the year to date of the notice on the same (net) basis, and says so', async () => {
      // ry-dq-02 deducts 20 per-mille and its households start in April: in April their year to date is the month
      const april = await loadReportMonth(db, { month: '2017-04', site: 'ry-dq-02' });
      expect(april.households).toHaveLength(4);
      for (const h of april.households) {
        expect(h.deduction_fen).toBeGreaterThan(0);
        expect(h.ytd_fen).toBe(h.net_fen);
      }
      // later: the year to date is the sum of the months' net amounts
      const dec = await loadReportMonth(db, { month: '2017-12', site: 'ry-dq-02' });
      expect(dec.households).toHaveLength(4);
      const months = ['04', '05', '06', '07', '08', '09', '10', '11', '12'];
      const nets = [];
      for (const mm of months) nets.push(await loadMonth(db, { month: `2017-${mm}`, site: 'ry-dq-02' }));
      for (const h of dec.households) {
        expect(h.ytd_fen).toBe(nets.reduce((a, m) => a + (m.households.find((x) => x.household_id === h.household_id)?.net_fen ?? 0), 0));
      }
      const notice = parts((await buildReport(db, { month: '2017-04', format: 'csv', village: '龙会村' })).get('payout-2017-04-龙会村-notice.csv')!);
      expect(notice.body).toHaveLength(4);
      expect(notice.header).toEqual(expect.arrayContaining(['本月实付(元)', '本年累计实付(元)']));
      expect(notice.notes[0]).toBe('金额均为实付金额：已扣除运维费，含保底补足；本月与本年累计口径相同。');
      for (const r of notice.body) expect(r[notice.col('本年累计实付(元)')]).toBe(r[notice.col('本月实付(元)')]);
    });

    it('projects each household at its own pace over the share-days it holds', async () => {
      const june = await loadReportMonth(db, { month: '2017-06', site: 'ry-dq-01' });
      const h = (id: string) => june.households.find((x) => x.household_id === id)!;
      // a full-year household: 181 settled days at 490 fen, 184 to go
      expect(h('hh001')).toMatchObject({ earned_fen: 181 * 490, projection_fen: 365 * 490 });
      // joined on 06-16: 15 days earned at its own pace, then July to December
      expect(h('hh021')).toMatchObject({ earned_fen: 15 * 490, projection_fen: (15 + 184) * 490 });
      // left on 06-15: what it earned, nothing more
      expect(h('hh007')).toMatchObject({ earned_fen: 166 * 490, projection_fen: 166 * 490 });
    });

    it('deducts maintenance by policy and tops up to the target at year end, once', async () => {
      const first = await postTopups(db, 2017);
      expect(first.topups.find((t) => t.household_id === 'hh001')).toMatchObject({ target_fen: 300_000, earned_fen: 178_948, amount_fen: 121_052 });
      expect(first.topups.find((t) => t.household_id === 'hh007')).toMatchObject({ target_fen: 136_438, earned_fen: 166 * 490 + 98 });
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
      expect(row('hh007').getCell(col('保底补足(元)')).value).toBe(550);
      expect(row('hh007').getCell(col('本月实付(元)')).value).toBe(550);
      expect(ws.getColumn(col('本月实付(元)')).numFmt).toBe('#,##0.00');
      const d = row('hh022');
      expect(d.getCell(col('运维扣除(元)')).value).toBe(3.16);
      expect(d.getCell(col('本月实付(元)')).value).toBe(154.94);
      const total = row('合计');
      expect(total.font.bold).toBe(true);
      const company = wb.getWorksheet('公司汇总')!;
      const sumRow = company.getRows(3, company.rowCount - 2)!.find((r) => r.getCell(1).value === '合计')!;
      expect(Math.round(Number(sumRow.getCell(2).value) * 100) + Math.round(Number(sumRow.getCell(3).value) * 100)).toBe(await ledgerSum('2017-12'));
    });

    it('carries the settlement run and the ledger digest on every sheet, and the digest matches the ledger until it changes', async () => {
      const files = await buildReport(db, { month: '2017-09', format: 'xlsx', village: '东光村' });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(files.get('payout-2017-09-东光村.xlsx')! as unknown as ArrayBuffer);
      const p = await ledgerProvenance(db, { month: '2017-09', village: '东光村' });
      expect(p.run_id).not.toBe('');
      for (const ws of wb.worksheets) {
        const notes: string[] = [];
        ws.eachRow((r) => notes.push(r.getCell(1).text));
        const line = notes.find((n) => DIGEST.test(n));
        expect(line, ws.name).toBeDefined();
        expect(DIGEST.exec(line!)![1]).toBe(p.digest);
        expect(line).toContain(`结算批次 ${p.run_id}`);
      }
      await expect(verifyDigest(db, { month: '2017-09', village: '东光村', digest: p.digest })).resolves.toMatchObject({ digest: p.digest });
      // another village's notice, or another month, has another digest
      expect((await ledgerProvenance(db, { month: '2017-09', village: '龙会村' })).digest).not.toBe(p.digest);
      digests[dialect] = p.digest;
      // canonical: the same rows give the same digest on SQLite and PostgreSQL
      if (dialect === 'postgres' && digests.sqlite) expect(p.digest).toBe(digests.sqlite);
      const july = await ledgerProvenance(db, { month: '2017-07', village: '东光村' });
      // a correction of an August day, payable in September, changes the ledger: the printed digest no longer matches
      await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-08-20', 510_000, { revision: 2 });
      await runSettlement(db, { from: '2017-08-20', to: '2017-08-20', now: new Date('2017-09-05T01:00:00Z') });
      await expect(verifyDigest(db, { month: '2017-09', village: '东光村', digest: p.digest })).rejects.toMatchObject({ code: 'REPORT_DIGEST_MISMATCH' });
      // ... and leaves the months before it as they were
      expect((await ledgerProvenance(db, { month: '2017-07', village: '东光村' })).digest).toBe(july.digest);
    });

    it('filters the public notice by village, without ID or account numbers', async () => {
      const files = await buildReport(db, { month: '2017-06', format: 'csv', village: '龙会村' });
      const notice = files.get('payout-2017-06-龙会村-notice.csv')!.toString('utf8');
      expect(notice).toContain('龙会村光伏扶贫收益公示（2017-06）');
      expect(parts(Buffer.from(notice)).body).toHaveLength(4);
      expect(notice).not.toMatch(/4402321\d{11}/);
    });

    it('counts a closed month in the year to date with the deduction it was closed with', async () => {
      for (const m of ['2017-01', '2017-02', '2017-03', '2017-04']) await closeMonth(db, m);
      // the policy changes after April was closed: May deducts 50 per-mille, April keeps its 20
      await db.q.updateTable('site_policies').set({ maintenance_permille: 50 }).where('site_id', '=', 'ry-dq-02').execute();
      const april = await loadMonth(db, { month: '2017-04', site: 'ry-dq-02' });
      const may = await loadReportMonth(db, { month: '2017-05', site: 'ry-dq-02' });
      expect(may.households).toHaveLength(4);
      for (const h of may.households) {
        const m = april.households.find((x) => x.household_id === h.household_id)!;
        expect(m.deduction_fen).toBe(Math.floor(((m.daily_fen + m.adjustment_fen) * 20) / 1000));
        expect(h.deduction_fen).toBe(Math.floor(((h.daily_fen + h.adjustment_fen) * 50) / 1000));
        expect(h.ytd_fen).toBe(h.net_fen + m.net_fen);
      }
    });
  });
}

describe('grid reads against telemetry', () => {
  it('shows each read beside the revenue meter or the inverters, with the difference, the site names and a 合计', async () => {
    const db = await openLedger(':memory:');
    await importRegistry(db, EXAMPLE_REGISTRY);
    await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-07-01', 780_000);
    await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-07-01', 777_000, { revision: 2 });
    await putEnergy(db, 'ry-dq-02', 'inv01', 'ac_energy_wh', '2017-07-01', 100_000);
    const { importMeterReads } = await import('../registry/meter-reads.ts');
    const { reconcileReads } = await import('./reconcile.ts');
    const { buildReconciliation } = await import('./build.ts');
    const { tempFile } = await import('../testing/fixture.ts');
    await importMeterReads(db, tempFile('reads.csv', 'site,date,export_kwh\nry-dq-01,2017-07-01,777.5\nry-dq-02,2017-07-01,110\nry-dq-01,2017-07-02,800\n'));
    expect(await reconcileReads(db, '2017-07')).toEqual([
      { site_id: 'ry-dq-01', day: '2017-07-01', grid_wh: 777_500, meter_wh: 777_000, inverters_wh: null, diff_wh: -500, diff_permille: -1 },
      { site_id: 'ry-dq-01', day: '2017-07-02', grid_wh: 800_000, meter_wh: null, inverters_wh: null, diff_wh: null, diff_permille: null },
      { site_id: 'ry-dq-02', day: '2017-07-01', grid_wh: 110_000, meter_wh: null, inverters_wh: 100_000, diff_wh: -10_000, diff_permille: -91 },
    ]);
    const t = parts((await buildReconciliation(db, { month: '2017-07', format: 'csv' })).get('reads-2017-07.csv')!);
    expect(t.body.map((r) => r[1])).toEqual(['大桥镇光伏扶贫电站一号', '大桥镇光伏扶贫电站一号', '大桥镇光伏扶贫电站二号']);
    expect(t.total[t.col('电网抄表(kWh)')]).toBe('1687.500');
    expect(t.notes[0]).toMatch(/摘要 SHA-256 [0-9a-f]{64}（3 行）/);
    await db.close();
  });
});
