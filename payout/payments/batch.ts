import type { Insertable } from 'kysely';
import type { Db, PaymentItemsTable } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { insertRows } from '../settle/insert.ts';
import { checkMonth, isUniqueViolation, monthSteps, recordStep, refuse, stateOf, type Actor } from '../workflow/steps.ts';
import { accountProblem } from './accounts.ts';
import { isReleased, loadDues } from './dues.ts';
import { policyOf } from './policy.ts';

export interface BatchResult { month: string; items: number; held: number; total_fen: number; held_fen: number; payers: string[] }

/**
 * 4. Pays an approved month: one item per beneficiary (household or
 * collective) and payer account, for everything released to it so far
 * (dues payable up to the month, on receipt only what was received) minus
 * everything it was paid before. So a returned or held amount is simply
 * still due and is carried into this item; nothing is paid twice, because
 * what was paid is subtracted. A beneficiary without a valid account gets a
 * held item (listed, not in the file), carried the same way until its
 * account is fixed.
 *
 * Once per month: the 'batch' step is inserted first in the transaction,
 * under a unique index, so a second concurrent attempt fails (SQLite: it
 * waits for the first and finds the month paid; PostgreSQL: the unique
 * index refuses its insert) and posts nothing.
 */
export async function payMonth(db: Db, month: string, by: Actor, now = new Date()): Promise<BatchResult> {
  checkMonth(month);
  try {
    return await db.transaction(async (tx) => {
      const state = stateOf(await monthSteps(tx, month));
      if (state === 'batch' || state === 'done') throw new SunshareError('MONTH_ALREADY_PAID', `${month} has its payment batch already`);
      if (state !== 'approved') refuse(month, state, 'only an approved month can be paid');
      await recordStep(tx, month, 'batch', by, {}, now); // first: the unique index decides a race here
      const later = await tx.q.selectFrom('payment_items').select('month').where('month', '>', month).limit(1).executeTakeFirst();
      if (later) refuse(month, state, `${later.month} is paid already: months are paid in order`);
      const pending = await tx.q
        .selectFrom('payment_items as i')
        .leftJoin('payment_results as r', 'r.item_id', 'i.id')
        .select(['i.month'])
        .where('i.month', '<', month)
        .where('i.held_reason', '=', '')
        .where('r.item_id', 'is', null)
        .limit(1)
        .executeTakeFirst();
      if (pending) throw new SunshareError('PAYMENT_RESULTS_PENDING', `the payment file of ${pending.month} has payments without a bank result: import its results first`);
      const made = await makeItems(tx, month, now);
      // nothing goes to the bank (no payment, or every one held): the month is done at once
      if (made.items === made.held) await recordStep(tx, month, 'done', by, { held: { count: made.held, fen: made.held_fen } }, now);
      return made;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new SunshareError('MONTH_ALREADY_PAID', `${month} has its payment batch already (made by a concurrent attempt)`, { cause: err });
    throw err;
  }
}

async function makeItems(tx: Db, month: string, now: Date): Promise<BatchResult> {
  const book = await loadDues(tx, month);
  const released = new Map<string, number>();
  for (const d of book.dues) {
    if (d.household_id === '' || !isReleased(book, d)) continue;
    const key = `${d.household_id}|${policyOf(book.policies, d.site_id).payer_account}`;
    released.set(key, (released.get(key) ?? 0) + d.fen);
  }
  const paidRows = await tx.q
    .selectFrom('payment_items as i')
    .innerJoin('payment_results as r', 'r.item_id', 'i.id')
    .select((eb) => ['i.household_id', 'i.payer_account', eb.fn.sum<number>('i.amount_fen').as('fen')])
    .where('r.status', '=', 'paid')
    .groupBy(['i.household_id', 'i.payer_account'])
    .execute();
  const paid = new Map(paidRows.map((p) => [`${p.household_id}|${p.payer_account}`, Number(p.fen)]));
  const people = new Map((await tx.q.selectFrom('households').select(['id', 'name', 'bank_account']).execute()).map((h) => [h.id, h]));
  const collectives = new Set((await tx.q.selectFrom('collectives').select('household_id').execute()).map((c) => c.household_id));
  const items: Insertable<PaymentItemsTable>[] = [];
  const keys = [...released.keys()].sort((a, b) => {
    const [ha, pa] = a.split('|');
    const [hb, pb] = b.split('|');
    return pa! === pb! ? ha!.localeCompare(hb!) : pa!.localeCompare(pb!);
  });
  const createdAt = now.toISOString();
  for (const key of keys) {
    const [household, payer] = key.split('|') as [string, string];
    const cum = released.get(key)!;
    const amount = cum - (paid.get(key) ?? 0);
    if (amount <= 0) continue; // nothing (or a negative to net later): carried, not paid
    const person = people.get(household);
    const kind = collectives.has(household) ? 'collective' : 'household';
    const account = person?.bank_account.trim() ?? '';
    items.push({
      id: `${month.replace('-', '')}${String(items.length + 1).padStart(7, '0')}`,
      month,
      payer_account: payer,
      household_id: household,
      beneficiary_kind: kind,
      released_cum_fen: cum,
      amount_fen: amount,
      account,
      account_name: person?.name ?? '',
      held_reason: person ? accountProblem(account, kind) : 'not in the registry',
      created_at: createdAt,
    });
  }
  await insertRows(tx.q, 'payment_items', items, 500);
  const held = items.filter((i) => i.held_reason !== '');
  const sum = (xs: typeof items) => xs.reduce((a, i) => a + Number(i.amount_fen), 0);
  return { month, items: items.length, held: held.length, total_fen: sum(items), held_fen: sum(held), payers: [...new Set(items.map((i) => i.payer_account))].sort() };
}
