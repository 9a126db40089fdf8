import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db, SettlementLinesTable, SettlementsTable } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { addDays, daysFromTo, isDate, monthOf, nextMonth, todayIn } from '../../common/index.ts';
import { computeSiteDay, type Computed } from './compute.ts';
import { loadBatch, postedTotals, siteDay, sitesToSettle, type BatchInputs } from './inputs.ts';
import { lastClosedMonth, openMonth } from '../period/close.ts';
import { insertRows } from './insert.ts';
import { acquireLock } from './lock.ts';
import { gapOf, type DataGap, type NotEnded } from './gaps.ts';

export interface RunOptions {
  from: string;
  to: string;
  /** settle only these sites (default: all) */
  sites?: readonly string[];
  /** the clock, for the month adjustments are paid in */
  now?: Date;
  /** site-days per batch: each batch is read in a few queries and posted in one transaction */
  batchSiteDays?: number;
  /** take the run lock (default true) */
  lock?: boolean;
}

export interface RunResult {
  runId: string;
  from: string;
  to: string;
  /** first versions posted */
  posted: number;
  /** later versions posted because an input changed */
  adjusted: number;
  unchanged: number;
  /** site-days that could not be settled, with why */
  skipped: string[];
  lines: number;
  /** settled site-days (posted, adjusted or unchanged) whose data was missing or partial */
  gaps: DataGap[];
  /** days that had not ended in a site's time zone: not settled */
  notEnded: NotEnded[];
}

export type SettlementRow = Insertable<SettlementsTable>;
export type LineRow = Insertable<SettlementLinesTable>;

/**
 * Settles every site for every day in [from, to]. Idempotent: a site-day
 * whose inputs hash matches its latest posted version is left alone; one
 * whose inputs changed gets the next version with adjustment lines (the
 * difference to everything posted before, per allocation), payable in the
 * month after the day or the current month, whichever is later. Nothing is
 * made payable in a closed month: it moves to the first open one.
 */
export async function runSettlement(db: Db, opts: RunOptions): Promise<RunResult> {
  for (const [name, v] of [['from', opts.from], ['to', opts.to]] as const) {
    if (!isDate(v)) throw new SunshareError('PAYOUT_BAD_DATE', `--${name} must be a date YYYY-MM-DD, got "${v}"`);
  }
  if (opts.from > opts.to) throw new SunshareError('PAYOUT_BAD_DATE', `--from ${opts.from} is after --to ${opts.to}`);
  const lock = opts.lock === false ? undefined : await acquireLock(db);
  try {
    return await settle(db, opts);
  } finally {
    await lock?.release();
  }
}

async function settle(db: Db, opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const result: RunResult = { runId: randomUUID(), from: opts.from, to: opts.to, posted: 0, adjusted: 0, unchanged: 0, skipped: [], lines: 0, gaps: [], notEnded: [] };
  const days = daysFromTo(opts.from, opts.to);
  const now = opts.now ?? new Date();
  const sites = await sitesToSettle(db, opts.sites);
  const unknown = (opts.sites ?? []).filter((id) => !sites.some((s) => s.id === id));
  if (unknown.length > 0) throw new SunshareError('SITE_NOT_FOUND', `no site ${unknown.map((id) => `"${id}"`).join(', ')} in the registry; nothing settled`);
  // a day that has not ended in the site's own time zone is not settled (its energy is not final)
  for (const site of sites) {
    const today = todayIn(site.time_zone, now);
    if (opts.to >= today) result.notEnded.push({ site: site.id, from: opts.from > today ? opts.from : today, to: opts.to, timeZone: site.time_zone });
  }
  const perBatch = Math.max(1, Math.floor((opts.batchSiteDays ?? 20_000) / days.length));
  for (let i = 0; i < sites.length; i += perBatch) {
    const batch = sites.slice(i, i + perBatch);
    const inputs = await loadBatch(db, batch, opts.from, opts.to);
    await db.transaction(async (tx) => postBatch(tx, inputs, days, now, await lastClosedMonth(tx), result));
  }
  // recorded as settled up to the last day that had ended for every site (the scheduler continues after it)
  const endedTo = [opts.to, ...result.notEnded.map((u) => addDays(u.from, -1))].sort()[0]!;
  await db.q
    .insertInto('settlement_runs')
    .values({
      id: result.runId,
      from_day: opts.from,
      to_day: endedTo >= opts.from ? endedTo : addDays(opts.from, -1),
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      posted: result.posted + result.adjusted,
      unchanged: result.unchanged,
      skipped: result.skipped.length,
    })
    .execute();
  return result;
}

