import type { Db } from '../../common/ledger/index.ts';
import { siteDayRevenue, splitLargestRemainder } from '../../payout/index.ts';
import type { Loss } from '../alarms/store.ts';

/**
 * What lost energy was worth, and whose it was: the site's tariff on that day
 * (grid + subsidy, the settlement's rounding), split by the settlement's rule
 * (largest remainder over the households' shares, the company taking the
 * unallocated capacity). Without a tariff the energy is counted, the money 0.
 */
export async function valueLoss(db: Db, site: string, day: string, lostWh: number): Promise<Loss> {
  const wh = Math.max(0, Math.round(lostWh));
  const tariff = await db.q
    .selectFrom('tariffs')
    .select(['grid_rate', 'subsidy_rate'])
    .where('site_id', '=', site)
    .where('valid_from', '<=', day)
    .where((e) => e.or([e('valid_to', 'is', null), e('valid_to', '>=', day)]))
    .orderBy('valid_from', 'desc')
    .executeTakeFirst();
  const capacity = await db.q.selectFrom('sites').select('capacity_w').where('id', '=', site).executeTakeFirst();
  const shares = await db.q
    .selectFrom('allocations')
    .select(['id', 'share_w'])
    .where('site_id', '=', site)
    .where('valid_from', '<=', day)
    .where((e) => e.or([e('valid_to', 'is', null), e('valid_to', '>=', day)]))
    .orderBy('id')
    .execute();
  if (!tariff || !capacity) return { lostWh: wh, lostFen: 0, householdsFen: 0, companyFen: 0, households: shares.length };
  const total = siteDayRevenue(wh, Number(tariff.grid_rate), Number(tariff.subsidy_rate)).totalFen;
  const capacityW = Number(capacity.capacity_w);
  const weights = shares.map((s) => Number(s.share_w));
  const allocated = weights.reduce((a, b) => a + b, 0);
  const parts = splitLargestRemainder(total, [...weights, Math.max(0, capacityW - allocated)], Math.max(capacityW, allocated));
  const companyFen = parts.pop()!;
  return { lostWh: wh, lostFen: total, householdsFen: parts.reduce((a, b) => a + b, 0), companyFen, households: shares.length };
}

/** "this outage cost the 20 households ¥12.34, ¥0.62 each, and the company ¥3.21" */
export function describeLoss(l: Loss): string {
  const y = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
  const each = l.households > 0 ? `, ${y(Math.round(l.householdsFen / l.households))} each` : '';
  return `${(l.lostWh / 1000).toFixed(1)} kWh lost: cost the ${l.households} households ${y(l.householdsFen)}${each}, and the company ${y(l.companyFen)}`;
}
