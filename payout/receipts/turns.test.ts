import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextMonth } from '../../common/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { putMonthEnergy, seedSites } from '../payments/testing/scene.ts';
import { runSettlement } from '../settle/run.ts';
import { siteMonthAccrual } from './accrued.ts';
import { importReceipts } from './import.ts';

const pgUp = await postgresAvailable();
const MONTHS = ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12'];

// Three households and the company with 3 kW each: a grid statement 2 fen over what accrued, month after
// month, leaves 2 spare fen among four equal parties each time. A fixed tie-break would hand them to the
// same two households every month (24 fen apart after a year); taking turns keeps everyone within 1 fen.
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`receipt differences over a year on ${dialect}`, () => {
    let ledger: TestLedger;
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-receipt-turns-'));
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_receipt_turns');
      await seedSites(ledger.db, 1, 3, '2024-01-01');
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('splits each month\'s amount difference so that equal shares stay within 1 fen of each other', async () => {
      const db = ledger.db;
      for (const month of MONTHS) {
        await putMonthEnergy(db, ['pv001'], month, () => 12_000);
        await runSettlement(db, { from: `${month}-01`, to: `${month}-28`, now: new Date(`${nextMonth(month)}-02T00:00:00Z`) });
        const accrued = await siteMonthAccrual(db, 'pv001', month);
        const file = join(dir, `grid-${month}.csv`);
        writeFileSync(file, `kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on\ngrid,pv001,${month},${month},${accrued.energy_wh / 1000},${((accrued.grid_fen + 2) / 100).toFixed(2)},G-${month},${nextMonth(month)}-10\n`);
        const r = await importReceipts(db, [file]);
        expect(r.checks.map((c) => [c.difference_fen, c.rule])).toEqual([[2, 'amount_adjustment']]);
      }
      const rows = await db.q.selectFrom('receipt_adjustments').select(['household_id', (eb) => eb.fn.sum<number>('amount_fen').as('fen')]).groupBy('household_id').execute();
      const got = new Map(rows.map((r) => [r.household_id, Number(r.fen)]));
      const households = [...got.keys()].filter((h) => h !== '');
      expect(households).toHaveLength(3);
      const fen = [...households.map((h) => got.get(h)!), got.get('') ?? 0];
      expect(fen.reduce((a, b) => a + b, 0)).toBe(2 * MONTHS.length);
      expect(Math.max(...fen) - Math.min(...fen), JSON.stringify([...got])).toBeLessThanOrEqual(1);
    });
  });
}
