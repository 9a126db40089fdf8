import cron from 'node-cron';
import type { Logger } from 'pino';
import type { Db } from '../common/ledger/index.ts';
import { SunshareError, isSunshareError } from '../common/errors.ts';
import { silentLogger } from '../common/log.ts';
import { addDays, checkTimeZone, DEFAULT_TIME_ZONE, todayIn } from '../common/index.ts';
import { runSettlement, type RunResult } from './settle/run.ts';
import { describeGaps } from './settle/gaps.ts';

export interface SchedulerOptions {
  /** local time of the nightly run, HH:MM (default 01:30) */
  at?: string;
  timeZone?: string;
  /** a full cron expression instead of `at` (node-cron, seconds allowed) */
  cron?: string;
  /** when no run has finished yet, catch up from this day (default: yesterday only) */
  catchUpFrom?: string;
  log?: Logger;
}

export interface Scheduler {
  /** the catch-up run started on start */
  readonly caughtUp: Promise<RunResult | undefined>;
  /** settles every day since the last finished run up to yesterday */
  runNow(): Promise<RunResult | undefined>;
  stop(): Promise<void>;
}

/**
 * Nightly settlement: at the configured local time it settles every day from
 * the one after the last finished run up to yesterday, so days missed while
 * the process was down are caught up, on start and every night. A run already
 * in progress elsewhere (the lock) is logged and left to finish.
 */
export function startScheduler(db: Db, opts: SchedulerOptions = {}): Scheduler {
  const log = opts.log ?? silentLogger;
  const timeZone = checkTimeZone(opts.timeZone ?? DEFAULT_TIME_ZONE, 'the nightly run time zone', 'PAYOUT_SCHEDULE');
  const at = opts.at ?? '01:30';
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!opts.cron && !m) throw new SunshareError('PAYOUT_SCHEDULE', `the nightly run time must be HH:MM, got "${at}"`);
  const expression = opts.cron ?? `${Number(m![2])} ${Number(m![1])} * * *`;
  let running: Promise<RunResult | undefined> | undefined;

  const runNow = async (): Promise<RunResult | undefined> => {
    if (running) return running;
    running = (async () => {
      const yesterday = addDays(todayIn(timeZone), -1);
      const last = await db.q
        .selectFrom('settlement_runs')
        .select((eb) => eb.fn.max('to_day').as('to_day'))
        .executeTakeFirst();
      const from = last?.to_day ? addDays(last.to_day, 1) : (opts.catchUpFrom ?? yesterday);
      if (from > yesterday) return undefined;
      try {
        const r = await runSettlement(db, { from, to: yesterday });
        log.info({ from, to: yesterday, posted: r.posted, adjusted: r.adjusted, unchanged: r.unchanged, skipped: r.skipped.length }, 'settlement run finished');
        for (const p of r.skipped) log.warn({ problem: p }, 'site-day not settled');
        for (const summary of describeGaps(r.gaps, r.notEnded)) log.warn({ summary }, 'site-days with missing or partial data');
        return r;
      } catch (err) {
        if (isSunshareError(err) && err.code === 'PAYOUT_LOCKED') {
          log.warn({ err: err.message }, 'settlement skipped: another run holds the lock');
          return undefined;
        }
        log.error({ err }, 'settlement run failed');
        throw err;
      }
    })().finally(() => (running = undefined));
    return running;
  };

  const task = cron.schedule(expression, () => void runNow().catch(() => undefined), { timezone: timeZone, name: 'sunshare-settlement' });
  const caughtUp = runNow().catch((err) => {
    log.error({ err }, 'catch-up settlement failed');
    return undefined;
  });
  return {
    caughtUp,
    runNow,
    async stop() {
      await task.stop();
      await running?.catch(() => undefined);
    },
  };
}
