import type { Insertable } from 'kysely';
import type { Db, SettlementLinesTable, SettlementsTable } from '../../common/ledger/index.ts';
import { monthOf, todayIn } from '../../common/index.ts';
import { lcm, roundPosting, roundPostingNumbers } from '../money/cumulative.ts';
import { openMonth } from '../period/close.ts';
import { computeSiteDay, type Computed } from './compute.ts';
import { siteDay, type BatchInputs, type PostedRow } from './inputs.ts';
import { insertRows } from './insert.ts';
import { emptyState, loadRoundingStates, postedLines, roundingCutover, stateRow, type PostedAllocation, type Residual, type RoundingState } from './rounding-state.ts';

export type SettlementRow = Insertable<SettlementsTable>;
export type LineRow = Insertable<SettlementLinesTable>;

/** What postBatch adds to the run's result. */
export interface PostCounts { runId: string; posted: number; adjusted: number; unchanged: number; skipped: string[]; lines: number }

interface Posting { day: string; c: Computed; previous: PostedRow | undefined; month: string }

const COMPANY = '';

export function line(settlementId: string, allocationId: string, householdId: string, shareW: number, kind: 'daily' | 'adjustment', gridFen: number, subsidyFen: number, payableMonth: string): LineRow {
  return {
    settlement_id: settlementId,
    allocation_id: allocationId,
    household_id: householdId,
    share_w: shareW,
    kind,
    grid_fen: gridFen,
    subsidy_fen: subsidyFen,
    amount_fen: gridFen + subsidyFen,
    payable_month: payableMonth,
  };
}

/**
 * Posts one batch of sites in the caller's transaction. Per site, the day's
 * postings are made in order of the month they are paid in, then day, and a
 * posting is never paid in a month before one already posted for the site
 * (so each payable month is one stretch of the site's postings, the stretch
 * cumulative rounding bounds). Days from the cut-over are split by cumulative
 * rounding (money/cumulative.ts); earlier days keep the per-day split.
 */
export async function postBatch(tx: Db, inputs: BatchInputs, days: string[], now: Date, closed: string | undefined, result: PostCounts): Promise<void> {
  const postedAt = now.toISOString();
  const cutover = await roundingCutover(tx);
  const bySite = new Map<string, Posting[]>();
  const today = new Map<string, string>();
  for (const site of inputs.sites) {
    const thisMonth = monthOf(todayIn(site.time_zone, now));
    today.set(site.id, thisMonth);
    const list: Posting[] = [];
    for (const day of days) {
      if (site.commissioned_on && day < site.commissioned_on) continue; // nothing to settle before the site ran
      const previous = inputs.posted.get(siteDay(site.id, day));
      const outcome = computeSiteDay(inputs, site, day, previous?.inputs_hash, day >= cutover);
      if (!outcome.ok) {
        result.skipped.push(outcome.problem);
        continue;
      }
      if ('unchanged' in outcome) {
        result.unchanged++;
        continue;
      }
      // a first posting is paid with its day's month; a correction with the current month (never before the day's)
      const wanted = previous ? (monthOf(day) > thisMonth ? monthOf(day) : thisMonth) : monthOf(day);
      list.push({ day, c: outcome.value, previous, month: openMonth(wanted, closed) });
    }
    if (list.length > 0) bySite.set(site.id, list.sort((a, b) => (a.month === b.month ? (a.day < b.day ? -1 : 1) : a.month < b.month ? -1 : 1)));
  }
  if (bySite.size === 0) return;
  const states = await loadRoundingStates(tx, [...bySite.keys()]);
  const restated = [...bySite.values()].flatMap((l) => l.filter((p) => p.previous).map((p) => ({ site_id: p.c.site_id, day: p.day })));
  const paid = await postedLines(tx, restated);
  const settlements: SettlementRow[] = [];
  const lines: LineRow[] = [];
  const stateRows: ReturnType<typeof stateRow>[] = [];
  for (const site of inputs.sites) {
    const list = bySite.get(site.id);
    if (!list) continue;
    const found = states.get(site.id);
    const state = found ?? emptyState();
    let rounded = false;
    for (const p of list) {
      // never paid before a month already posted for the site (up to the current month: a run with a clock
      // set back, as in tests, pays as the clock says)
      if (state.month > p.month && state.month <= today.get(site.id)!) p.month = openMonth(state.month, closed);
      if (p.month > state.month) state.month = p.month;
      const version = (p.previous?.version ?? 0) + 1;
      const id = `${site.id}/${p.day}/v${version}`;
      settlements.push(settlementRow(p, id, version, result.runId, postedAt));
      const before = paid.get(siteDay(site.id, p.day)) ?? new Map<string, PostedAllocation>();
      if (p.day < cutover) lines.push(...perDayLines(p, id, before));
      else {
        lines.push(...cumulativeLines(p, id, before, state));
        rounded = true;
      }
      if (p.previous) result.adjusted++;
      else result.posted++;
    }
    if (rounded) stateRows.push(stateRow(site.id, { ...state, seq: (found?.seq ?? 0) + 1 }, result.runId));
  }
  await insertRows(tx.q, 'settlements', settlements);
  await insertRows(tx.q, 'settlement_lines', lines);
  await insertRows(tx.q, 'rounding_states', stateRows);
  result.lines += lines.length;
}

