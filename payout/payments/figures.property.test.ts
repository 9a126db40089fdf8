import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { monthDays, nextMonth } from '../../common/index.ts';
import { openTestLedger } from '../../common/testing/index.ts';
import { formatKwh, formatYuan } from '../money/revenue.ts';
import { importReceipts } from '../receipts/import.ts';
import { runSettlement } from '../settle/run.ts';
import { monthFigures } from './figures.ts';
import { setSitePolicy } from './policy.ts';
import { GRID_RATE, putMonthEnergy, runMonth, seedSites } from './testing/scene.ts';

const MONTHS = ['2024-01', '2024-02', '2024-03'];
const HOUSEHOLDS = ['pv001-h01', 'pv001-h02', 'pv001-h03'];
const Month = fc.record({
  dayWh: fc.integer({ min: 0, max: 80_000 }),
  gridArrives: fc.boolean(),
  energyDiffWh: fc.constantFrom(0, 0, 1, -1_000, 2_500),
  priceDiffFen: fc.integer({ min: -500, max: 500 }),
  returned: fc.integer({ min: 0, max: 7 }),
  noAccount: fc.integer({ min: 0, max: 7 }),
});
const Scenario = fc.record({ policy: fc.constantFrom('accrual', 'receipt'), months: fc.tuple(Month, Month, Month), subsidyDiffFen: fc.integer({ min: -3_000, max: 3_000 }) });
const pick = (mask: number) => HOUSEHOLDS.filter((_, i) => mask & (1 << i));

async function invariantHolds(db: Db, month: string): Promise<void> {
  const f = await monthFigures(db, month);
  for (const p of f.parties) expect(p.paid_fen + p.held_fen + p.owed_fen, `${p.household_id || 'company'} ${month}`).toBe(p.accrued_fen);
  const l = await db.q.selectFrom('settlement_lines').select((eb) => eb.fn.sum<number>('amount_fen').as('n')).where('payable_month', '<=', month).executeTakeFirst();
  const a = await db.q.selectFrom('receipt_adjustments').select((eb) => eb.fn.sum<number>('amount_fen').as('n')).where('payable_month', '<=', month).executeTakeFirst();
  expect(f.parties.reduce((x, p) => x + p.accrued_fen, 0)).toBe(Number(l?.n ?? 0) + Number(a?.n ?? 0));
}

describe('figures over random months (SQLite)', () => {
  it('keeps accrued = paid + held + owed at every month end, whatever arrives, is returned or held', async () => {
    await fc.assert(
      fc.asyncProperty(Scenario, async (sc) => {
        const ledger = await openTestLedger('sqlite');
        const db = ledger.db;
        const dir = mkdtempSync(join(tmpdir(), 'sunshare-prop-'));
        try {
          await seedSites(db, 1, 3, '2024-01-01');
          await setSitePolicy(db, 'pv001', sc.policy, 'acct', 'test');
          const accounts = new Map((await db.q.selectFrom('households').select(['id', 'bank_account']).execute()).map((h) => [h.id, h.bank_account]));
          for (const [k, month] of MONTHS.entries()) {
            const m = sc.months[k]!;
            const { first, last } = monthDays(month);
            const received = `${nextMonth(month)}-02`;
            await putMonthEnergy(db, ['pv001'], month, () => m.dayWh);
            await runSettlement(db, { from: first, to: last, now: new Date(`${received}T00:00:00Z`) });
            const days = Number(last.slice(8));
            const billedWh = Math.max(0, m.dayWh * days + m.energyDiffWh);
            if (m.gridArrives) {
              const fen = Math.max(0, Math.round((billedWh * GRID_RATE) / 1_000_000) + m.priceDiffFen);
              const file = join(dir, `grid-${month}.csv`);
              writeFileSync(file, `kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on\ngrid,pv001,${month},${month},${formatKwh(billedWh)},${formatYuan(fen)},G-${month},${received}`);
              await importReceipts(db, [file], { now: new Date(`${received}T00:00:00Z`) });
            }
            for (const h of HOUSEHOLDS) await db.q.updateTable('households').set({ bank_account: pick(m.noAccount).includes(h) ? '' : accounts.get(h)! }).where('id', '=', h).execute();
            await runMonth(db, month, dir, { returned: (h) => (pick(m.returned).includes(h) ? '账户异常' : undefined) });
            await invariantHolds(db, month);
          }
          const accrued = await db.q.selectFrom('settlement_lines').select((eb) => eb.fn.sum<number>('subsidy_fen').as('n')).executeTakeFirst();
          const subsidy = Math.max(0, Number(accrued?.n ?? 0) + sc.subsidyDiffFen);
          const file = join(dir, 'subsidy.csv');
          writeFileSync(file, `kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on\nsubsidy,pv001,2024-01,2024-03,,${formatYuan(subsidy)},S-1,2024-04-03`);
          await importReceipts(db, [file]);
          for (const h of HOUSEHOLDS) await db.q.updateTable('households').set({ bank_account: accounts.get(h)! }).where('id', '=', h).execute();
          await runMonth(db, '2024-04', dir);
          await invariantHolds(db, '2024-04');
        } finally {
          await ledger.close();
        }
      }),
      { numRuns: 6 },
    );
  }, 120_000);
});
