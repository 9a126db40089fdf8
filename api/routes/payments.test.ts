import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { importReceipts, runSettlement } from '../../payout/index.ts';
import { putMonthEnergy, seedPaymentSites } from '../../payout/testing/index.ts';
import { buildApp } from '../app.ts';
import { createToken } from '../auth/tokens.ts';
import type { ErrorBody } from '../errors.ts';

const pgUp = await postgresAvailable();
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`the month's workflow through the API on ${dialect}`, () => {
    let ledger: TestLedger | undefined;
    let db: Db;
    let app: FastifyInstance;
    const t: Record<string, string> = {};
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_api_pay');
      db = ledger.db;
      await seedPaymentSites(db, 1, 3, '2024-01-01');
      await putMonthEnergy(db, ['pv001'], '2024-01', () => 30_000);
      await runSettlement(db, { from: '2024-01-01', to: '2024-01-31', now: new Date('2024-02-01T00:00:00Z') });
      for (const role of ['viewer', 'finance', 'approver', 'admin'] as const) t[role] = (await createToken(db, role, `${role}-pay`)).token;
      app = await buildApp({ db });
    });
    afterAll(async () => {
      await app?.close();
      await ledger?.close();
    });

    it('takes a month from draft to paid, refuses the preparer and the wrong roles, and audits every step', async () => {
      const post = (path: string, token: string, payload?: unknown) => app.inject({ method: 'POST', url: `/payout-months/2024-01/${path}`, headers: auth(token), payload: payload as object });
      expect((await post('draft', t.admin!)).statusCode).toBe(200);
      expect((await post('post', t.admin!, { days: 0 })).json<{ state: string }>().state).toBe('posted');
      const finance = await post('approve', t.finance!);
      expect(finance.statusCode).toBe(403);
      expect(finance.json<ErrorBody>().error.code).toBe('AUTH_FORBIDDEN');
      const preparer = await post('approve', t.admin!);
      expect(preparer.statusCode).toBe(403);
      expect(preparer.json<ErrorBody>().error.code).toBe('APPROVER_IS_PREPARER');
      expect((await post('approve', t.approver!)).json<{ state: string }>().state).toBe('approved');
      expect((await post('pay', t.finance!)).json<{ state: string }>().state).toBe('batch');
      const again = await post('pay', t.finance!);
      expect(again.statusCode).toBe(409);
      expect(again.json<ErrorBody>().error.code).toBe('MONTH_ALREADY_PAID');

      const viewer = await app.inject({ url: '/payout-months/2024-01/payment-file', headers: auth(t.viewer!) });
      expect(viewer.statusCode).toBe(403);
      const approver = await app.inject({ url: '/payout-months/2024-01/payment-file', headers: auth(t.approver!) });
      expect(approver.statusCode).toBe(403);
      const file = await app.inject({ url: '/payout-months/2024-01/payment-file?format=csv', headers: auth(t.finance!) });
      expect(file.statusCode).toBe(200);
      expect(file.body).toMatch(/\d{19}/); // full accounts, here only
      const figures = await app.inject({ url: '/payout-months/2024-01/figures', headers: auth(t.viewer!) });
      expect(figures.statusCode).toBe(200);
      expect(figures.body).not.toMatch(/\d{16}/);

      const refs = file.body.split('\r\n').slice(2, -2).map((line) => line.split(','));
      const results = ['业务参考号,状态,原因,金额', ...refs.map((r) => `${r[1]},成功,,${r[4]}`)].join('\n');
      const imported = await post('results', t.finance!, { name: 'results.csv', contentBase64: Buffer.from(results).toString('base64') });
      expect(imported.statusCode, imported.body).toBe(200);
      expect(imported.json<{ state: string }>().state).toBe('done');

      const log = await db.q.selectFrom('audit_log').select(['action', 'actor', 'details']).orderBy('at').execute();
      expect(log.map((l) => l.action)).toEqual(['payout.month.draft', 'payout.month.post', 'payout.month.approve', 'payout.month.pay', 'payout.payment_file', 'payout.results']);
      expect(JSON.parse(log.at(-1)!.details)).toMatchObject({ paid: 3, returned: 0 });
      const exportEntry = log.find((l) => l.action === 'payout.payment_file')!;
      const exported = JSON.parse(exportEntry.details) as { rows: number; sha256: string };
      expect(exportEntry.actor).toBe('finance-pay');
      expect(exported.rows).toBe(3);
      expect(exported.sha256).toBe(file.headers['x-sha256']);
    });

    it('lists the receipts reconciled against what accrued, with the difference per site and month', async () => {
      const f = join(mkdtempSync(join(tmpdir(), 'sunshare-api-receipts-')), 'grid.csv');
      // 930 kWh billed at 0.46 instead of 0.453: 427.80 received, 421.29 accrued
      writeFileSync(f, 'kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on\ngrid,pv001,2024-01,2024-01,930,427.80,G-1,2024-02-05');
      await importReceipts(db, [f]);
      const res = await app.inject({ url: '/receipt-checks?site=pv001&from=2024-01&to=2024-01', headers: auth(t.viewer!) });
      expect(res.json<{ items: unknown[] }>().items).toEqual([
        { receiptId: 'grid/pv001/G-1', reference: 'G-1', receivedOn: '2024-02-05', site: 'pv001', month: '2024-01', kind: 'grid', accruedWh: 930_000, statementWh: 930_000, accruedFen: 42_129, receivedFen: 42_780, differenceFen: 651, rule: 'amount_adjustment' },
      ]);
      expect((await app.inject({ url: '/receipt-checks?from=2024-13', headers: auth(t.viewer!) })).statusCode).toBe(400);
    });
  });
}
