import type { Db } from '../../common/ledger/index.ts';
import { lastClosedMonth, openMonth } from './close.ts';
import { yearTargets } from './targets.ts';

export interface Topup { site_id: string; household_id: string; year: string; target_fen: number; earned_fen: number; amount_fen: number }

/**
 * Year-end top-ups where the site's policy guarantees the minimum: the
 * company pays each household the difference between its prorated target and
 * what the year's days earned it (every posted version). Posted once per
 * site, household and year (a re-run changes nothing), payable in December
 * (or the first open month if December is closed).
 */
export async function computeTopups(db: Db, year: number): Promise<Topup[]> {
  const targets = await yearTargets(db, year);
  const guaranteed = new Set((await db.q.selectFrom('site_policies').select('site_id').where('guaranteed_minimum', '=', 1).execute()).map((r) => r.site_id));
  const earned = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select((eb) => ['s.site_id', 'l.household_id', eb.fn.sum<number>('l.amount_fen').as('fen')])
    .where('s.day', '>=', `${year}-01-01`)
    .where('s.day', '<=', `${year}-12-31`)
    .where('l.household_id', '<>', '')
    .groupBy(['s.site_id', 'l.household_id'])
    .execute();
  const earnedBy = new Map(earned.map((e) => [`${e.site_id}|${e.household_id}`, Number(e.fen)]));
  const out: Topup[] = [];
  for (const [key, t] of targets) {
    if (!guaranteed.has(t.site_id)) continue;
    const got = earnedBy.get(key) ?? 0;
    if (got < t.target_fen) out.push({ site_id: t.site_id, household_id: t.household_id, year: String(year), target_fen: t.target_fen, earned_fen: got, amount_fen: t.target_fen - got });
  }
  return out.sort((a, b) => (a.site_id + a.household_id).localeCompare(b.site_id + b.household_id));
}

export async function postTopups(db: Db, year: number): Promise<{ posted: number; already: number; topups: Topup[] }> {
  const topups = await computeTopups(db, year);
  const now = new Date().toISOString();
  // paid with December, or the first open month if December is already closed
  const payable = openMonth(`${year}-12`, await lastClosedMonth(db));
  const changes = await db.transaction(async (tx) => {
    let n = 0;
    for (let i = 0; i < topups.length; i += 500) {
      const r = await tx.q
        .insertInto('topups')
        .values(topups.slice(i, i + 500).map((t) => ({ ...t, payable_month: payable, posted_at: now })))
        .onConflict((oc) => oc.columns(['site_id', 'household_id', 'year']).doNothing())
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    return n;
  });
  return { posted: changes, already: topups.length - changes, topups };
}
