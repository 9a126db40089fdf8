import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { isMonth, monthDays } from '../../common/index.ts';
import { projectYear, yearTargets } from './targets.ts';

/**
 * One payout month from the ledger: every line payable in the month (the
 * month's daily lines and adjustments of earlier days), the maintenance
 * deduction (per-mille of each household's gross for the month, rounded
 * down, kept by the company), December's top-ups, and the year so far.
 */
export interface MonthFilter { month: string; site?: string; village?: string }

export interface StatementLine { site_id: string; day: string; kind: 'daily' | 'adjustment'; settlement_id: string; corrects_id: string | null; share_w: number; energy_wh: number; amount_fen: number; flags: string }
export interface HouseholdMonth {
  household_id: string; name: string; village: string; site_id: string; site_name: string; share_w: number;
  energy_wh: number; daily_fen: number; adjustment_fen: number; deduction_fen: number; topup_fen: number; net_fen: number;
  ytd_fen: number; target_fen: number; projection_fen: number; lines: StatementLine[];
}
export interface SiteMonth { site_id: string; name: string; village: string; capacity_w: number; energy_wh: number; revenue_fen: number; households_fen: number; company_fen: number; deduction_fen: number; topup_fen: number }
export interface MonthTotals { revenue_fen: number; households_gross_fen: number; company_gross_fen: number; deduction_fen: number; topup_fen: number; households_net_fen: number; company_net_fen: number }
export interface Month { month: string; closed: boolean; households: HouseholdMonth[]; sites: SiteMonth[]; totals: MonthTotals }

interface LineRow { settlement_id: string; allocation_id: string; household_id: string; share_w: number; kind: 'daily' | 'adjustment'; amount_fen: number; site_id: string; day: string; energy_wh: number; capacity_w: number; corrects_id: string | null; flags: string }

