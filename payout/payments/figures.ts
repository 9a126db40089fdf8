import type { Db } from '../../common/ledger/index.ts';
import { monthDays } from '../../common/index.ts';
import { checkMonth } from '../workflow/steps.ts';
import { isReceived, isReleased, loadDues } from './dues.ts';
import { latestPerPayer, loadItems } from './items.ts';
import { policyOf } from './policy.ts';

export type PartyKind = 'household' | 'collective' | 'company';

/**
 * One party's money at the end of a month (everything payable up to it):
 *  accrued  - what it earned: settlement lines, deductions, top-ups, receipt differences;
 *  received - the part of that covered by money received (grid statements, subsidies);
 *  advanced - the part released on accrual before the money came: the company's advance,
 *             recovered as receipts arrive (it then counts as received);
 *  paid     - confirmed paid by the bank (the company: what came in to it);
 *  held     - in its latest payment, not (yet) paid: held for its account, returned, or
 *             awaiting the bank's result;
 *  owed     - not yet in any payment: not released (on receipt, not received) or payable
 *             after its last payment (the company: its part not yet received).
 * accrued = paid + held + owed for every party, to the fen.
 */
export interface PartyFigures { household_id: string; kind: PartyKind; accrued_fen: number; received_fen: number; advanced_fen: number; paid_fen: number; held_fen: number; owed_fen: number }
export interface KindTotals { parties: number; accrued_fen: number; received_fen: number; advanced_fen: number; paid_fen: number; held_fen: number; owed_fen: number }
export interface MonthFigures { month: string; parties: PartyFigures[]; totals: Record<PartyKind, KindTotals> }

const blank = (household_id: string, kind: PartyKind): PartyFigures => ({ household_id, kind, accrued_fen: 0, received_fen: 0, advanced_fen: 0, paid_fen: 0, held_fen: 0, owed_fen: 0 });

export async function monthFigures(db: Db, month: string, household?: string): Promise<MonthFigures> {
  checkMonth(month);
  const book = await loadDues(db, month, monthDays(month).last); // as at the month's end
  const collectives = new Set((await db.q.selectFrom('collectives').select('household_id').execute()).map((c) => c.household_id));
  const parties = new Map<string, PartyFigures>();
  const party = (id: string) => {
    let p = parties.get(id);
    if (!p) parties.set(id, (p = blank(id, id === '' ? 'company' : collectives.has(id) ? 'collective' : 'household')));
    return p;
  };
  for (const d of book.dues) {
    if (household !== undefined && d.household_id !== household && d.household_id !== '') continue;
    const p = party(d.household_id);
    p.accrued_fen += d.fen;
    const received = isReceived(book, d);
    if (received) p.received_fen += d.fen;
    const moneyPart = d.part === 'grid' || d.part === 'subsidy';
    if (d.household_id === '') {
      // the company holds what came in (and its own deductions and top-ups); is owed the rest
      if (received || !moneyPart) p.paid_fen += d.fen;
      else p.owed_fen += d.fen;
    } else if (moneyPart && !received && isReleased(book, d) && policyOf(book.policies, d.site_id).policy === 'accrual') {
      p.advanced_fen += d.fen;
    }
  }
  const items = await loadItems(db, { through: month, household });
  for (const i of items) if (i.status === 'paid') party(i.household_id).paid_fen += i.amount_fen;
  const releasedInPayments = new Map<string, number>();
  for (const i of latestPerPayer(items).values()) {
    const p = party(i.household_id);
    if (i.status !== 'paid') p.held_fen += i.amount_fen;
    releasedInPayments.set(i.household_id, (releasedInPayments.get(i.household_id) ?? 0) + i.released_cum_fen);
  }
  for (const p of parties.values()) if (p.kind !== 'company') p.owed_fen = p.accrued_fen - (releasedInPayments.get(p.household_id) ?? 0);
  const company = parties.get('');
  if (company) company.advanced_fen = [...parties.values()].reduce((a, p) => a + (p.kind === 'company' ? 0 : p.advanced_fen), 0);
  const list = [...parties.values()].filter((p) => household === undefined || p.household_id === household).sort((a, b) => a.household_id.localeCompare(b.household_id));
  const totals = {} as Record<PartyKind, KindTotals>;
  for (const kind of ['household', 'collective', 'company'] as const) {
    const of = list.filter((p) => p.kind === kind);
    const sum = (k: keyof PartyFigures) => of.reduce((a, p) => a + Number(p[k]), 0);
    totals[kind] = { parties: of.length, accrued_fen: sum('accrued_fen'), received_fen: sum('received_fen'), advanced_fen: sum('advanced_fen'), paid_fen: sum('paid_fen'), held_fen: sum('held_fen'), owed_fen: sum('owed_fen') };
  }
  return { month, parties: list, totals };
}
