import type { Insertable } from 'kysely';
import type { SettlementLinesTable } from '../../common/ledger/index.ts';
import { lcm, roundPosting, roundPostingNumbers } from '../money/cumulative.ts';
import type { Computed } from './compute.ts';
import type { PostedRow } from './inputs.ts';
import type { PostedAllocation, Residual, RoundingState } from './rounding-state.ts';

/** The lines of one posting (a site-day's first version, or a correction), by the per-day split or by cumulative rounding. */
export type LineRow = Insertable<SettlementLinesTable>;

/** A site-day to post: what it computes to now, the version it corrects (if any), the month it is paid in. */
export interface Posting { day: string; c: Computed; previous: PostedRow | undefined; month: string }

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

/** Before the cut-over: the day's own largest-remainder split, and corrections as the difference per allocation. */
export function perDayLines(p: Posting, id: string, before: Map<string, PostedAllocation>): LineRow[] {
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
export function cumulativeLines(p: Posting, id: string, before: Map<string, PostedAllocation>, state: RoundingState): LineRow[] {
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
