import { sql } from 'kysely';
import type { Db } from '../../common/ledger/index.ts';
import { loadMonth } from '../period/month.ts';
import { policyOf, sitePolicies, type SitePolicy } from './policy.ts';

/**
 * What each party is due, by site, the month it is payable in and the month
 * the money was earned in, and its part:
 *  - grid / subsidy: the settlement lines (every version);
 *  - deduction / topup: the maintenance deduction and the year-end top-up
 *    (the household's negative and positive; the company's the reverse);
 *  - receipt: a receipt's amount difference split over the parties.
 * household_id '' = the company.
 */
export type Part = 'grid' | 'subsidy' | 'deduction' | 'topup' | 'receipt';
export interface Due { site_id: string; household_id: string; payable: string; earned: string; part: Part; fen: number }

export interface DueBook {
  dues: Due[];
  policies: Map<string, SitePolicy>;
  /** site|month|kind received */
  received: Set<string>;
}

/** Is this due covered by money received (a receipt for its site, month and part, or a receipt difference)? */
export const isReceived = (book: DueBook, d: Due): boolean =>
  d.part === 'receipt' || ((d.part === 'grid' || d.part === 'subsidy') && book.received.has(`${d.site_id}|${d.earned}|${d.part}`));

/** May it be paid now? On accrual: always; on receipt: grid and subsidy parts once received. */
export const isReleased = (book: DueBook, d: Due): boolean =>
  policyOf(book.policies, d.site_id).policy === 'accrual' || (d.part !== 'grid' && d.part !== 'subsidy') || isReceived(book, d);

/** Every due payable in a month up to `through`; money counts as received if it was by `receivedBy` (a day; default: all recorded). */
export async function loadDues(db: Db, through: string, receivedBy?: string): Promise<DueBook> {
  const dues: Due[] = [];
  const earned = sql<string>`substr(s.day, 1, 7)`;
  const lines = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select((eb) => ['s.site_id', 'l.household_id', 'l.payable_month', earned.as('earned'), eb.fn.sum<number>('l.grid_fen').as('grid'), eb.fn.sum<number>('l.subsidy_fen').as('subsidy')])
    .where('l.payable_month', '<=', through)
    .groupBy(['s.site_id', 'l.household_id', 'l.payable_month', earned])
    .execute();
  const months = new Set<string>();
  for (const l of lines) {
    months.add(l.payable_month);
    const base = { site_id: l.site_id, household_id: l.household_id, payable: l.payable_month, earned: l.earned };
    if (Number(l.grid) !== 0) dues.push({ ...base, part: 'grid', fen: Number(l.grid) });
    if (Number(l.subsidy) !== 0) dues.push({ ...base, part: 'subsidy', fen: Number(l.subsidy) });
  }
  for (const t of await db.q.selectFrom('topups').select('payable_month').distinct().where('payable_month', '<=', through).execute()) months.add(t.payable_month);
  // deductions and top-ups as the month's statement has them: frozen once the month is closed
  const closed = new Set((await db.q.selectFrom('payout_months').select('month').where('month', '<=', through).execute()).map((m) => m.month));
  for (const month of [...months].sort()) {
    const rows = closed.has(month)
      ? (await db.q.selectFrom('payout_statements').select(['site_id', 'household_id', 'deduction_fen', 'topup_fen']).where('month', '=', month).execute()).map((r) => ({ ...r, deduction_fen: Number(r.deduction_fen), topup_fen: Number(r.topup_fen) }))
      : (await loadMonth(db, { month })).households;
    for (const r of rows) {
      const base = { site_id: r.site_id, payable: month, earned: month };
      if (r.deduction_fen !== 0) {
        dues.push({ ...base, household_id: r.household_id, part: 'deduction', fen: -r.deduction_fen });
        dues.push({ ...base, household_id: '', part: 'deduction', fen: r.deduction_fen });
      }
      if (r.topup_fen !== 0) {
        dues.push({ ...base, household_id: r.household_id, part: 'topup', fen: r.topup_fen });
        dues.push({ ...base, household_id: '', part: 'topup', fen: -r.topup_fen });
      }
    }
  }
  const adjustments = await db.q
    .selectFrom('receipt_adjustments')
    .select((eb) => ['site_id', 'household_id', 'payable_month', 'month', eb.fn.sum<number>('amount_fen').as('fen')])
    .where('payable_month', '<=', through)
    .groupBy(['site_id', 'household_id', 'payable_month', 'month'])
    .execute();
  for (const a of adjustments) dues.push({ site_id: a.site_id, household_id: a.household_id, payable: a.payable_month, earned: a.month, part: 'receipt', fen: Number(a.fen) });
  const checks = await db.q
    .selectFrom('receipt_checks as c')
    .innerJoin('receipts as r', 'r.id', 'c.receipt_id')
    .select(['c.site_id', 'c.month', 'c.kind'])
    .$if(!!receivedBy, (q) => q.where('r.received_on', '<=', receivedBy!))
    .execute();
  const received = new Set(checks.map((c) => `${c.site_id}|${c.month}|${c.kind}`));
  return { dues, policies: await sitePolicies(db), received };
}
