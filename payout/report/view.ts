import type { Db } from '../../common/ledger/index.ts';
import { addDays, daysBetween, monthDays } from '../../common/index.ts';
import { loadMonth, type HouseholdMonth, type Month, type MonthFilter, type StatementLine } from '../period/month.ts';
import { loadLedgerState, provenanceOf, scopeSites, type LedgerState, type Provenance } from './provenance.ts';

/**
 * A payout month as the reports show it: the month from the ledger plus
 * - the year to date on the same basis as the month (net of the maintenance
 *   deduction, top-ups included);
 * - the projection from the settled days and the share-days each household
 *   actually held (its own pace; nothing after its allocation ends);
 * - for each adjustment, the day it corrects with the old and new energy and amount;
 * - the provenance (settlement run and ledger digest).
 */
export interface Correction { corrects_day: string; old_energy_wh: number; new_energy_wh: number; old_fen: number; new_fen: number }
export type ReportLine = StatementLine & { correction?: Correction };
export type ReportHousehold = Omit<HouseholdMonth, 'lines' | 'projection_fen'> & {
  /** gross (before the deduction) earned this year on the days settled, the projection's base */
  earned_fen: number;
  projection_fen: number | null;
  lines: ReportLine[];
};
export interface ReportMonth extends Omit<Month, 'households'> { households: ReportHousehold[]; provenance: Provenance; filter: MonthFilter }

const key = (site: string, household: string) => `${site}|${household}`;

export async function loadReportMonth(db: Db, f: MonthFilter): Promise<ReportMonth> {
  const m = await loadMonth(db, f);
  const state = await loadLedgerState(db, f);
  const ytd = ytdNet(state, await permilles(db));
  const pace = await projections(db, f);
  const corrections = await loadCorrections(db, f);
  const households = m.households.map((h): ReportHousehold => {
    const k = key(h.site_id, h.household_id);
    const lines = h.lines.map((l) => {
      const c = l.kind === 'adjustment' ? corrections.get(`${l.settlement_id}|${h.household_id}`) : undefined;
      return c ? { ...l, energy_wh: c.new_energy_wh - c.old_energy_wh, correction: c } : l;
    });
    const p = pace.get(k);
    return {
      ...h,
      lines,
      energy_wh: lines.reduce((a, l) => a + l.energy_wh, 0),
      ytd_fen: ytd.get(k) ?? h.net_fen,
      earned_fen: p?.earned_fen ?? 0,
      projection_fen: p?.projection_fen ?? null,
    };
  });
  return { ...m, households, provenance: provenanceOf(state), filter: f };
}

async function permilles(db: Db): Promise<Map<string, number>> {
  const rows = await db.q.selectFrom('site_policies').select(['site_id', 'maintenance_permille']).execute();
  return new Map(rows.map((r) => [r.site_id, Number(r.maintenance_permille ?? 0)]));
}

/**
 * Net year to date per site and household: for each month from January, the
 * month's lines less its deduction (frozen when the month was closed, else by
 * the site's policy, as loadMonth does) plus its top-ups.
 */
function ytdNet(s: LedgerState, permille: Map<string, number>): Map<string, number> {
  const gross = new Map<string, number>(); // site|household|month
  for (const l of [...s.lines, ...s.earlier]) {
    if (l.household_id === '') continue;
    const k = `${key(l.site_id, l.household_id)}|${l.payable_month}`;
    gross.set(k, (gross.get(k) ?? 0) + l.amount_fen);
  }
  const frozen = new Map(s.deductions.map((d) => [`${key(d.site_id, d.household_id)}|${d.month}`, d.deduction_fen]));
  const net = new Map<string, number>();
  const add = (k: string, fen: number) => net.set(k, (net.get(k) ?? 0) + fen);
  for (const [k, g] of gross) {
    const [site, household] = k.split('|') as [string, string];
    const deduction = frozen.get(k) ?? (g > 0 ? Math.floor((g * (permille.get(site) ?? 0)) / 1000) : 0);
    add(key(site, household), g - deduction);
  }
  for (const t of s.topups) add(key(t.site_id, t.household_id), t.amount_fen);
  return net;
}

interface Pace { earned_fen: number; projection_fen: number | null }

/**
 * Projection to the year end: what the household earned on the settled days
 * of the year, plus that pace (fen per share-day held on those days) times the
 * share-days it still holds after the last settled day. A household that
 * joined late is projected at its own pace; one whose allocation has ended
 * holds no more share-days and is projected at what it earned.
 */
