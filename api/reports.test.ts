import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { daysFromTo } from '../common/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../common/testing/index.ts';
import { importRegistry, ledgerProvenance, runSettlement } from '../payout/index.ts';
import { EXAMPLE_REGISTRY, putEnergy } from '../payout/testing/index.ts';
import { buildApp } from './app.ts';
import { createToken } from './auth/tokens.ts';
import type { ErrorBody } from './errors.ts';
import { LiveStatusStore } from './live/store.ts';
import { payoutServiceFor } from './payout-wiring.ts';

const pgUp = await postgresAvailable();
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
interface StatementView { household: string; title: string; columns: { key: string; header: string }[]; rows: Record<string, unknown>[]; total: Record<string, unknown>; notes: string[] }

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`statements, printable notice and digests through the API (${dialect})`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    let app: FastifyInstance;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_api_reports');
      db = ledger.db;
      await importRegistry(db, EXAMPLE_REGISTRY);
      for (const day of daysFromTo('2017-06-01', '2017-07-31')) {
        await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', day, 500_000);
        for (const inv of ['inv01', 'inv02', 'inv03']) await putEnergy(db, 'ry-dq-02', inv, 'ac_energy_wh', day, 100_000);
      }
      await runSettlement(db, { from: '2017-06-01', to: '2017-07-31', now: new Date('2017-08-01T01:00:00Z') });
      await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-06-10', 600_000, { revision: 2 });
      await runSettlement(db, { from: '2017-06-10', to: '2017-06-10', now: new Date('2017-07-05T01:00:00Z') });
      for (const role of ['viewer', 'finance'] as const) tokens[role] = (await createToken(db, role, `${role}-reports`)).token;
      app = await buildApp({ db, live: new LiveStatusStore(), payout: await payoutServiceFor(db, silentLogger) });
    });
    afterAll(async () => {
      await app?.close();
      await ledger?.close();
    });

    it("serves one household's statement as JSON to finance (audited), with the correction's day, old and new energy and amount", async () => {
      const denied = await app.inject({ url: '/households/hh001/statement?month=2017-07', headers: auth(tokens.viewer!) });
      expect(denied.statusCode).toBe(403);
      const res = await app.inject({ url: '/households/hh001/statement?month=2017-07', headers: auth(tokens.finance!) });
      expect(res.statusCode).toBe(200);
      const st = res.json<StatementView>();
      expect(st.title).toContain('王秀英（hh001）');
      expect(st.columns.map((c) => c.key)).toEqual(expect.arrayContaining(['site_id', 'site_name', 'corrects_day', 'old_energy_wh', 'new_energy_wh', 'old_fen', 'new_fen', 'amount_fen']));
      const adj = st.rows.find((r) => r.item === '更正调整')!;
      expect(adj).toMatchObject({ corrects_day: '2017-06-10', old_energy_wh: 5000, new_energy_wh: 6000, old_fen: 490, new_fen: 588, amount_fen: 98, site_name: '大桥镇光伏扶贫电站一号' });
      expect(st.rows.filter((r) => r.item === '日收益')).toHaveLength(31);
      expect(st.total).toMatchObject({ household_id: '合计', amount_fen: 31 * 490 + 98 });
      expect(st.notes.some((n) => /账本摘要 SHA-256 [0-9a-f]{64}/.test(n))).toBe(true);
      const audit = await db.all<{ action: string; target: string }>("SELECT action, target FROM audit_log WHERE action = 'statement.view'");
      expect(audit).toEqual([{ action: 'statement.view', target: 'hh001' }]);
      const unknown = await app.inject({ url: '/households/nobody/statement?month=2017-07', headers: auth(tokens.finance!) });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json<ErrorBody>().error.code).toBe('HOUSEHOLD_NOT_FOUND');
    });

    it('downloads the same statement as a file, xlsx by default like every report', async () => {
      const res = await app.inject({ url: '/reports/statements?month=2017-07&household=hh001', headers: auth(tokens.finance!) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      expect(res.headers['content-disposition']).toContain('statement-2017-07-hh001.xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      const ids = new Set<string>();
      ws.eachRow((r, n) => n > 2 && r.getCell(1).text !== '' && !r.getCell(1).text.includes('：') && ids.add(r.getCell(1).text));
      expect([...ids].sort()).toEqual(['hh001', '合计']);
    });

    it('prints the 公示 of a village as a PDF, or of every village, a section each', async () => {
      const pdf = await app.inject({ url: `/reports/notice?month=2017-06&village=${encodeURIComponent('东光村')}&format=pdf`, headers: auth(tokens.finance!) });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      // without a village: every village's notice, each from a new page with its own page numbers
      const all = await app.inject({ url: '/reports/notice?month=2017-06&format=pdf', headers: auth(tokens.finance!) });
      expect(all.statusCode).toBe(200);
      const file = join(mkdtempSync(join(tmpdir(), 'sunshare-api-notice-')), 'all.pdf');
      writeFileSync(file, all.rawPayload);
      const pages = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim() !== '');
      expect(pages).toHaveLength(2);
      expect(pages[0]).toContain('东光村光伏扶贫收益公示（2017-06）');
      expect(pages[1]).toContain('龙会村光伏扶贫收益公示（2017-06）');
      for (const p of pages) expect(p).toMatch(/第\s*1\s*页\s*\/\s*共\s*1\s*页/);
      const households = await app.inject({ url: '/reports/households?month=2017-06&format=pdf', headers: auth(tokens.finance!) });
      expect(households.json<ErrorBody>().error.code).toBe('REPORT_FORMAT_UNSUPPORTED');
    });

    it('gives the digest a report would carry, and says whether a printed one still matches the ledger', async () => {
      const q = `month=2017-07&village=${encodeURIComponent('东光村')}`;
      const now = (await app.inject({ url: `/reports/digest?${q}`, headers: auth(tokens.viewer!) })).json<{ digest: string; run: string; rows: number }>();
      const p = await ledgerProvenance(db, { month: '2017-07', village: '东光村' });
      expect(now).toEqual({ month: '2017-07', run: p.run_id, digest: p.digest, rows: p.rows });
      const same = await app.inject({ url: `/reports/digest?${q}&digest=${p.digest}`, headers: auth(tokens.viewer!) });
      expect(same.json()).toMatchObject({ matches: true, digest: p.digest });
      const other = await app.inject({ url: `/reports/digest?${q}&digest=${'0'.repeat(64)}`, headers: auth(tokens.viewer!) });
      expect(other.statusCode).toBe(409);
      expect(other.json<ErrorBody>().error.code).toBe('REPORT_DIGEST_MISMATCH');
    });
  });
}
