import type { Db } from '../../common/ledger/index.ts';
import { textOf } from '../../common/text.ts';
import { defaultTariffId } from './kinds.ts';
import type { Parsed, Row } from './parse.ts';

interface Span { id: string; household_id: string; site_id: string; share_w: number; valid_from: string; valid_to: string | null; where: string; imported: boolean }
const END = '9999-12-31';

/** A site's booked total on each day one of its allocations starts: the total only changes there. */
export function bookedByStartDay<S extends { share_w: number; valid_from: string; valid_to: string | null }>(list: readonly S[]): { day: string; total: number; live: S[] }[] {
  return [...new Set(list.map((s) => s.valid_from))].map((day) => {
    const live = list.filter((s) => s.valid_from <= day && (s.valid_to ?? END) >= day);
    return { day, total: live.reduce((a, s) => a + s.share_w, 0), live };
  });
}

/**
 * Checks the import against itself and the ledger's registry: unknown sites
 * and households, date ranges backwards, a household's overlapping
 * allocations on one site, sites overbooked on any day, overlapping tariffs.
 */
export async function crossCheck(db: Db, p: Parsed, problems: string[]): Promise<void> {
  const dbSites = await db.q.selectFrom('sites').select(['id', 'capacity_w']).execute();
  const capacity = new Map(dbSites.map((s) => [s.id, s.capacity_w]));
  for (const s of p.sites) if (typeof s.capacity_w === 'number') capacity.set(String(s.id), s.capacity_w);
  const siteRows = new Map(p.sites.map((r) => [String(r.id), r._where]));
  const households = new Set((await db.q.selectFrom('households').select('id').execute()).map((h) => h.id));
  for (const h of p.households) households.add(String(h.id));

  const needSite = (r: Row, kind: string) => {
    if (r.site_id !== undefined && !capacity.has(textOf(r.site_id))) problems.push(`${r._where} column site_id: unknown site "${textOf(r.site_id)}" for this ${kind}`);
  };
  p.devices.forEach((r) => needSite(r, 'device'));
  p.tariffs.forEach((r) => needSite(r, 'tariff'));
  p.policies.forEach((r) => needSite(r, 'policy'));
  for (const r of p.allocations) {
    needSite(r, 'allocation');
    if (r.household_id !== undefined && !households.has(textOf(r.household_id))) problems.push(`${r._where} column household_id: unknown household "${textOf(r.household_id)}"`);
  }
  for (const r of [...p.allocations, ...p.tariffs]) {
    if (typeof r.valid_to === 'string' && typeof r.valid_from === 'string' && r.valid_to < r.valid_from) {
      problems.push(`${r._where} column valid_to: valid_to ${r.valid_to} is before valid_from ${r.valid_from}`);
    }
  }

  // allocations as they will be after the import: the ledger's, replaced by imported rows with the same id
  const spans = new Map<string, Span>();
  for (const a of await db.q.selectFrom('allocations').select(['id', 'household_id', 'site_id', 'share_w', 'valid_from', 'valid_to']).execute()) spans.set(a.id, { ...a, where: `ledger allocation ${a.id}`, imported: false });
  for (const r of p.allocations) {
    if (typeof r.share_w !== 'number' || typeof r.valid_from !== 'string') continue;
    spans.set(String(r.id), { id: String(r.id), household_id: String(r.household_id), site_id: String(r.site_id), share_w: r.share_w, valid_from: r.valid_from, valid_to: (r.valid_to as string | null) || null, where: r._where, imported: true });
  }
  const bySite = new Map<string, Span[]>();
  for (const s of spans.values()) bySite.set(s.site_id, [...(bySite.get(s.site_id) ?? []), s]);
  for (const [site, list] of bySite) {
    const byHousehold = new Map<string, Span[]>();
    for (const s of list) byHousehold.set(s.household_id, [...(byHousehold.get(s.household_id) ?? []), s]);
    for (const own of byHousehold.values()) {
      own.sort((a, b) => a.valid_from.localeCompare(b.valid_from));
      for (let i = 1; i < own.length; i++) {
        const prev = own[i - 1]!;
        if ((prev.valid_to ?? END) >= own[i]!.valid_from) {
          problems.push(`${own[i]!.where}${own[i]!.imported ? ' column valid_from' : ''}: allocation ${own[i]!.id} of household ${own[i]!.household_id} overlaps allocation ${prev.id} (${prev.where}) on site ${site}`);
        }
      }
    }
    const cap = capacity.get(site);
    if (cap === undefined) continue;
    overbooking(site, cap, list, siteRows.get(site), problems);
  }
  const tariffs = new Map<string, { site: string; from: string; to: string; where: string; imported: boolean }>();
  // keyed by id: an imported row with a tariff's id replaces it (a corrected start date), it does not overlap it
  for (const t of await db.q.selectFrom('tariffs').select(['id', 'site_id', 'valid_from', 'valid_to']).execute()) {
    tariffs.set(t.id ?? defaultTariffId(t.site_id, t.valid_from), { site: t.site_id, from: t.valid_from, to: t.valid_to ?? END, where: `ledger tariff ${t.site_id} from ${t.valid_from}`, imported: false });
  }
  for (const r of p.tariffs) tariffs.set(typeof r.id === 'string' && r.id ? r.id : defaultTariffId(r.site_id, r.valid_from), { site: String(r.site_id), from: String(r.valid_from), to: (r.valid_to as string | null) || END, where: r._where, imported: true });
  const bySiteTariff = [...tariffs.values()].sort((a, b) => (a.site + a.from).localeCompare(b.site + b.from));
  for (let i = 1; i < bySiteTariff.length; i++) {
    const a = bySiteTariff[i - 1]!;
    const b = bySiteTariff[i]!;
    if (a.site === b.site && a.to >= b.from) problems.push(`${b.where}${b.imported ? ' column valid_from' : ''}: tariff overlaps ${a.where} on site ${b.site}`);
  }
}

/**
 * A site booked over its capacity on some day, blamed on the row that tips it
 * over: the first allocation, in the order the ledger then the files hold
 * them, whose share takes that day's total past the capacity; or the site row
 * whose new capacity is below what the ledger already has allocated.
 */
function overbooking(site: string, cap: number, list: readonly Span[], siteRow: string | undefined, problems: string[]): void {
  const blamed = new Set<string>();
  for (const { day, total, live } of bookedByStartDay(list)) {
    if (total <= cap) continue;
    const ordered = [...live.filter((s) => !s.imported), ...live.filter((s) => s.imported)];
    let sum = 0;
    const tip = ordered.find((s) => (sum += s.share_w) > cap)!;
    const before = sum - tip.share_w;
    if (!tip.imported) {
      const key = `site:${site}`;
      if (blamed.has(key)) continue;
      blamed.add(key);
      problems.push(`${siteRow ?? `site ${site}`}${siteRow ? ' column capacity_kw' : ''}: capacity ${cap / 1000} kW of site ${site} is below the ${total / 1000} kW its allocations already hold on ${day}`);
      continue;
    }
    if (blamed.has(tip.id)) continue;
    blamed.add(tip.id);
    problems.push(
      `${tip.where} column share_kw: allocation ${tip.id} (${tip.share_w / 1000} kW from ${tip.valid_from}) overbooks site ${site} on ${day}: ${before / 1000} kW is already allocated that day, the capacity is ${cap / 1000} kW`,
    );
  }
}