function settlementRow(p: Posting, id: string, version: number, runId: string, postedAt: string): SettlementRow {
  const c = p.c;
  return {
    id,
    site_id: c.site_id,
    day: p.day,
    version,
    corrects_id: p.previous?.id ?? null,
    inputs_hash: c.inputs_hash,
    energy_wh: c.energy_wh,
    energy_source: c.energy_source,
    flags: c.flags.join(','),
    capacity_w: c.capacity_w,
    grid_rate: c.grid_rate,
    subsidy_rate: c.subsidy_rate,
    grid_fen: c.grid_fen,
    subsidy_fen: c.subsidy_fen,
    revenue_fen: c.revenue_fen,
    run_id: runId,
    posted_at: postedAt,
  };
}

/** Before the cut-over: the day's own largest-remainder split, and corrections as the difference per allocation. */
function perDayLines(p: Posting, id: string, before: Map<string, PostedAllocation>): LineRow[] {
  if (!p.previous) return p.c.lines.map((l) => line(id, l.allocation_id, l.household_id, l.share_w, 'daily', l.grid_fen, l.subsidy_fen, p.month));
  const out: LineRow[] = [];
  const seen = new Set<string>();
  for (const l of p.c.lines) {
    seen.add(l.allocation_id);
    const b = before.get(l.allocation_id);
    const grid = l.grid_fen - (b?.grid_fen ?? 0);
    const amount = l.grid_fen + l.subsidy_fen - (b?.amount_fen ?? 0);
    if (grid !== 0 || amount !== 0) out.push(line(id, l.allocation_id, l.household_id, l.share_w, 'adjustment', grid, amount - grid, p.month));
  }
  // allocations no longer valid that day give back what they were paid
  for (const [allocation, b] of before) {
    if (seen.has(allocation) || (b.grid_fen === 0 && b.amount_fen === 0)) continue;
    out.push(line(id, allocation, b.household_id, 0, 'adjustment', -b.grid_fen, b.grid_fen - b.amount_fen, p.month));
  }
  return out;
}

interface Party { household: string; allocation: string; newShare: number; oldShare: number }

const byHousehold = (a: Party, b: Party) => (a.household === COMPANY ? 1 : b.household === COMPANY ? -1 : a.household < b.household ? -1 : a.household > b.household ? 1 : 0);

/**
 * From the cut-over: each household's amount (and the company's) comes from
 * cumulative rounding of its exact share of this posting (a restatement: new
 * exact share minus old) against its residual; the grid part is the day's
 * own largest-remainder split (a correction: its difference), the subsidy
 * part the rest, so every column still sums exactly.
 */