async function postBatch(tx: Db, inputs: BatchInputs, days: string[], now: Date, closed: string | undefined, result: RunResult): Promise<void> {
  const postedAt = now.toISOString();
  const settlements: SettlementRow[] = [];
  const lines: LineRow[] = [];
  for (const site of inputs.sites) {
    const today = todayIn(site.time_zone, now);
    for (const day of days) {
      if (site.commissioned_on && day < site.commissioned_on) continue; // nothing to settle before the site ran
      if (day >= today) break; // not ended yet (listed in result.notEnded)
      const previous = inputs.posted.get(siteDay(site.id, day));
      const outcome = computeSiteDay(inputs, site, day, previous?.inputs_hash);
      if (!outcome.ok) {
        result.skipped.push(outcome.problem);
        continue;
      }
      if ('unchanged' in outcome) {
        result.unchanged++;
        const gap = gapOf(site.id, day, previous?.flags ? previous.flags.split(',') : []);
        if (gap) result.gaps.push(gap);
        continue;
      }
      const c = outcome.value;
      const gap = gapOf(site.id, day, c.flags);
      if (gap) result.gaps.push(gap);
      const version = (previous?.version ?? 0) + 1;
      const id = `${site.id}/${day}/v${version}`;
      settlements.push({
        id,
        site_id: site.id,
        day,
        version,
        corrects_id: previous?.id ?? null,
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
        run_id: result.runId,
        posted_at: postedAt,
      });
      if (previous) {
        const paidIn = openMonth([nextMonth(monthOf(day)), monthOf(todayIn(site.time_zone, now))].sort()[1]!, closed);
        lines.push(...(await adjustmentLines(tx, c, id, paidIn)));
        result.adjusted++;
      } else {
        const paidIn = openMonth(monthOf(day), closed);
        for (const l of c.lines) lines.push(line(id, l.allocation_id, l.household_id, l.share_w, 'daily', l.grid_fen, l.subsidy_fen, paidIn));
        result.posted++;
      }
    }
  }
  await insertRows(tx.q, 'settlements', settlements);
  await insertRows(tx.q, 'settlement_lines', lines);
  result.lines += lines.length;
}

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

/** The difference between the new split and everything posted for the day so far, per allocation. */
async function adjustmentLines(tx: Db, c: Computed, id: string, paidIn: string): Promise<LineRow[]> {
  const paid = await postedTotals(tx, c.site_id, c.day);
  const out: LineRow[] = [];
  const seen = new Set<string>();
  for (const l of c.lines) {
    seen.add(l.allocation_id);
    const before = paid.get(l.allocation_id) ?? { grid_fen: 0, subsidy_fen: 0 };
    const grid = l.grid_fen - before.grid_fen;
    const subsidy = l.subsidy_fen - before.subsidy_fen;
    if (grid !== 0 || subsidy !== 0) out.push(line(id, l.allocation_id, l.household_id, l.share_w, 'adjustment', grid, subsidy, paidIn));
  }
  // allocations no longer valid that day give back what they were paid
  for (const [allocation, before] of paid) {
    if (seen.has(allocation) || (before.grid_fen === 0 && before.subsidy_fen === 0)) continue;
    out.push(line(id, allocation, before.household_id, 0, 'adjustment', -before.grid_fen, -before.subsidy_fen, paidIn));
  }
  return out;
}
