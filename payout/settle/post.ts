import type { Insertable } from 'kysely';
import type { Db, SettlementsTable } from '../../common/ledger/index.ts';
import { monthOf, todayIn } from '../../common/index.ts';
import { openMonth } from '../period/close.ts';
import { computeSiteDay } from './compute.ts';
import { siteDay, type BatchInputs } from './inputs.ts';
import { gapOf, type DataGap } from './gaps.ts';
import { insertRows } from './insert.ts';
import { cumulativeLines, perDayLines, type LineRow, type Posting } from './lines.ts';
import { emptyState, loadRoundingStates, postedLines, roundingCutover, stateRow, type PostedAllocation } from './rounding-state.ts';

export type SettlementRow = Insertable<SettlementsTable>;
export { line, type LineRow } from './lines.ts';

/** What postBatch adds to the run's result. */
export interface PostCounts { runId: string; posted: number; adjusted: number; unchanged: number; skipped: string[]; lines: number; gaps: DataGap[] }

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
    const todayDay = todayIn(site.time_zone, now);
    const thisMonth = monthOf(todayDay);
    today.set(site.id, thisMonth);
    const list: Posting[] = [];
    for (const day of days) {
      if (site.commissioned_on && day < site.commissioned_on) continue; // nothing to settle before the site ran
      if (day >= todayDay) break; // not ended yet (listed in the run's notEnded)
      const previous = inputs.posted.get(siteDay(site.id, day));
      const outcome = computeSiteDay(inputs, site, day, previous?.inputs_hash, day >= cutover);
      if (!outcome.ok) {
        result.skipped.push(outcome.problem);
        continue;
      }
      const gap = gapOf(site.id, day, 'unchanged' in outcome ? (previous?.flags ? previous.flags.split(',') : []) : outcome.value.flags);
      if (gap) result.gaps.push(gap);
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