export async function loadMonth(db: Db, f: MonthFilter): Promise<Month> {
  if (!isMonth(f.month)) throw new SunshareError('PAYOUT_BAD_MONTH', `--month must be YYYY-MM, got "${f.month}"`);
  // a village's sites by id: the ledger indexes settlements by site, so a village reads its own rows only
  const villageSites = f.village ? (await db.q.selectFrom('sites').select('id').where('village', '=', f.village).execute()).map((r) => r.id) : [];
  if (villageSites.length === 0) villageSites.push(''); // a village without sites matches nothing
  const lines: LineRow[] = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select(['l.settlement_id', 'l.allocation_id', 'l.household_id', 'l.share_w', 'l.kind', 'l.amount_fen', 's.site_id', 's.day', 's.energy_wh', 's.capacity_w', 's.corrects_id', 's.flags'])
    .where('l.payable_month', '=', f.month)
    .$if(!!f.site, (q) => q.where('s.site_id', '=', f.site!))
    .$if(!!f.village, (q) => q.where('s.site_id', 'in', villageSites))
    .orderBy('s.site_id').orderBy('l.household_id').orderBy('s.day').orderBy('s.version')
    .$narrowType<{ kind: 'daily' | 'adjustment' }>() // the column's CHECK constraint
    .execute();
  const sites = new Map(
    (
      await db.q
        .selectFrom('sites as st')
        .leftJoin('site_policies as p', 'p.site_id', 'st.id')
        .select(['st.id', 'st.name', 'st.village', 'st.capacity_w', 'p.maintenance_permille'])
        .execute()
    ).map((s) => [s.id, s]),
  );
  const people = new Map((await db.q.selectFrom('households').select(['id', 'name', 'village']).execute()).map((h) => [h.id, h]));
  const year = Number(f.month.slice(0, 4));
  const { last } = monthDays(f.month);
  const targets = await yearTargets(db, year, f.site);
  const ytdRows = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select((eb) => ['s.site_id', 'l.household_id', eb.fn.sum<number>('l.amount_fen').as('fen')])
    .where('l.payable_month', '>=', `${year}-01`)
    .where('l.payable_month', '<=', f.month)
    .where('l.household_id', '<>', '')
    .$if(!!f.site, (q) => q.where('s.site_id', '=', f.site!))
    .$if(!!f.village, (q) => q.where('s.site_id', 'in', villageSites))
    .groupBy(['s.site_id', 'l.household_id'])
    .execute();
  const ytd = new Map(ytdRows.map((r) => [`${r.site_id}|${r.household_id}`, Number(r.fen)]));
  const topups = new Map(
    (await db.q.selectFrom('topups').select(['site_id', 'household_id', 'amount_fen']).where('payable_month', '=', f.month).execute()).map((t) => [
      `${t.site_id}|${t.household_id}`,
      Number(t.amount_fen),
    ]),
  );

  // a closed month keeps the deductions it was closed with, whatever the policy says now
  const frozen = new Map(
    (await db.q.selectFrom('payout_statements').select(['site_id', 'household_id', 'deduction_fen']).where('month', '=', f.month).execute()).map((r) => [
      `${r.site_id}|${r.household_id}`,
      Number(r.deduction_fen),
    ]),
  );
  const closed = (await db.q.selectFrom('payout_months').select('month').where('month', '=', f.month).executeTakeFirst()) !== undefined;
  const hh = new Map<string, HouseholdMonth>();
  const siteMonths = new Map<string, SiteMonth>();
  const energyDays = new Set<string>();
  for (const l of lines) {
    const site = sites.get(l.site_id)!;
    let sm = siteMonths.get(l.site_id);
    if (!sm) siteMonths.set(l.site_id, (sm = { site_id: l.site_id, name: site.name, village: site.village, capacity_w: site.capacity_w, energy_wh: 0, revenue_fen: 0, households_fen: 0, company_fen: 0, deduction_fen: 0, topup_fen: 0 }));
    sm.revenue_fen += l.amount_fen;
    if (l.kind === 'daily' && !energyDays.has(l.settlement_id)) {
      energyDays.add(l.settlement_id);
      sm.energy_wh += l.energy_wh;
    }
    if (l.household_id === '') {
      sm.company_fen += l.amount_fen;
      continue;
    }
    sm.households_fen += l.amount_fen;
    const key = `${l.site_id}|${l.household_id}`;
    let h = hh.get(key);
    if (!h) {
      const p = people.get(l.household_id);
      hh.set(key, (h = { household_id: l.household_id, name: p?.name ?? '', village: p?.village ?? '', site_id: l.site_id, site_name: site.name, share_w: 0, energy_wh: 0, daily_fen: 0, adjustment_fen: 0, deduction_fen: 0, topup_fen: 0, net_fen: 0, ytd_fen: 0, target_fen: 0, projection_fen: 0, lines: [] }));
    }
    // the household's part of the site's energy, to the Wh (daily lines; adjustments carry money only)
    const energy = l.kind === 'daily' ? Math.round((l.energy_wh * l.share_w) / l.capacity_w) : 0;
    h.share_w = Math.max(h.share_w, l.share_w);
    h.energy_wh += energy;
    if (l.kind === 'daily') h.daily_fen += l.amount_fen;
    else h.adjustment_fen += l.amount_fen;
    h.lines.push({ site_id: l.site_id, day: l.day, kind: l.kind, settlement_id: l.settlement_id, corrects_id: l.corrects_id, share_w: l.share_w, energy_wh: energy, amount_fen: l.amount_fen, flags: l.flags });
  }
  // a household topped up in a month where it has no lines (its allocation ended) still gets its row
  for (const key of topups.keys()) {
    const [siteId, householdId] = key.split('|') as [string, string];
    const site = sites.get(siteId);
    if (hh.has(key) || !site || (f.site && f.site !== siteId) || (f.village && f.village !== site.village)) continue;
    const p = people.get(householdId);
    hh.set(key, { household_id: householdId, name: p?.name ?? '', village: p?.village ?? '', site_id: siteId, site_name: site.name, share_w: 0, energy_wh: 0, daily_fen: 0, adjustment_fen: 0, deduction_fen: 0, topup_fen: 0, net_fen: 0, ytd_fen: 0, target_fen: 0, projection_fen: 0, lines: [] });
    if (!siteMonths.has(siteId)) siteMonths.set(siteId, { site_id: siteId, name: site.name, village: site.village, capacity_w: site.capacity_w, energy_wh: 0, revenue_fen: 0, households_fen: 0, company_fen: 0, deduction_fen: 0, topup_fen: 0 });
  }
  for (const [key, h] of hh) {
    const permille = sites.get(h.site_id)!.maintenance_permille ?? 0;
    const gross = h.daily_fen + h.adjustment_fen;
    h.deduction_fen = frozen.get(key) ?? (gross > 0 ? Math.floor((gross * permille) / 1000) : 0);
    h.topup_fen = topups.get(key) ?? 0;
    h.net_fen = gross - h.deduction_fen + h.topup_fen;
    h.ytd_fen = ytd.get(key) ?? 0;
    h.target_fen = targets.get(key)?.target_fen ?? 0;
    h.projection_fen = projectYear(h.ytd_fen, last);
    const sm = siteMonths.get(h.site_id)!;
    sm.deduction_fen += h.deduction_fen;
    sm.topup_fen += h.topup_fen;
  }
  const households = [...hh.values()].sort((a, b) => (a.site_id + a.household_id).localeCompare(b.site_id + b.household_id));
  const siteList = [...siteMonths.values()];
  const sum = (k: keyof SiteMonth) => siteList.reduce((a, s) => a + Number(s[k]), 0);
  const totals: MonthTotals = {
    revenue_fen: sum('revenue_fen'),
    households_gross_fen: sum('households_fen'),
    company_gross_fen: sum('company_fen'),
    deduction_fen: sum('deduction_fen'),
    topup_fen: sum('topup_fen'),
    households_net_fen: sum('households_fen') - sum('deduction_fen') + sum('topup_fen'),
    company_net_fen: sum('company_fen') + sum('deduction_fen') - sum('topup_fen'),
  };
  return { month: f.month, closed, households, sites: siteList, totals };
}
