import type { Db } from '../../common/ledger/index.ts';

/** awaiting: in the month's payment file, no bank result yet; held: kept out of the file (held_reason says why). */
export type ItemStatus = 'awaiting' | 'held' | 'paid' | 'returned';
export interface Item {
  id: string; month: string; payer_account: string; household_id: string; beneficiary_kind: 'household' | 'collective';
  released_cum_fen: number; amount_fen: number; account: string; account_name: string; held_reason: string;
  status: ItemStatus; reason: string;
}

/** Payment items with their status, optionally of one month or one household, up to a month. */
export async function loadItems(db: Db, f: { month?: string; through?: string; household?: string } = {}): Promise<Item[]> {
  const rows = await db.q
    .selectFrom('payment_items as i')
    .leftJoin('payment_results as r', 'r.item_id', 'i.id')
    .select(['i.id', 'i.month', 'i.payer_account', 'i.household_id', 'i.beneficiary_kind', 'i.released_cum_fen', 'i.amount_fen', 'i.account', 'i.account_name', 'i.held_reason', 'r.status', 'r.reason'])
    .$if(!!f.month, (q) => q.where('i.month', '=', f.month!))
    .$if(!!f.through, (q) => q.where('i.month', '<=', f.through!))
    .$if(!!f.household, (q) => q.where('i.household_id', '=', f.household!))
    .orderBy('i.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    payer_account: r.payer_account,
    household_id: r.household_id,
    beneficiary_kind: r.beneficiary_kind === 'collective' ? 'collective' : 'household',
    released_cum_fen: Number(r.released_cum_fen),
    amount_fen: Number(r.amount_fen),
    account: r.account,
    account_name: r.account_name,
    held_reason: r.held_reason,
    status: r.held_reason !== '' ? 'held' : r.status === 'paid' ? 'paid' : r.status === 'returned' ? 'returned' : 'awaiting',
    reason: r.held_reason || (r.reason ?? ''),
  }));
}

/** A beneficiary's latest item per payer account (up to a month): it carries everything not yet paid. */
export function latestPerPayer(items: readonly Item[]): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const i of [...items].sort((a, b) => a.month.localeCompare(b.month))) out.set(`${i.household_id}|${i.payer_account}`, i);
  return out;
}
