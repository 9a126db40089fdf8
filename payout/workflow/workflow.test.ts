import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { putEnergy } from '../testing/fixture.ts';
import { APPROVER, PREPARER, putMonthEnergy, seedSites } from '../payments/testing/scene.ts';
import { runSettlement } from '../settle/run.ts';
import { payMonth } from '../payments/batch.ts';
import { approveMonth, draftMonth, postMonth } from './month.ts';
import { monthSteps, stateOf } from './steps.ts';

const pgUp = await postgresAvailable();
const FEB = (day: number) => new Date(`2024-02-${String(day).padStart(2, '0')}T02:00:00Z`);

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`the month's workflow on ${dialect}`, () => {
    let ledger: TestLedger | undefined;
    let db: Db;
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_workflow');
      db = ledger.db;
      await seedSites(db, 1, 2, '2024-01-01');
      await putMonthEnergy(db, ['pv001'], '2024-01', () => 20_000);
      await runSettlement(db, { from: '2024-01-01', to: '2024-01-30', now: FEB(1) });
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('refuses to approve a month that changed since it was posted, until it is drafted and posted again', async () => {
      await draftMonth(db, '2024-01', PREPARER, FEB(1));
      await postMonth(db, '2024-01', PREPARER, 7, FEB(1));
      await runSettlement(db, { from: '2024-01-31', to: '2024-01-31', now: FEB(2) }); // the last day, settled late
      await expect(approveMonth(db, '2024-01', APPROVER, FEB(8))).rejects.toMatchObject({ code: 'MONTH_CHANGED' });
      await draftMonth(db, '2024-01', PREPARER, FEB(8));
      await expect(approveMonth(db, '2024-01', APPROVER, FEB(8))).rejects.toMatchObject({ code: 'MONTH_STEP_REFUSED' }); // not posted again
      await postMonth(db, '2024-01', PREPARER, 2, FEB(8));
      await expect(approveMonth(db, '2024-01', APPROVER, FEB(9))).rejects.toThrow(/the 公示 runs until 2024-02-10/);
      await approveMonth(db, '2024-01', APPROVER, FEB(10));
      expect(stateOf(await monthSteps(db, '2024-01'))).toBe('approved');
    });

    it('marks a month whose every payment is held done when it is paid', async () => {
      await db.q.updateTable('households').set({ bank_account: '123' }).execute();
      const b = await payMonth(db, '2024-01', PREPARER, FEB(10));
      expect(b).toMatchObject({ items: 2, held: 2 });
      expect((await monthSteps(db, '2024-01')).map((s) => s.step).slice(-2)).toEqual(['batch', 'done']);
    });

    it('keeps an approved month immutable: no new draft, corrections paid in the next open month', async () => {
      await expect(draftMonth(db, '2024-01', PREPARER, FEB(11))).rejects.toMatchObject({ code: 'MONTH_STEP_REFUSED' });
      await expect(approveMonth(db, '2024-01', { name: 'another' }, FEB(11))).rejects.toMatchObject({ code: 'MONTH_STEP_REFUSED' });
      await putEnergy(db, 'pv001', 'meter', 'export_energy_wh', '2024-01-15', 25_000, { revision: 2 });
      await runSettlement(db, { from: '2024-01-15', to: '2024-01-15', now: new Date('2024-01-20T00:00:00Z') });
      const adj = await db.q.selectFrom('settlement_lines').select('payable_month').where('kind', '=', 'adjustment').execute();
      expect(adj.length).toBeGreaterThan(0);
      expect(adj.every((a) => a.payable_month === '2024-02')).toBe(true);
    });
  });
}