function cumulativeLines(p: Posting, id: string, before: Map<string, PostedAllocation>, state: RoundingState): LineRow[] {
  const c = p.c;
  const year = p.month.slice(0, 4);
  if (state.year !== year) {
    state.year = year;
    state.den = 1n;
    state.residuals = new Map();
  }
  if (state.lastDay < p.day) state.lastDay = p.day;
  const kind = p.previous ? 'adjustment' : 'daily';
  // the parties: one per household (its allocations' shares summed) and the company, in tie-break order
  const parties = new Map<string, Party>();
  for (const l of c.lines) {
    const q = parties.get(l.household_id);
    if (q) q.newShare += l.share_w;
    else parties.set(l.household_id, { household: l.household_id, allocation: l.allocation_id, newShare: l.share_w, oldShare: 0 });
  }
  for (const [allocation, b] of before) {
    if (b.share_w <= 0 && allocation !== COMPANY) continue;
    const q = parties.get(b.household_id);
    if (q) q.oldShare += b.share_w;
    else parties.set(b.household_id, { household: b.household_id, allocation, newShare: 0, oldShare: b.share_w });
  }
  const order = [...parties.values()].sort(byHousehold);
  const oldCapacity = p.previous ? p.previous.capacity_w : c.capacity_w;
  const oldRevenue = p.previous ? p.previous.revenue_fen : 0;
  // the common denominator: every capacity this year's exact shares were taken over
  let den = lcm(state.den, BigInt(c.capacity_w));
  if (p.previous) den = lcm(den, BigInt(oldCapacity));
  if (den !== state.den) {
    const scale = den / state.den;
    const small = den <= MAX_DEN;
    for (const v of state.residuals.values()) v.r = small && typeof v.r === 'number' ? v.r * Number(scale) : BigInt(v.r) * scale;
    state.den = den;
  }
  const spares: Residual[] = [];
  const spareIds: string[] = [];
  for (const [h, v] of state.residuals) {
    if (parties.has(h)) continue;
    spares.push(v);
    spareIds.push(h);
  }
  const newPer = den / BigInt(c.capacity_w);
  const oldPer = den / BigInt(oldCapacity);
  const total = c.revenue_fen - oldRevenue;
  const residualOf = (q: Party) => state.residuals.get(q.household)?.r ?? 0;
  let amounts: number[];
  let residuals: (number | bigint)[];
  let settled: number[];
  if (fitsDoubles(den, c.revenue_fen, oldRevenue, newPer, oldPer, order)) {
    const nNew = Number(newPer);
    const nOld = Number(oldPer);
    const out = roundPostingNumbers(
      order.map((q) => c.revenue_fen * q.newShare * nNew - oldRevenue * q.oldShare * nOld),
      order.map((q) => Number(residualOf(q))),
      Number(den),
      total,
      spares.map((v) => Number(v.r)),
    );
    ({ amounts, residuals, spares: settled } = out);
  } else {
    const out = roundPosting(
      order.map((q) => ({ x: BigInt(c.revenue_fen) * BigInt(q.newShare) * newPer - BigInt(oldRevenue) * BigInt(q.oldShare) * oldPer, r: BigInt(residualOf(q)) })),
      den,
      total,
      spares.map((v) => BigInt(v.r)),
    );
    ({ amounts, residuals, spares: settled } = out);
  }
  const amount = new Map<string, number>();
  order.forEach((q, i) => {
    amount.set(q.household, amounts[i]!);
    const s = state.residuals.get(q.household);
    if (s) {
      s.r = residuals[i]!;
      s.allocation = q.allocation;
    } else state.residuals.set(q.household, { r: residuals[i]!, allocation: q.allocation });
  });
  const rows = new Map<string, LineRow>();
  if (!p.previous) {
    for (const l of c.lines) rows.set(l.allocation_id, line(id, l.allocation_id, l.household_id, l.share_w, kind, l.grid_fen, amount.get(l.household_id)! - l.grid_fen, p.month));
  } else {
    // a household's amount goes on its allocation of the new version, else on its latest one of the old
    const placed = new Set<string>();
    for (const l of c.lines) {
      const b = before.get(l.allocation_id);
      const grid = l.grid_fen - (b?.grid_fen ?? 0);
      const a = placed.has(l.household_id) ? 0 : amount.get(l.household_id)!;
      placed.add(l.household_id);
      if (a !== 0 || grid !== 0 || l.share_w !== (b?.share_w ?? 0) || l.allocation_id === COMPANY) rows.set(l.allocation_id, line(id, l.allocation_id, l.household_id, l.share_w, kind, grid, a - grid, p.month));
    }
    const current = new Set(c.lines.map((l) => l.allocation_id));
    for (const [allocation, b] of before) {
      if (rows.has(allocation) || current.has(allocation)) continue;
      const a = placed.has(b.household_id) || !amount.has(b.household_id) ? 0 : amount.get(b.household_id)!;
      placed.add(b.household_id);
      if (a !== 0 || b.grid_fen !== 0 || b.share_w !== 0) rows.set(allocation, line(id, allocation, b.household_id, 0, kind, -b.grid_fen, a + b.grid_fen, p.month));
    }
  }
  // households that left settle a fen of their residual when those in the posting cannot absorb it
  spares.forEach((s, i) => {
    const fen = settled[i]!;
    if (fen === 0) return;
    s.r = typeof s.r === 'number' ? s.r + fen * Number(den) : s.r + BigInt(fen) * den;
    const existing = rows.get(s.allocation);
    if (existing) {
      existing.subsidy_fen = Number(existing.subsidy_fen) + fen;
      existing.amount_fen = Number(existing.amount_fen) + fen;
    } else rows.set(s.allocation, line(id, s.allocation, spareIds[i]!, 0, kind, 0, fen, p.month));
  });
  return [...rows.values()];
}

/** Residuals stay numbers (exact in doubles with room for the products below) while den is at most this. */
const MAX_DEN = 2n ** 40n;
const SAFE = 2 ** 51;

/** Whether every numerator of the posting stays exact in doubles. */
function fitsDoubles(den: bigint, revenue: number, oldRevenue: number, newPer: bigint, oldPer: bigint, parties: readonly Party[]): boolean {
  if (den > MAX_DEN) return false;
  let share = 0;
  for (const q of parties) share = Math.max(share, q.newShare, q.oldShare);
  return (Math.abs(revenue) * Number(newPer) + Math.abs(oldRevenue) * Number(oldPer)) * share < SAFE;
}
