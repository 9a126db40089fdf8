import type { DeviceHealth, Reading } from '../common/contract.ts';
import { SunshareError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { monotonicMs } from './clock.ts';
import type { DeviceConfig } from './config.ts';
import type { ModbusLine } from './modbus/line.ts';
import { planReads, RegisterImage, type ReadBlock } from './modbus/planner.ts';
import type { Profile, ReadRegisters } from './profiles/profile.ts';
import { QualityTracker } from './quality.ts';

export interface PollerOptions {
  pollIntervalMs: number;
  maxGap: number;
  backoffMaxMs: number;
  /** The reading's timestamp (ReadingClock.stamp: wall time that never goes backwards). */
  stamp: () => number;
}

/**
 * Polls one device: discovery when needed, the planned block reads, decode
 * and quality checks. A failing device is retried after an exponentially
 * growing wait (interval x 2^(n-1) - interval, capped), so it costs its line
 * little time and never holds up the gateway's other devices.
 */
export class DevicePoller {
  private blocks: ReadBlock[] | undefined;
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
  private readonly line: ModbusLine;
  private readonly profile: Profile;
  private readonly opts: PollerOptions;
  private readonly log: Logger;

  constructor(
    cfg: DeviceConfig,
    line: ModbusLine,
    profile: Profile,
    opts: PollerOptions,
    log: Logger,
  ) {
    this.cfg = cfg;
    this.line = line;
    this.profile = profile;
    this.opts = opts;
    this.log = log;
    this.quality = new QualityTracker(cfg.ratedPowerW);
  }

  /** True when the device is neither being polled nor backing off. */
  due(): boolean {
    return !this.busy && monotonicMs() >= this.nextAttemptAt;
  }

  private readonly read: ReadRegisters = (table, address, count) => this.line.read(this.cfg.unit, table, address, count, this.cfg.timeoutMs);

  /** One poll; resolves to the reading, or undefined when the device failed (recorded in its health). */
  async poll(): Promise<Reading | undefined> {
    this.busy = true;
    this.counters.polls++;
    const started = monotonicMs();
    try {
      if (!this.blocks) {
        this.counters.discoveries++;
        if (!this.profile.ranges()) await this.profile.discover(this.read);
        this.blocks = planReads(this.profile.ranges() ?? [], this.opts.maxGap);
      }
      const image = new RegisterImage();
      for (const b of this.blocks) image.put(b, await this.read(b.table, b.address, b.count));
      const ts = this.opts.stamp();
      const decoded = this.profile.decode(image);
      if (decoded.layoutChanged) {
        this.profile.reset();
        this.blocks = undefined;
        throw new SunshareError('DEVICE_LAYOUT_CHANGED', 'register layout changed since discovery (device replaced or re-flashed); discovering again');
      }
      const { reading, problems } = this.quality.assess(this.cfg.id, ts, decoded);
      if (problems.length > 0) {
        this.counters.rejectedValues += problems.length;
        this.lastError = `values outside the contract left out: ${problems.join('; ')}`.slice(0, 500);
        this.log.warn({ device: this.cfg.id, problems }, 'implausible register values left out');
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
