import type { Db } from '../../common/ledger/index.ts';
import { daysBetween } from '../../common/index.ts';

/** The annual target is per 3 kW share and a full year; a household's is prorated by the share-days it held. */
export const TARGET_SHARE_W = 3000;

const daysInYear = (year: number) => (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 366 : 365);

export interface HouseholdTarget { site_id: string; household_id: string; target_fen: number }

/** Prorated targets for one year: target x sum(share_w x days held) / (3000 W x days in year), rounded half up. */
export async function yearTargets(db: Db, year: number, siteId?: string): Promise<Map<string, HouseholdTarget>> {
  const first = `${year}-01-01`;
  const last = `${year}-12-31`;
  const rows = await db.q
    .selectFrom('allocations as a')
    .leftJoin('site_policies as p', 'p.site_id', 'a.site_id')
    .select(['a.site_id', 'a.household_id', 'a.share_w', 'a.valid_from', 'a.valid_to', 'p.annual_target_fen'])
    .where('a.valid_from', '<=', last)
    .where((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>=', first)]))
    .$if(!!siteId, (q) => q.where('a.site_id', '=', siteId!))
    .execute();
  const shareDays = new Map<string, { site_id: string; household_id: string; sd: bigint; target: number }>();
  for (const r of rows) {
    const from = r.valid_from > first ? r.valid_from : first;
    const to = r.valid_to !== null && r.valid_to < last ? r.valid_to : last;
    const days = daysBetween(from, to) + 1;
    const key = `${r.site_id}|${r.household_id}`;
    const seen = shareDays.get(key) ?? { site_id: r.site_id, household_id: r.household_id, sd: 0n, target: Number(r.annual_target_fen ?? 300_000) };
    seen.sd += BigInt(r.share_w) * BigInt(days);
    shareDays.set(key, seen);
  }
  const den = BigInt(TARGET_SHARE_W * daysInYear(year));
  const out = new Map<string, HouseholdTarget>();
  for (const [key, v] of shareDays) {
    const target = (2n * BigInt(v.target) * v.sd + den) / (2n * den);
    out.set(key, { site_id: v.site_id, household_id: v.household_id, target_fen: Number(target) });
  }
  return out;
}

/** Linear projection of a year-to-date amount to the full year. */
export function projectYear(ytdFen: number, throughDay: string): number {
  const year = Number(throughDay.slice(0, 4));
  const elapsed = daysBetween(`${year}-01-01`, throughDay) + 1;
  return Math.round((ytdFen * daysInYear(year)) / elapsed);
}
