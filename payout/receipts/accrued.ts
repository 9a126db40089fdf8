import type { Db } from '../../common/ledger/index.ts';
import { monthDays } from '../../common/index.ts';

/** What accrued for one site and month (days of the month, every posted version), per party. */
export interface SiteMonthAccrual {
  energy_wh: number;
  /** each day's latest energy, for a restatement */
  days: Map<string, number>;
  grid_fen: number;
  subsidy_fen: number;
  /** household id ('' = the company) -> its grid and subsidy parts */
  parties: Map<string, { grid_fen: number; subsidy_fen: number }>;
}

export async function siteMonthAccrual(db: Db, siteId: string, month: string): Promise<SiteMonthAccrual> {
  const { first, last } = monthDays(month);
  const settlements = await db.q
    .selectFrom('settlements')
    .select(['day', 'version', 'energy_wh'])
    .where('site_id', '=', siteId)
    .where('day', '>=', first)
    .where('day', '<=', last)
    .orderBy('day')
    .orderBy('version')
    .execute();
  const days = new Map<string, number>();
  for (const s of settlements) days.set(s.day, Number(s.energy_wh)); // the latest version wins
  const lines = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select((eb) => ['l.household_id', eb.fn.sum<number>('l.grid_fen').as('grid'), eb.fn.sum<number>('l.subsidy_fen').as('subsidy')])
    .where('s.site_id', '=', siteId)
    .where('s.day', '>=', first)
    .where('s.day', '<=', last)
    .groupBy('l.household_id')
    .execute();
  const parties = new Map<string, { grid_fen: number; subsidy_fen: number }>();
  let grid = 0;
  let subsidy = 0;
  for (const l of lines) {
    parties.set(l.household_id, { grid_fen: Number(l.grid), subsidy_fen: Number(l.subsidy) });
    grid += Number(l.grid);
    subsidy += Number(l.subsidy);
  }
  return { energy_wh: [...days.values()].reduce((a, x) => a + x, 0), days, grid_fen: grid, subsidy_fen: subsidy, parties };
}

/** Households by id, the company ('') last: the order the revenue is split in. */
export function partyOrder(parties: Map<string, unknown>): string[] {
  const ids = [...parties.keys()].filter((id) => id !== '').sort();
  return [...ids, ''];
}

/** The reconciliation of receipts against what accrued, per site and month (every receipt's part), oldest first. */
export async function receiptChecks(db: Db, f: { site?: string; from?: string; to?: string } = {}) {
  return db.q
    .selectFrom('receipt_checks as c')
    .innerJoin('receipts as r', 'r.id', 'c.receipt_id')
    .select(['c.receipt_id', 'r.reference', 'r.received_on', 'c.site_id', 'c.month', 'c.kind', 'c.accrued_wh', 'c.statement_wh', 'c.accrued_fen', 'c.received_fen', 'c.difference_fen', 'c.rule'])
    .$if(!!f.site, (q) => q.where('c.site_id', '=', f.site!))
    .$if(!!f.from, (q) => q.where('c.month', '>=', f.from!))
    .$if(!!f.to, (q) => q.where('c.month', '<=', f.to!))
    .orderBy('c.month')
    .orderBy('c.site_id')
    .orderBy('c.kind')
    .orderBy('r.received_on')
    .execute();
}
