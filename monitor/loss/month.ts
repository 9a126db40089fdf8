import type { Db } from '../../common/ledger/index.ts';
import { dayStart, nextMonth } from '../../common/time.ts';

export interface SiteMonthLoss {
  site: string;
  name: string;
  alarms: number;
  lostWh: number;
  lostFen: number;
  householdsFen: number;
  companyFen: number;
}

/**
 * What generation alarms cost each site in a month (alarms raised in the
 * site's local month), for the monthly site report: exact sums of the
 * alarms' recorded losses, households' and company's parts adding up.
 */
export async function monthlyLosses(db: Db, month: string, site?: string): Promise<SiteMonthLoss[]> {
  const sites = await db.q
    .selectFrom('sites')
    .select(['id', 'name', 'time_zone'])
    .$if(site !== undefined, (b) => b.where('id', '=', site!))
    .orderBy('id')
    .execute();
  const out: SiteMonthLoss[] = [];
  for (const s of sites) {
    const from = dayStart(`${month}-01`, s.time_zone);
    const to = dayStart(`${nextMonth(month)}-01`, s.time_zone);
    const rows = await db.q
      .selectFrom('alarms')
      .select(['lost_wh', 'lost_fen', 'households_fen', 'company_fen'])
      .where('site_id', '=', s.id)
      .where('stops_generation', '=', 1)
      .where('raised_at', '>=', from)
      .where('raised_at', '<', to)
      .execute();
    const sum = (k: 'lost_wh' | 'lost_fen' | 'households_fen' | 'company_fen') => rows.reduce((a, r) => a + Number(r[k]), 0);
    out.push({ site: s.id, name: s.name, alarms: rows.length, lostWh: sum('lost_wh'), lostFen: sum('lost_fen'), householdsFen: sum('households_fen'), companyFen: sum('company_fen') });
  }
  return out;
}
