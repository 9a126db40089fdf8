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
  const guaranteed = new Set((await db.all<{ site_id: string }>('SELECT site_id FROM site_policies WHERE guaranteed_minimum = 1')).map((r) => r.site_id));
  const earned = await db.all<{ site_id: string; household_id: string; fen: number }>(
    `SELECT s.site_id, l.household_id, SUM(l.amount_fen) AS fen FROM settlement_lines l JOIN settlements s ON s.id = l.settlement_id
     WHERE s.day >= ? AND s.day <= ? AND l.household_id <> '' GROUP BY s.site_id, l.household_id`,
    [`${year}-01-01`, `${year}-12-31`],
  );
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
  const { changes } = await db.transaction((tx) =>
    tx.runMany(
      'INSERT INTO topups (site_id, household_id, year, target_fen, earned_fen, amount_fen, payable_month, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, household_id, year) DO NOTHING',
      topups.map((t) => [t.site_id, t.household_id, t.year, t.target_fen, t.earned_fen, t.amount_fen, payable, now]),
    ),
  );
  return { posted: changes, already: topups.length - changes, topups };
}
