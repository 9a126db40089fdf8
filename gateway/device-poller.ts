import type { DeviceHealth, Reading } from '../common/contract.ts';
import type { Logger } from '../common/log.ts';
import { monotonicMs } from './clock.ts';
import type { DeviceConfig } from './config.ts';
import type { DeviceReader } from './modbus/reader.ts';
import { QualityTracker } from './quality.ts';

export interface PollerOptions {
  pollIntervalMs: number;
  backoffMaxMs: number;
  /** The reading's timestamp (ReadingClock.stamp: wall time that never goes backwards). */
  stamp: () => number;
}

/**
 * Polls one device through its reader (Modbus: discovery, planned block reads
 * and decode; DL/T 645: one request per data identifier), then the quality
 * checks. A failing device is retried after an exponentially
 * growing wait (interval x 2^(n-1) - interval, capped), so it costs its line
 * little time and never holds up the gateway's other devices.
 */
export class DevicePoller {
  private readonly quality: QualityTracker;
  private consecutiveErrors = 0;
  private nextAttemptAt = 0;
  /** Wall-clock time of the last good read, for the status. */
  private lastGoodReadAt: number | undefined;
  private latencyMs: number | undefined;
  private lastError: string | undefined;
  busy = false;
  readonly counters = { polls: 0, errors: 0, skipped: 0, discoveries: 0, rejectedValues: 0 };

  readonly cfg: DeviceConfig;
  readonly reader: DeviceReader;
  private readonly opts: PollerOptions;
  private readonly log: Logger;

  constructor(cfg: DeviceConfig, reader: DeviceReader, opts: PollerOptions, log: Logger) {
    this.cfg = cfg;
    this.reader = reader;
    this.opts = opts;
    this.log = log;
    this.quality = new QualityTracker(cfg.ratedPowerW);
  }

  /** True when the device is neither being polled nor backing off. */
  due(): boolean {
    return !this.busy && monotonicMs() >= this.nextAttemptAt;
  }

  /** One poll; resolves to the reading, or undefined when the device failed (recorded in its health). */
  async poll(): Promise<Reading | undefined> {
    this.busy = true;
    this.counters.polls++;
    const started = monotonicMs();
    try {
      const decoded = await this.reader.read();
      this.counters.discoveries = this.reader.discoveries;
      const ts = this.opts.stamp();
      const assessed = this.quality.assess(this.cfg.id, ts, decoded);
      const { reading } = assessed;
      const problems = [...(decoded.undecodable ?? []), ...assessed.problems];
      if (problems.length > 0) {
        this.counters.rejectedValues += problems.length;
        this.lastError = `values left out: ${problems.join('; ')}`.slice(0, 500);
        this.log.warn({ device: this.cfg.id, problems }, 'undecodable or implausible values left out');
      }
      this.succeeded(started, ts);
      return reading;
    } catch (err) {
      this.failed(err as Error);
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  private succeeded(started: number, ts: number): void {
    this.latencyMs = Math.round(monotonicMs() - started);
    this.lastGoodReadAt = ts;
    this.consecutiveErrors = 0;
    this.nextAttemptAt = 0;
  }

  private failed(err: Error): void {
    this.counters.errors++;
    this.consecutiveErrors++;
    this.lastError = err.message.slice(0, 500);
    const wait = Math.min(this.opts.pollIntervalMs * (2 ** Math.min(this.consecutiveErrors - 1, 20) - 1), this.opts.backoffMaxMs);
    this.nextAttemptAt = monotonicMs() + wait;
    this.log.warn({ device: this.cfg.id, consecutiveErrors: this.consecutiveErrors, retryInMs: wait, err: this.lastError }, 'device read failed');
  }

  health(): DeviceHealth {
    const h: DeviceHealth = { device: this.cfg.id, ok: this.consecutiveErrors === 0 && this.lastGoodReadAt !== undefined, consecutiveErrors: this.consecutiveErrors };
    if (this.lastGoodReadAt !== undefined) h.lastGoodReadAt = this.lastGoodReadAt;
    if (this.latencyMs !== undefined) h.latencyMs = this.latencyMs;
    if (this.lastError !== undefined) h.lastError = this.lastError;
    return h;
  }
}
