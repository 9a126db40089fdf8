import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { runSettlement } from '../settle/run.ts';
import { approveMonth, draftMonth, postMonth } from '../workflow/month.ts';
import { payMonth } from './batch.ts';
import { encodeText, exportPaymentFile } from './file.ts';
import { loadItems } from './items.ts';
import { registerCollective, setSitePolicy } from './policy.ts';
import { writeNotice } from '../workflow/notice.ts';
import { importResults } from './results.ts';
import { builtInTemplates, loadTemplate } from './template.ts';
import { APPROVER, PREPARER, putMonthEnergy, seedSites } from './testing/scene.ts';

const pgUp = await postgresAvailable();
const NOW = new Date('2024-02-05T02:00:00Z');

describe('payment file templates', () => {
  it('validates every built-in template, the generic one among them', () => {
    expect(builtInTemplates()).toContain('generic');
    for (const name of builtInTemplates()) expect(loadTemplate(name).name).toBe(name);
  });
  it('refuses a template without its check row, naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-tpl-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, readFileSync(join(import.meta.dirname, 'templates', 'generic.yaml'), 'utf8').replace('cells: ["合计", "{count}", "", "", "{total}", ""]', 'cells: ["合计"]'));
    expect(() => loadTemplate(file)).toThrow(expect.objectContaining({ code: 'PAYMENT_TEMPLATE_INVALID', details: ['/control/cells: the check row needs {count} and {total}'] }));
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`payment files on ${dialect}`, () => {
    let ledger: TestLedger | undefined;
    let db: Db;
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-payfile-'));
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_payfile');
      db = ledger.db;
      await seedSites(db, 1, 3, '2024-01-01');
      await db.q.updateTable('households').set({ name: '张三丰' }).where('id', '=', 'pv001-h01').execute();
      await putMonthEnergy(db, ['pv001'], '2024-01', () => 33_333);
      await runSettlement(db, { from: '2024-01-01', to: '2024-01-31', now: NOW });
      await draftMonth(db, '2024-01', PREPARER, NOW);
      await postMonth(db, '2024-01', PREPARER, 0, NOW);
      await approveMonth(db, '2024-01', APPROVER, NOW);
      await payMonth(db, '2024-01', PREPARER, NOW);
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('writes a GBK file that reads back byte for byte, with its count and total check row, and audits the export', async () => {
      const r = await exportPaymentFile(db, { month: '2024-01', payer: 'default', format: 'csv', template: 'county-bank-gbk', by: 'finance-zhao', out: dir, now: NOW });
      const items = await loadItems(db, { month: '2024-01' });
      const total = items.reduce((a, i) => a + i.amount_fen, 0);
      const expected = [
        '批量代发|default|2024-02-05',
        `总笔数|3|总金额|${total}`,
        ...items.map((i) => `${i.account}|${i.account_name}|${i.amount_fen}|光伏收益2024-01|${i.id}`),
      ].join('\r\n') + '\r\n';
      const bytes = readFileSync(r.path);
      expect(bytes.equals(iconv.encode(expected, 'gbk'))).toBe(true);
      expect(bytes.includes(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0xb7, 0xe1]))).toBe(true); // 张三丰 in GBK
      expect(iconv.decode(bytes, 'gbk')).toBe(expected);
      expect(items.every((i) => /^\d{19}$/.test(i.account))).toBe(true); // the full account, in this file only
      const audit = await db.q.selectFrom('payment_exports').selectAll().where('template', '=', 'county-bank-gbk').executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ exported_by: 'finance-zhao', rows: 3, sha256: createHash('sha256').update(bytes).digest('hex') });
      expect(Number(audit.total_fen)).toBe(total);
    });

    it('writes XLSX with the generic layout and the check row at the bottom', async () => {
      const r = await exportPaymentFile(db, { month: '2024-01', payer: 'default', format: 'xlsx', by: 'finance-zhao', out: dir, now: NOW });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(r.path);
      const rows = wb.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
      expect(rows).toHaveLength(1 + 1 + 3 + 1);
      const last = rows.at(-1)!;
      expect(last.slice(1, 3)).toEqual(['合计', '3']);
      const amounts = rows.slice(2, 5).map((row) => row[5] as number);
      expect(String(last[5])).toBe((Math.round(amounts.reduce((a, x) => a + x, 0) * 100) / 100).toFixed(2));
      expect(r.sha256).toBe(createHash('sha256').update(readFileSync(r.path)).digest('hex'));
    });

    it('goes on in the next XLSX sheet, under the same titles, when a sheet is full', async () => {
      const r = await exportPaymentFile(db, { month: '2024-01', payer: 'default', format: 'xlsx', by: 'finance-zhao', out: join(dir, 'sheets'), now: NOW, rowsPerSheet: 2 });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(r.path);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['2024-01', '2024-01-2']);
      const second = wb.worksheets[1]!.getSheetValues().filter(Boolean) as unknown[][];
      expect(second[0]!.slice(1, 3)).toEqual(['序号', '业务参考号']);
      expect(second[1]![1]).toBe('3');
      expect(second.at(-1)!.slice(1, 3)).toEqual(['合计', '3']);
    });

    it('writes the printable 公示 notice with its posting period, collectives apart', async () => {
      await registerCollective(db, 'pv001-h03', '村0');
      const file = await writeNotice(db, '2024-01', '2024-02-05', '2024-02-12', dir);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file.xlsx);
      const text = JSON.stringify(wb.worksheets[0]!.getSheetValues());
      expect(text).toContain('公示期 2024-02-05 至 2024-02-12');
      expect(text).toContain('张三丰');
      expect(text).toContain('村集体');
      // the printable PDF, read back as text
      const pdf = execFileSync('pdftotext', ['-layout', file.pdf, '-'], { encoding: 'utf8' });
      expect(pdf).toContain('公示期 2024-02-05 至 2024-02-12');
      expect(pdf).toMatch(/张三丰\s+农户/);
      expect(pdf).toContain('村集体');
      // the 合计 is the sum of the printed rows' amounts
      const amounts = [...pdf.matchAll(/(?:农户|村集体)\s+\S+\s+(\d+\.\d\d)\s*$/gm)].map((m) => Math.round(Number(m[1]) * 100));
      expect(amounts).toHaveLength(3);
      expect(pdf).toMatch(new RegExp(`合计\\s+${(amounts.reduce((a, b) => a + b, 0) / 100).toFixed(2)}`));
      expect(pdf).toContain('第1页/共1页');
    });

    it('refuses a name GBK cannot hold instead of sending "?" to the bank', () => {
      const gbk = loadTemplate('county-bank-gbk');
      expect(encodeText(gbk, '张三丰').equals(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0xb7, 0xe1]))).toBe(true);
      expect(() => encodeText(gbk, '6222|王😀|100')).toThrow(/has no "😀"/);
    });

    it('pays no later month while the earlier file has payments without results', async () => {
      await putMonthEnergy(db, ['pv001'], '2024-02', () => 33_333);
      await runSettlement(db, { from: '2024-02-01', to: '2024-02-29', now: new Date('2024-03-01T00:00:00Z') });
      const mar = new Date('2024-03-02T02:00:00Z');
      await draftMonth(db, '2024-02', PREPARER, mar);
      await postMonth(db, '2024-02', PREPARER, 0, mar);
      await approveMonth(db, '2024-02', APPROVER, mar);
      await expect(payMonth(db, '2024-02', PREPARER, mar)).rejects.toMatchObject({ code: 'PAYMENT_RESULTS_PENDING', message: expect.stringContaining('2024-01') as unknown });
      expect(await loadItems(db, { month: '2024-02' })).toEqual([]);
    });

    it('keeps a site on the payer account it was paid from', async () => {
      await expect(setSitePolicy(db, 'pv001', 'receipt', 'another-account', 'admin')).rejects.toMatchObject({ code: 'PAYOUT_POLICY_INVALID' });
      await expect(setSitePolicy(db, 'pv001', 'bank', 'default', 'admin')).rejects.toMatchObject({ code: 'PAYOUT_POLICY_INVALID' });
      expect(await setSitePolicy(db, 'pv001', 'accrual', 'default', 'admin')).toEqual({ policy: 'accrual', payer_account: 'default' });
    });

    it('refuses a result file with an unknown status, a return without reason or another amount, listing each', async () => {
      const items = await loadItems(db, { month: '2024-01' });
      const file = join(dir, 'bad-results.csv');
      writeFileSync(file, ['业务参考号,状态,原因,金额', `${items[0]!.id},maybe,,${items[0]!.amount_fen / 100}`, `${items[1]!.id},退回,,0.01`].join('\n'));
      await expect(importResults(db, file, { by: { name: 'x' } })).rejects.toMatchObject({
        code: 'PAYMENT_RESULTS_INVALID',
        details: [
          'bad-results.csv line 2 column 状态: "maybe" is neither paid (paid, 成功, 已付) nor returned (returned, 失败, 退回, 退票)',
          'bad-results.csv line 3 column 原因: a returned payment needs its reason',
          `bad-results.csv line 3 column 金额: "0.01" is not the amount sent for ${items[1]!.id}`,
        ],
      });
    });

    it('imports the bank result file in GBK: paid, and returned with its reason', async () => {
      const items = await loadItems(db, { month: '2024-01' });
      const file = join(dir, 'result.csv');
      writeFileSync(file, iconv.encode(['流水号|处理结果|失败原因', `${items[0]!.id}|成功|`, `${items[1]!.id}|失败|户名不符`, `${items[2]!.id}|成功|`].join('\r\n'), 'gbk'));
      const out = await importResults(db, file, { template: 'county-bank-gbk', by: { name: 'finance-zhao' } });
      expect(out).toMatchObject({ paid: 2, returned: 1, done: ['2024-01'] });
      const after = await loadItems(db, { month: '2024-01' });
      expect(after[1]).toMatchObject({ status: 'returned', reason: '户名不符' });
      expect(await importResults(db, file, { template: 'county-bank-gbk', by: { name: 'finance-zhao' } })).toMatchObject({ paid: 0, unchanged: 3 });
      const changed = join(dir, 'result2.csv');
      writeFileSync(changed, iconv.encode(['流水号|处理结果|失败原因', `${items[1]!.id}|成功|`, 'NOPE|成功|'].join('\r\n'), 'gbk'));
      await expect(importResults(db, changed, { template: 'county-bank-gbk', by: { name: 'x' } })).rejects.toMatchObject({
        code: 'PAYMENT_RESULTS_INVALID',
        details: [expect.stringContaining('was imported as returned before'), expect.stringContaining('no payment "NOPE"')],
      });
      // the earlier month answered, the next one can be paid
      expect((await payMonth(db, '2024-02', PREPARER, new Date('2024-03-02T02:00:00Z'))).items).toBe(3);
    });
  });
}
