import { createHash } from 'node:crypto';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { addDays, DEFAULT_TIME_ZONE, todayIn } from '../../common/index.ts';
import { closeMonth } from '../period/close.ts';
import { loadMonth } from '../period/month.ts';
import { checkMonth, isUniqueViolation, monthSteps, recordStep, refuse, stateOf, type Actor, type StepRow } from './steps.ts';

/** What the 公示 shows: each household's net for the month, per site; and its digest, to compare with the statements frozen at approval. */
async function monthTotals(db: Db, month: string): Promise<{ households: number; total_fen: number; statements: string }> {
  const m = await loadMonth(db, { month });
  return { households: m.households.length, total_fen: m.totals.households_net_fen, statements: statementsDigest(m.households) };
}

function statementsDigest(rows: readonly { site_id: string; household_id: string; net_fen: number }[]): string {
  const sorted = rows.map((r) => [r.site_id, r.household_id, Number(r.net_fen)] as const).sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/**
 * A digest of everything the month's statements are made of: its lines per
 * site and party, its top-ups and the sites' deduction rates. Cheaper than
 * the statements themselves, and it changes whenever they could.
 */
async function monthDigest(db: Db, month: string): Promise<string> {
  const lines = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select((eb) => ['s.site_id', 'l.household_id', eb.fn.sum<number>('l.amount_fen').as('fen'), eb.fn.countAll<number>().as('n')])
    .where('l.payable_month', '=', month)
    .groupBy(['s.site_id', 'l.household_id'])
    .orderBy('s.site_id')
    .orderBy('l.household_id')
    .execute();
  const topups = await db.q.selectFrom('topups').select(['site_id', 'household_id', 'amount_fen']).where('payable_month', '=', month).orderBy('site_id').orderBy('household_id').execute();
  const rates = await db.q.selectFrom('site_policies').select(['site_id', 'maintenance_permille']).orderBy('site_id').execute();
  const rows = [lines.map((l) => [l.site_id, l.household_id, Number(l.fen), Number(l.n)]), topups.map((t) => [t.site_id, t.household_id, Number(t.amount_fen)]), rates.map((r) => [r.site_id, r.maintenance_permille])];
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/** 1. draft: the preparer fixes what the month pays. Drafting again (before approval) replaces the draft. */
export async function draftMonth(db: Db, month: string, by: Actor, now = new Date()): Promise<StepRow> {
  checkMonth(month);
  return db.transaction(async (tx) => {
    const state = stateOf(await monthSteps(tx, month));
    if (state !== 'open' && state !== 'draft' && state !== 'posted') refuse(month, state, 'an approved month is immutable; later corrections are paid in the next open month');
    return recordStep(tx, month, 'draft', by, { ...(await monthTotals(tx, month)), digest: await monthDigest(tx, month) }, now);
  });
}

/** 2. 公示: the draft is posted for `days` days; the month can be approved once the posting ends. */
export async function postMonth(db: Db, month: string, by: Actor, days: number, now = new Date()): Promise<StepRow> {
  checkMonth(month);
  if (!Number.isInteger(days) || days < 0 || days > 90) throw new SunshareError('OPTION_INVALID', `--days must be a whole number of days 0-90, got ${days}`);
  return db.transaction(async (tx) => {
    const state = stateOf(await monthSteps(tx, month));
    if (state !== 'draft') refuse(month, state, 'post the draft: draft the month first');
    const postedOn = todayIn(DEFAULT_TIME_ZONE, now);
    return recordStep(tx, month, 'posted', by, { days, posted_on: postedOn, ends_on: addDays(postedOn, days) }, now);
  });
}

/**
 * 3. approved: by a second person. Refused to whoever drafted it, before the
 * posting ends, or when the month changed since the draft. Closes the payout
 * month (its statements freeze; later lines are paid in the next open month).
 */
export async function approveMonth(db: Db, month: string, by: Actor, now = new Date()): Promise<StepRow> {
  checkMonth(month);
  const steps = await monthSteps(db, month);
  const state = stateOf(steps);
  if (state !== 'posted') refuse(month, state, 'only a posted (公示) month can be approved');
  const draft = steps.filter((s) => s.step === 'draft').at(-1)!;
  const posted = steps.at(-1)!;
  if (draft.actor === by.name || (by.id && draft.actor_id === by.id)) {
    throw new SunshareError('APPROVER_IS_PREPARER', `${by.name} prepared ${month} and cannot approve it: a second person with the approver role does`);
  }
  const today = todayIn(DEFAULT_TIME_ZONE, now);
  const endsOn = String(posted.details.ends_on);
  if (today < endsOn) refuse(month, state, `the 公示 runs until ${endsOn}; approve on or after that day`);
  const digest = await monthDigest(db, month);
  if (digest !== draft.details.digest) throw new SunshareError('MONTH_CHANGED', `${month} changed since it was drafted by ${draft.actor} at ${draft.at} (late lines or a correction): draft and post it again`);
  await closeMonth(db, month);
  // a settlement that slipped in between the check and the close is now frozen in the month: its 公示 was not this
  const frozen = await db.q.selectFrom('payout_statements').select(['site_id', 'household_id', 'net_fen']).where('month', '=', month).execute();
  if (statementsDigest(frozen) !== draft.details.statements) throw new SunshareError('MONTH_CHANGED', `${month} changed while it was being approved: draft and post it again (it is closed now, so it will not change again)`);
  try {
    return await db.transaction(async (tx) => {
      if (stateOf(await monthSteps(tx, month)) !== 'posted') refuse(month, stateOf(await monthSteps(tx, month)), 'approved by someone else meanwhile');
      return recordStep(tx, month, 'approved', by, { preparer: draft.actor, digest, total_fen: draft.details.total_fen }, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) refuse(month, 'approved', 'approved by someone else meanwhile');
    throw err;
  }
}
