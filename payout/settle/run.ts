import { randomUUID } from 'node:crypto';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { addDays, daysFromTo, isDate, todayIn } from '../../common/index.ts';
import { loadBatch, sitesToSettle } from './inputs.ts';
import { lastClosedMonth } from '../period/close.ts';
import { postBatch } from './post.ts';
import { acquireLock } from './lock.ts';
import type { DataGap, NotEnded } from './gaps.ts';

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

export { line, type LineRow, type SettlementRow } from './post.ts';

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
