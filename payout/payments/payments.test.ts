import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { monthDays, nextMonth } from '../../common/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { closeMonth } from '../period/close.ts';
import { importReceipts } from '../receipts/import.ts';
import { runSettlement } from '../settle/run.ts';
import { approveMonth, draftMonth, postMonth } from '../workflow/month.ts';
import { monthFigures } from './figures.ts';
import { figuresTables } from './figures-report.ts';
import { loadItems } from './items.ts';
import { registerCollective, setSitePolicy } from './policy.ts';
import { importResults } from './results.ts';
import { paymentStatement, paymentStatementTable } from './statement.ts';
import { formatYuan } from '../money/revenue.ts';
import { APPROVER, PREPARER, putMonthEnergy, runMonth, seedSites } from './testing/scene.ts';

const pgUp = await postgresAvailable();
const months2024 = Array.from({ length: 12 }, (_, i) => `2024-${String(i + 1).padStart(2, '0')}`);
const DAY_WH = 50_000;

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`a year of payments on ${dialect}`, () => {
    let ledger: TestLedger | undefined;
    let db: Db;
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-payments-'));
    const receipt = (name: string, rows: string[]) => {
      const file = join(dir, name);
      writeFileSync(file, ['kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on', ...rows].join('\n'));
      return file;
    };
    const ledgerTotal = async (month: string) => {
      const l = await db.q.selectFrom('settlement_lines').select((eb) => eb.fn.sum<number>('amount_fen').as('n')).where('payable_month', '<=', month).executeTakeFirst();
      const a = await db.q.selectFrom('receipt_adjustments').select((eb) => eb.fn.sum<number>('amount_fen').as('n')).where('payable_month', '<=', month).executeTakeFirst();
      return Number(l?.n ?? 0) + Number(a?.n ?? 0);
    };
    /** accrued = paid + held + owed for every party, and all parties together hold every fen the ledger accrued. */
    const invariants: string[] = [];
    const checkInvariant = async (month: string) => {
      const f = await monthFigures(db, month);
      for (const p of f.parties) expect(p.paid_fen + p.held_fen + p.owed_fen, `${p.kind} ${p.household_id || 'company'} at the end of ${month}`).toBe(p.accrued_fen);
      expect(f.parties.reduce((a, p) => a + p.accrued_fen, 0), `all parties at the end of ${month}`).toBe(await ledgerTotal(month));
      expect(f.parties.some((p) => p.kind === 'company')).toBe(true);
      invariants.push(month);
    };
    const runs = new Map<string, Awaited<ReturnType<typeof runMonth>>>();

    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_payments');
      db = ledger.db;
      await seedSites(db, 2, 4, '2024-01-01');
      await setSitePolicy(db, 'pv001', 'receipt', 'acct-A', 'admin');
      await setSitePolicy(db, 'pv002', 'accrual', 'acct-B', 'admin');
      await registerCollective(db, 'pv002-h04', '村1');
      await db.q.updateTable('households').set({ bank_account: '' }).where('id', '=', 'pv001-h03').execute(); // no account until May
      for (const month of months2024) {
        const { first, last } = monthDays(month);
        await putMonthEnergy(db, ['pv001', 'pv002'], month, () => DAY_WH);
        const received = `${nextMonth(month)}-05`;
        await runSettlement(db, { from: first, to: last, now: new Date(`${received}T00:00:00Z`) });
        const kwh = (Number(last.slice(8)) * DAY_WH) / 1000;
        // the grid statements: pv002 billed at 0.46 in March; pv001 billed 20 kWh less in June
        const billed1 = month === '2024-06' ? kwh - 20 : kwh;
        const price2 = month === '2024-03' ? 0.46 : 0.453;
        const yuan = (k: number, p: number) => (Math.round(k * p * 100) / 100).toFixed(2);
        await importReceipts(db, [receipt(`grid-${month}.csv`, [`grid,pv001,${month},${month},${billed1},${yuan(billed1, 0.453)},G1-${month},${received}`, `grid,pv002,${month},${month},${kwh},${yuan(kwh, price2)},G2-${month},${received}`])], {
          now: new Date(`${received}T00:00:00Z`),
        });
        if (month === '2024-01') {
          await draftMonth(db, month, PREPARER, new Date('2024-02-01T00:00:00Z'));
          await postMonth(db, month, PREPARER, 3, new Date('2024-02-01T00:00:00Z'));
          await expect(approveMonth(db, month, PREPARER, new Date('2024-02-10T00:00:00Z'))).rejects.toMatchObject({ code: 'APPROVER_IS_PREPARER' });
          await expect(approveMonth(db, month, APPROVER, new Date('2024-02-02T00:00:00Z'))).rejects.toMatchObject({ code: 'MONTH_STEP_REFUSED' });
        }
        if (month === '2024-05') await db.q.updateTable('households').set({ bank_account: '6222020200112233445' }).where('id', '=', 'pv001-h03').execute();
        runs.set(month, await runMonth(db, month, dir, { returned: (h) => (month === '2024-02' && h === 'pv002-h02' ? '账户冻结' : undefined) }));
        await checkInvariant(month);
      }
      // the subsidy for all of 2024 arrives eleven months late, as one batch, 1,000 fen short (据实结算)
      for (let m = '2025-01'; m <= '2025-10'; m = nextMonth(m)) await closeMonth(db, m);
      const accruedSubsidy = await db.q.selectFrom('settlement_lines').select((eb) => eb.fn.sum<number>('subsidy_fen').as('n')).executeTakeFirst();
      const paidSubsidy = Number(accruedSubsidy!.n) - 1000;
      await importReceipts(db, [receipt('subsidy-2024.csv', [`subsidy,,2024-01,2024-12,,${(paidSubsidy / 100).toFixed(2)},S-2024,2025-11-03`])]);
      runs.set('2025-11', await runMonth(db, '2025-11', dir));
      await checkInvariant('2025-11');
    }, 180_000);
    afterAll(async () => {
      await ledger?.close();
    });

    it('holds accrued = paid + held + owed at every month end, for every household, collective and the company', () => {
      expect(invariants).toEqual([...months2024, '2025-11']);
    });

    it('refuses approval by the preparer and before the 公示 ends, and audits every step', async () => {
      const steps = await db.q.selectFrom('payout_month_steps').select(['step', 'actor']).where('month', '=', '2024-01').orderBy('seq').execute();
      expect(steps.map((s) => s.step)).toEqual(['draft', 'posted', 'draft', 'posted', 'approved', 'batch', 'done']);
      expect(steps.find((s) => s.step === 'approved')!.actor).toBe(APPROVER.name);
    });

    it('pays on receipt only what was received, on accrual everything, and the late subsidy when it comes', async () => {
      const dec = await monthFigures(db, '2024-12');
      const of = (id: string) => dec.parties.find((p) => p.household_id === id)!;
      const subsidyOf = async (h: string) => Number((await db.q.selectFrom('settlement_lines').select((eb) => eb.fn.sum<number>('subsidy_fen').as('n')).where('household_id', '=', h).executeTakeFirst())!.n);
      // pv001 (on receipt): its subsidy is owed; pv002 (on accrual): paid, advanced by the company
      expect(of('pv001-h01').owed_fen).toBe(await subsidyOf('pv001-h01'));
      expect(of('pv001-h01').advanced_fen).toBe(0);
      expect(of('pv002-h01').owed_fen).toBe(0);
      // ... and December's grid part too: its statement came on 5 January
      const decGrid = await db.q.selectFrom('settlement_lines as l').innerJoin('settlements as s', 's.id', 'l.settlement_id').select((eb) => eb.fn.sum<number>('l.grid_fen').as('n')).where('l.household_id', '=', 'pv002-h01').where('s.day', '>=', '2024-12-01').executeTakeFirst();
      expect(Number(decGrid!.n)).toBeGreaterThan(0);
      expect(of('pv002-h01').advanced_fen).toBe((await subsidyOf('pv002-h01')) + Number(decGrid!.n));
      expect(dec.totals.company.advanced_fen).toBe(dec.parties.filter((p) => p.kind !== 'company').reduce((a, p) => a + p.advanced_fen, 0));
      const nov = await monthFigures(db, '2025-11');
      const shortfall = new Map(
        (await db.q.selectFrom('receipt_adjustments').select((eb) => ['household_id', eb.fn.sum<number>('amount_fen').as('n')]).where('receipt_id', '=', 'subsidy//S-2024').where('site_id', '=', 'pv002').groupBy('household_id').execute()).map((r) => [r.household_id, Number(r.n)]),
      );
      for (const p of nov.parties) {
        expect(p.advanced_fen, p.household_id).toBe(0); // recovered: the money came
        if (p.kind === 'company') {
          expect(p.owed_fen).toBe(0);
          continue;
        }
        // on receipt (pv001) everything is paid; on accrual (pv002) the subsidy came short after it was advanced:
        // the household owes its share of the shortfall back, netted against its next payments
        const owes = p.household_id.startsWith('pv002') ? shortfall.get(p.household_id)! : 0;
        expect(owes).toBeLessThanOrEqual(0);
        expect(p.owed_fen, p.household_id).toBe(owes);
        expect(p.held_fen, p.household_id).toBe(0);
        expect(p.paid_fen, p.household_id).toBe(p.accrued_fen - owes); // never lost, never twice
      }
      const checks = await db.q.selectFrom('receipt_checks').selectAll().where('receipt_id', '=', 'subsidy//S-2024').execute();
      expect(checks).toHaveLength(24);
      expect(checks.reduce((a, c) => a + Number(c.difference_fen), 0)).toBe(-1000);
    });

    it('splits a grid statement that differs in price over the parties like the revenue, paid the next month', async () => {
      const check = await db.q.selectFrom('receipt_checks').selectAll().where('receipt_id', '=', 'grid/pv002/G2-2024-03').executeTakeFirstOrThrow();
      expect(check.rule).toBe('amount_adjustment');
      expect(Number(check.difference_fen)).toBe(71_300 - 70_215 + 0); // 1,550 kWh at 0.46 - at 0.453
      const adj = await db.q.selectFrom('receipt_adjustments').selectAll().where('receipt_id', '=', 'grid/pv002/G2-2024-03').orderBy('household_id').execute();
      expect(adj.map((a) => [a.household_id, Number(a.amount_fen), a.payable_month])).toEqual([
        ['', 217, '2024-04'],
        ['pv002-h01', 217, '2024-04'],
        ['pv002-h02', 217, '2024-04'],
        ['pv002-h03', 217, '2024-04'],
        ['pv002-h04', 217, '2024-04'],
      ]);
    });

    it('restates a month whose grid statement bills other kWh through the settlement adjustments', async () => {
      const check = await db.q.selectFrom('receipt_checks').selectAll().where('receipt_id', '=', 'grid/pv001/G1-2024-06').executeTakeFirstOrThrow();
      expect(check.rule).toBe('energy_restatement');
      expect(Number(check.statement_wh)).toBe(1_480_000);
      expect(Number(check.accrued_wh)).toBe(1_480_000);
      const v2 = await db.q.selectFrom('settlements').select('id').where('site_id', '=', 'pv001').where('day', '>=', '2024-06-01').where('day', '<=', '2024-06-30').where('version', '=', 2).execute();
      expect(v2).toHaveLength(30);
    });

    it('carries a returned payment into the next month with its reason and pays it once', async () => {
      const feb = (await loadItems(db, { month: '2024-02', household: 'pv002-h02' }))[0]!;
      const mar = (await loadItems(db, { month: '2024-03', household: 'pv002-h02' }))[0]!;
      expect(feb.status).toBe('returned');
      expect(mar.status).toBe('paid');
      const janMar = await loadItems(db, { month: '2024-03', household: 'pv002-h01' });
      expect(mar.amount_fen).toBe(feb.amount_fen + janMar[0]!.amount_fen);
      const s = await paymentStatement(db, '2024-03', 'pv002-h02');
      expect(s.payments.find((p) => p.month === '2024-03')).toMatchObject({ carried_fen: feb.amount_fen, status: 'paid' });
      expect(s.payments.find((p) => p.month === '2024-02')).toMatchObject({ status: 'returned', reason: '账户冻结' });
      expect(s.payments.every((p) => /^\*+\d{4}$/.test(p.account))).toBe(true);
      const table = paymentStatementTable(s, '钱秀安');
      expect(table.title).toContain(`已付 ${formatYuan(s.figures.paid_fen)}`);
      expect(table.rows.find((r) => r.month === '2024-02')).toMatchObject({ status: '退回', reason: '账户冻结' });
      expect(table.rows.find((r) => r.month === '2024-03')).toMatchObject({ status: '已付', carried_fen: feb.amount_fen });
    });

    it('holds a household without a valid account, lists it, and pays it all once the account is fixed', async () => {
      const held = await loadItems(db, { household: 'pv001-h03' });
      expect(held.filter((i) => i.month < '2024-05').every((i) => i.status === 'held' && i.reason === 'no bank account in the registry')).toBe(true);
      const may = held.find((i) => i.month === '2024-05')!;
      expect(may.status).toBe('paid');
      expect(may.amount_fen).toBe(may.released_cum_fen); // everything released since January, in one payment
    });

    it('reports collectives apart from households, through the same split', async () => {
      const f = await monthFigures(db, '2024-12');
      const tables = await figuresTables(db, f);
      expect(tables.map((t) => [t.name, t.rows.length])).toEqual([['汇总', 3], ['农户', 7], ['村集体', 1], ['公司', 1]]);
      expect(tables[2]!.rows[0]).toMatchObject({ id: 'pv002-h04', accrued_fen: f.totals.collective.accrued_fen });
      expect(JSON.stringify(tables)).not.toMatch(/\d{16}/);
      expect(f.totals.collective.parties).toBe(1);
      expect(f.totals.household.parties).toBe(7);
      const c = f.parties.find((p) => p.kind === 'collective')!;
      expect(c.household_id).toBe('pv002-h04');
      expect(c.accrued_fen).toBe(f.parties.find((p) => p.household_id === 'pv002-h03')!.accrued_fen);
      expect((await loadItems(db, { month: '2024-12', household: 'pv002-h04' }))[0]!.beneficiary_kind).toBe('collective');
    });

    it('keeps receipts append-only and a re-import unchanged', async () => {
      const r = await importReceipts(db, [receipt('again.csv', ['grid,pv002,2024-03,2024-03,1550,713.00,G2-2024-03,2024-04-05'])]);
      expect(r).toMatchObject({ imported: 0, unchanged: 1 });
      await expect(importReceipts(db, [receipt('other.csv', ['grid,pv002,2024-03,2024-03,1550,714.00,G2-2024-03,2024-04-05'])])).rejects.toMatchObject({ code: 'RECEIPTS_INVALID' });
      await expect(db.q.updateTable('receipts').set({ amount_fen: 1 }).execute()).rejects.toThrow(/append-only/);
      await expect(db.q.deleteFrom('payment_results').execute()).rejects.toThrow(/append-only/);
    });

    it('refuses a bank result for a held payment: it was in no file', async () => {
      const held = (await loadItems(db, { month: '2024-01', household: 'pv001-h03' }))[0]!;
      const file = join(dir, 'held-result.csv');
      writeFileSync(file, `业务参考号,状态,原因,金额\n${held.id},成功,,${(held.amount_fen / 100).toFixed(2)}`);
      await expect(importResults(db, file, { by: { name: 'x' } })).rejects.toMatchObject({
        code: 'PAYMENT_RESULTS_INVALID',
        details: [`held-result.csv line 2: ${held.id} is held (no bank account in the registry) and was in no payment file`],
      });
    });
  });
}
