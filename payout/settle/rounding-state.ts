import type { Db } from '../../common/ledger/index.ts';

/**
 * The residuals cumulative rounding carries per site (posted minus exact,
 * per household and the company, '' ), read from and appended to
 * rounding_states. One row per site and run; the latest is the state.
 */
export interface RoundingState {
  seq: number;
  /** the payable year the residuals belong to: a new year starts from zero */
  year: string;
  /** latest payable month posted for the site: nothing later is paid earlier */
  month: string;
  lastDay: string;
  den: bigint;
  /** household_id -> residual numerator over den, and the household's latest allocation id */
  residuals: Map<string, Residual>;
}

/** A residual numerator: a number while den stays below 2^40 (always, but for a site whose capacity changed to many coprime values in a year), else a bigint. */
export interface Residual { r: number | bigint; allocation: string }

export function emptyState(): RoundingState {
  return { seq: 0, year: '', month: '', lastDay: '', den: 1n, residuals: new Map() };
}

export async function loadRoundingStates(db: Db, siteIds: readonly string[]): Promise<Map<string, RoundingState>> {
  const out = new Map<string, RoundingState>();
  if (siteIds.length === 0) return out;
  const inBatch = new Set(siteIds);
  const rows = await db.q
    .selectFrom('rounding_states as r')
    .selectAll('r')
    .where('r.site_id', '>=', siteIds[0]!)
    .where('r.site_id', '<=', siteIds[siteIds.length - 1]!)
    .where((eb) => eb('r.seq', '=', eb.selectFrom('rounding_states as x').select((e) => e.fn.max('x.seq').as('m')).whereRef('x.site_id', '=', 'r.site_id')))
    .execute();
  for (const row of rows) {
    if (!inBatch.has(row.site_id)) continue;
    const parsed = JSON.parse(row.residuals) as Record<string, [number | string, string]>;
    out.set(row.site_id, {
      seq: Number(row.seq),
      year: row.year,
      month: row.month,
      lastDay: row.last_day,
      den: BigInt(row.den),
      residuals: new Map(Object.entries(parsed).map(([h, [r, allocation]]) => [h, { r: typeof r === 'number' ? r : BigInt(r), allocation }])),
    });
  }
  return out;
}

/** JSON-quotes an id; most are plain (no quote, backslash or control character) and are quoted as they are. */
function quote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** The row to append; residuals as JSON {household: [numerator, allocation]}, numerators as numbers (bigints as strings), built by hand (a national day writes 130,000). */
export function stateRow(siteId: string, s: RoundingState, runId: string) {
  let json = '';
  for (const [h, v] of s.residuals) json += `${json === '' ? '' : ','}${quote(h)}:[${typeof v.r === 'number' ? String(v.r) : `"${v.r}"`},${quote(v.allocation)}]`;
  return { site_id: siteId, seq: s.seq, year: s.year, month: s.month, last_day: s.lastDay, den: s.den.toString(), residuals: `{${json}}`, run_id: runId };
}

/** The day from which cumulative rounding applies (recorded by migration 206). */
export async function roundingCutover(db: Db): Promise<string> {
  const r = await db.q.selectFrom('rounding_cutover').select('from_day').where('id', '=', 1).executeTakeFirst();
  return r?.from_day ?? '0001-01-01';
}

/** Every line posted so far for some site-days, per allocation, summed over versions; share_w is that of the latest version with a line. */
export interface PostedAllocation { household_id: string; grid_fen: number; amount_fen: number; share_w: number; version: number }

export async function postedLines(db: Db, siteDays: readonly { site_id: string; day: string }[]): Promise<Map<string, Map<string, PostedAllocation>>> {
  const out = new Map<string, Map<string, PostedAllocation>>();
  if (siteDays.length === 0) return out;
  const wanted = new Set(siteDays.map((s) => `${s.site_id}|${s.day}`));
  const sites = [...new Set(siteDays.map((s) => s.site_id))];
  const days = [...new Set(siteDays.map((s) => s.day))];
  for (let i = 0; i < sites.length; i += 500) {
    const rows = await db.q
      .selectFrom('settlement_lines as l')
      .innerJoin('settlements as s', 's.id', 'l.settlement_id')
      .select(['s.site_id', 's.day', 's.version', 'l.allocation_id', 'l.household_id', 'l.grid_fen', 'l.amount_fen', 'l.share_w'])
      .where('s.site_id', 'in', sites.slice(i, i + 500))
      .where('s.day', 'in', days)
      .execute();
    for (const r of rows) {
      const key = `${r.site_id}|${r.day}`;
      if (!wanted.has(key)) continue;
      let m = out.get(key);
      if (!m) out.set(key, (m = new Map<string, PostedAllocation>()));
      const seen = m.get(r.allocation_id);
      const version = Number(r.version);
      if (!seen) {
        m.set(r.allocation_id, { household_id: r.household_id, grid_fen: Number(r.grid_fen), amount_fen: Number(r.amount_fen), share_w: Number(r.share_w), version });
        continue;
      }
      seen.grid_fen += Number(r.grid_fen);
      seen.amount_fen += Number(r.amount_fen);
      if (version > seen.version) {
        seen.version = version;
        seen.share_w = Number(r.share_w);
      }
    }
  }
  return out;
}
