import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { isMonth, nextMonth } from '../../common/index.ts';
import { insertRows } from '../settle/insert.ts';
import { acquireLock } from '../settle/lock.ts';
import { loadMonth } from './month.ts';

/** The last closed month, or undefined. */
export async function lastClosedMonth(db: Db): Promise<string | undefined> {
  const r = await db.q.selectFrom('payout_months').select((eb) => eb.fn.max('month').as('month')).executeTakeFirst();
  return r?.month ?? undefined;
}

/** The month a line is paid in: the one wanted, or the first month not yet closed if that is later. */
export function openMonth(wanted: string, lastClosed: string | undefined): string {
  if (!lastClosed || wanted > lastClosed) return wanted;
  return nextMonth(lastClosed);
}

/**
 * Closes a payout month: freezes each household's statement (daily,
 * adjustments, deduction, top-up, net) in payout_statements. Months close one
 * after another; closing a closed month changes nothing. Lines settled later
 * for days of a closed month are paid in the first open month. Takes the
 * settlement lock, so no run posts into the month while it closes.
 */
export async function closeMonth(db: Db, month: string): Promise<{ statements: number; already: boolean }> {
  if (!isMonth(month)) throw new SunshareError('PAYOUT_BAD_MONTH', `--month must be YYYY-MM, got "${month}"`);
  const lock = await acquireLock(db);
  try {
    return await db.transaction(async (tx) => {
      const last = await lastClosedMonth(tx);
      if (last && month <= last) return { statements: 0, already: true };
      if (last && month !== nextMonth(last)) {
        throw new SunshareError('PAYOUT_MONTH_ORDER', `close ${nextMonth(last)} first: months close in order (last closed: ${last})`);
      }
      const m = await loadMonth(tx, { month });
      const now = new Date().toISOString();
      await insertRows(
        tx.q,
        'payout_statements',
        m.households.map((h) => ({
          month,
          site_id: h.site_id,
          household_id: h.household_id,
          daily_fen: h.daily_fen,
          adjustment_fen: h.adjustment_fen,
          deduction_fen: h.deduction_fen,
          topup_fen: h.topup_fen,
          net_fen: h.net_fen,
          closed_at: now,
        })),
      );
      await tx.q.insertInto('payout_months').values({ month, closed_at: now, statements: m.households.length }).execute();
      return { statements: m.households.length, already: false };
    });
  } finally {
    await lock.release();
  }
}
