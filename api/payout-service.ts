import { randomUUID } from 'node:crypto';
import type { Db } from '../common/ledger/index.ts';
import { SunshareError, isSunshareError, type ErrorCode } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { addDays, daysBetween } from '../common/index.ts';
import { describeGaps, type DataGap, type NotEnded, type ReportFormat, type RunResult } from '../payout/index.ts';

/**
 * What the API needs from payout, injected so the API does not pick the
 * settlement code: `settle` is payout's runSettlement, `reports` its report
 * builders (each returns the bytes of one file).
 */
export type SettleFn = (db: Db, opts: { from: string; to: string; sites?: readonly string[] }) => Promise<RunResult>;

export interface ReportRequest {
  /** payout month YYYY-MM */
  month: string;
  site?: string;
  village?: string;
  /** the statements of this household only */
  household?: string;
  format: ReportFormat;
}
export interface ReportKind {
  kind: string;
  description: string;
  formats: readonly ReportFormat[];
  build(db: Db, req: ReportRequest): Promise<{ filename: string; body: Buffer }>;
}

export interface PayoutRun {
  id: string;
  state: 'running' | 'done' | 'failed';
  from: string;
  to: string;
  sites?: string[];
  startedBy: string;
  startedAt: string;
  finishedAt?: string;
  daysTotal: number;
  daysDone: number;
  settlementRunIds: string[];
  /** `data`: the site-days with missing or partial data and days not ended, in words (payout's run summary) */
  result?: { posted: number; adjusted: number; unchanged: number; skipped: string[]; lines: number; data: string[] };
  error?: { code: ErrorCode; message: string };
}

export interface PayoutService {
  start(params: { from: string; to: string; sites?: string[] }, startedBy: string): PayoutRun;
  get(id: string): PayoutRun | undefined;
  list(): PayoutRun[];
  reports: ReportKind[];
  /** Resolves once no run is in progress (for shutdown). */
  idle(): Promise<void>;
}


/**
 * Runs settlements started through the API in the background, a chunk of
 * days at a time so progress is visible, one run at a time (payout's own
 * lock also keeps a scheduler run and an API run apart). The runs
 * themselves are recorded by payout (settlement_runs); this keeps the last
 * `keep` API runs in memory for their progress and result.
 */
export function createPayoutService(db: Db, settle: SettleFn, reports: ReportKind[], log: Logger, opts: { chunkDays?: number; keep?: number } = {}): PayoutService {
  const chunkDays = opts.chunkDays ?? 7;
  const keep = opts.keep ?? 50;
  const runs = new Map<string, PayoutRun>();
  let chain: Promise<void> = Promise.resolve();

  const execute = async (run: PayoutRun) => {
    const total = { posted: 0, adjusted: 0, unchanged: 0, skipped: [] as string[], lines: 0, data: [] as string[] };
    const gaps: DataGap[] = [];
    const notEnded: NotEnded[] = [];
    try {
      for (let day = run.from; day <= run.to; day = addDays(day, chunkDays)) {
        const end = [addDays(day, chunkDays - 1), run.to].sort()[0]!;
        const r = await settle(db, { from: day, to: end, sites: run.sites });
        run.settlementRunIds.push(r.runId);
        total.posted += r.posted;
        total.adjusted += r.adjusted;
        total.unchanged += r.unchanged;
        total.lines += r.lines;
        total.skipped.push(...r.skipped.slice(0, 100 - total.skipped.length));
        gaps.push(...r.gaps);
        notEnded.push(...r.notEnded);
        run.daysDone = daysBetween(run.from, end) + 1;
      }
      run.result = { ...total, data: describeGaps(gaps, notEnded).slice(0, 200) };
      run.state = 'done';
    } catch (err) {
      run.state = 'failed';
      run.error = isSunshareError(err) ? { code: err.code, message: err.message } : { code: 'PAYOUT_RUN_FAILED', message: `the run stopped: ${(err as Error).message}; the server log has the cause under run ${run.id}` };
      log.error({ err, run: run.id }, 'payout run failed');
    } finally {
      run.finishedAt = new Date().toISOString();
    }
  };

  return {
    reports,
    start(params, startedBy) {
      if (params.from > params.to) throw new SunshareError('PAYOUT_BAD_DATE', `from ${params.from} is after to ${params.to}`);
      const days = daysBetween(params.from, params.to) + 1;
      if (days > 3660) throw new SunshareError('PAYOUT_RANGE_TOO_LONG', `${days} days is more than ten years; settle in smaller ranges`);
      const run: PayoutRun = {
        id: randomUUID(),
        state: 'running',
        from: params.from,
        to: params.to,
        sites: params.sites,
        startedBy,
        startedAt: new Date().toISOString(),
        daysTotal: days,
        daysDone: 0,
        settlementRunIds: [],
      };
      runs.set(run.id, run);
      for (const id of [...runs.keys()].slice(0, Math.max(0, runs.size - keep))) runs.delete(id);
      chain = chain.then(() => execute(run));
      return run;
    },
    get: (id) => runs.get(id),
    list: () => [...runs.values()].reverse(),
    idle: () => chain,
  };
}