async function projections(db: Db, f: MonthFilter): Promise<Map<string, Pace>> {
  const year = f.month.slice(0, 4);
  const first = `${year}-01-01`;
  const yearEnd = `${year}-12-31`;
  const { last } = monthDays(f.month);
  const sites = await scopeSites(db, f);
  const settledRows = await db.q
    .selectFrom('settlements as s')
    .select(['s.site_id', 's.day'])
    .distinct()
    .where('s.day', '>=', first)
    .where('s.day', '<=', last)
    .$if(!!sites, (q) => q.where('s.site_id', 'in', sites!))
    .execute();
  const settled = new Map<string, string[]>();
  for (const r of settledRows) settled.set(r.site_id, [...(settled.get(r.site_id) ?? []), r.day]);
  for (const days of settled.values()) days.sort();
  const allocations = await db.q
    .selectFrom('allocations as a')
    .select(['a.site_id', 'a.household_id', 'a.share_w', 'a.valid_from', 'a.valid_to'])
    .where('a.valid_from', '<=', yearEnd)
    .where((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>=', first)]))
    .$if(!!sites, (q) => q.where('a.site_id', 'in', sites!))
    .execute();
  const held = new Map<string, { settled: number; ahead: number }>();
  for (const a of allocations) {
    const days = settled.get(a.site_id) ?? [];
    const from = a.valid_from > first ? a.valid_from : first;
    const to = a.valid_to !== null && a.valid_to < yearEnd ? a.valid_to : yearEnd;
    const settledHeld = days.filter((d) => d >= from && d <= to).length;
    const lastSettled = days.at(-1);
    const aheadFrom = lastSettled === undefined ? from : [from, addDays(lastSettled, 1)].sort().at(-1)!;
    const ahead = aheadFrom <= to ? daysBetween(aheadFrom, to) + 1 : 0;
    const k = key(a.site_id, a.household_id);
    const h = held.get(k) ?? { settled: 0, ahead: 0 };
    h.settled += Number(a.share_w) * settledHeld;
    h.ahead += Number(a.share_w) * ahead;
    held.set(k, h);
  }
  const earnedRows = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select((eb) => ['s.site_id', 'l.household_id', eb.fn.sum<number>('l.amount_fen').as('fen')])
    .where('s.day', '>=', first)
    .where('s.day', '<=', last)
    .where('l.payable_month', '<=', f.month)
    .where('l.household_id', '<>', '')
    .$if(!!sites, (q) => q.where('s.site_id', 'in', sites!))
    .groupBy(['s.site_id', 'l.household_id'])
    .execute();
  const earned = new Map(earnedRows.map((r) => [key(r.site_id, r.household_id), Number(r.fen)]));
  const out = new Map<string, Pace>();
  for (const [k, e] of earned) {
    const h = held.get(k);
    out.set(k, { earned_fen: e, projection_fen: !h || h.settled === 0 ? null : e + Math.round((e * h.ahead) / h.settled) });
  }
  return out;
}

/**
 * For every adjustment payable in the month: the site-day it corrects, the
 * household's share of the energy before and after, and its amount for that
 * day before (all earlier versions' lines) and after (plus this adjustment).
 */
async function loadCorrections(db: Db, f: MonthFilter): Promise<Map<string, Correction>> {
  const sites = await scopeSites(db, f);
  const corrected = await db.q
    .selectFrom('settlement_lines as l')
    .innerJoin('settlements as s', 's.id', 'l.settlement_id')
    .select(['s.site_id', 's.day'])
    .distinct()
    .where('l.payable_month', '=', f.month)
    .where('l.kind', '=', 'adjustment')
    .$if(!!sites, (q) => q.where('s.site_id', 'in', sites!))
    .execute();
  const rows = [];
  for (let i = 0; i < corrected.length; i += 200) {
    const pairs = corrected.slice(i, i + 200);
    rows.push(
      ...(await db.q
        .selectFrom('settlement_lines as l')
        .innerJoin('settlements as s', 's.id', 'l.settlement_id')
        .select(['l.settlement_id', 'l.household_id', 'l.share_w', 'l.amount_fen', 's.site_id', 's.day', 's.version', 's.energy_wh', 's.capacity_w'])
        .where('l.household_id', '<>', '')
        .where((eb) => eb.or(pairs.map((p) => eb.and([eb('s.site_id', '=', p.site_id), eb('s.day', '=', p.day)]))))
        .execute()),
    );
  }
  // per site-day and household: amount and share energy by version
  const byDay = new Map<string, Map<number, { settlement_id: string; fen: number; energy: number }>>();
  for (const r of rows) {
    const k = `${r.site_id}|${r.day}|${r.household_id}`;
    const versions = byDay.get(k) ?? new Map<number, { settlement_id: string; fen: number; energy: number }>();
    const v = versions.get(Number(r.version)) ?? { settlement_id: r.settlement_id, fen: 0, energy: 0 };
    v.fen += Number(r.amount_fen);
    v.energy += Math.round((Number(r.energy_wh) * Number(r.share_w)) / Number(r.capacity_w));
    versions.set(Number(r.version), v);
    byDay.set(k, versions);
  }
  const out = new Map<string, Correction>();
  for (const [k, versions] of byDay) {
    const day = k.split('|')[1]!;
    const household = k.split('|')[2]!;
    const ordered = [...versions.entries()].sort((a, b) => a[0] - b[0]);
    let fen = 0;
    let energy = 0;
    for (const [, v] of ordered) {
      out.set(`${v.settlement_id}|${household}`, { corrects_day: day, old_energy_wh: energy, new_energy_wh: v.energy, old_fen: fen, new_fen: fen + v.fen });
      fen += v.fen;
      energy = v.energy;
    }
  }
  return out;
}
