import type { Logger } from '../../common/log.ts';

/** How often a write failure that goes on is logged again. */
const REPEAT_LOG_MS = 60_000;

export interface DiskHealthStats {
  /** Writes to the spool directory that failed (spool appends, seq, cursor, last-ts), since the gateway started. */
  writeFailures: number;
  /** The last failure, e.g. "ENOSPC: no space left on device, write"; undefined once a write succeeds again. */
  writeError?: string;
}

/**
 * Counts failed writes to the spool directory and logs them without flooding the journal: the
 * first failure at once, then at most once a minute while it goes on, and the recovery.
 */
export class DiskHealth {
  private failures = 0;
  private error: string | undefined;
  private lastLogged = 0;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  failed(err: unknown, what: string, context: Record<string, unknown> = {}): void {
    this.failures++;
    const message = (err as Error).message ?? String(err);
    const first = this.error === undefined;
    this.error = message.slice(0, 200);
    if (first || this.now() - this.lastLogged >= REPEAT_LOG_MS) {
      this.lastLogged = this.now();
      this.log.error({ err: message, code: (err as NodeJS.ErrnoException).code, what, failures: this.failures, ...context }, first ? 'cannot write to the spool directory: keeping batches in memory and retrying' : 'spool directory still not writable');
    }
  }

  succeeded(context: Record<string, unknown> = {}): void {
    if (this.error === undefined) return;
    this.log.warn({ failures: this.failures, lastError: this.error, ...context }, 'spool directory writable again');
    this.error = undefined;
  }

  get failing(): boolean {
    return this.error !== undefined;
  }

  stats(): DiskHealthStats {
    return this.error === undefined ? { writeFailures: this.failures } : { writeFailures: this.failures, writeError: this.error };
  }
}
