import type { Db } from '../common/ledger/index.ts';
import type { Logger } from '../common/log.ts';
import { localDay } from '../api/index.ts';

/**
 * The nightly jobs on the simulated clock: once a simulated local day has
 * ended (plus grace), ingest computes its daily energy and payout settles it.
 * Payout's own scheduler (node-cron) and ingest's periodic settle follow the
 * real clock, which would wait a real day; this drives the same functions
 * from the simulated one.
 */
export interface DayCloserDeps {
  db: Db;
  log: Logger;
  simNow: () => number;
  timeZone: string;
  graceMs: number;
  computeDailyEnergy: (simNow: number) => Promise<unknown>;
  settle: (db: Db, opts: { from: string; to: string; now: Date }) => Promise<{ posted: number; adjusted: number; unchanged: number; skipped: string[] }>;
  onSettled?: (day: string, result: { posted: number; adjusted: number; unchanged: number; skipped: string[] }) => void;
}

export interface DayCloser {
  /** Days settled so far. */
  readonly settledDays: string[];
  stop(): Promise<void>;
}

export function startDayCloser(deps: DayCloserDeps, everyMs = 250): DayCloser {
  const settledDays: string[] = [];
  const firstDay = localDay(deps.simNow(), deps.timeZone);
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;

  const tick = async () => {
    const now = deps.simNow();
    await deps.computeDailyEnergy(now);
    // the last day that has ended at least `graceMs` ago
    const closed = localDay(now - deps.graceMs - 86_400_000, deps.timeZone);
    const last = settledDays.at(-1) ?? previousDay(firstDay);
    if (closed <= last) return;
    const from = nextDay(last);
    const result = await deps.settle(deps.db, { from, to: closed, now: new Date(now) });
    for (let d = from; d <= closed; d = nextDay(d)) settledDays.push(d);
    deps.log.info({ from, to: closed, ...result, skipped: result.skipped.length }, 'demo: simulated day settled');
    deps.onSettled?.(closed, result);
  };

  const timer = setInterval(() => {
    if (stopped || busy) return;
    busy = true;
    running = tick()
      .catch((err: Error) => deps.log.warn({ err: err.message }, 'demo: closing the day failed; retrying'))
      .finally(() => (busy = false));
  }, everyMs);

  return {
    settledDays,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

const DAY = 86_400_000;
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
const previousDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
