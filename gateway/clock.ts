import { join } from 'node:path';
import type { GatewayClockStatus } from '../common/contract.ts';
import type { Logger } from '../common/log.ts';
import { NumberFile } from './spool/index.ts';

/**
 * Milliseconds on a clock that never steps: for every wait, backoff and
 * timeout. A wall-clock step (NTP correcting a drifted clock, an operator, a
 * flat RTC battery fixed at boot) must neither stall the poll loop for as long
 * as the clock went back nor fire every timeout at once when it went forward.
 */
export const monotonicMs = (): number => performance.now();

/** A step of the wall clock against the monotonic one larger than this is a jump, not scheduling jitter. */
export const JUMP_TOLERANCE_MS = 1000;
/**
 * Ingest refuses readings more than a day ahead of its own clock, so a floor
 * further ahead than that came from a clock that was wildly wrong: it is dropped
 * rather than held (holding it would stamp every reading into the refused range).
 */
export const MAX_HOLD_MS = 86_400_000;

export interface ClockSources {
  wall: () => number;
  monotonic: () => number;
}

/**
 * Stamps readings and batches with wall-clock time that never goes backwards,
 * across restarts too (`<spool>/last-ts`). Ingest orders each counter's reads by
 * timestamp: a reading stamped before an earlier one would put a higher counter
 * value before a lower one, which reads as a counter reset, and the energy since
 * the "reset" would be counted twice. So after the clock steps back, readings
 * are stamped just after the last stamp given (1 ms apart) until the clock has
 * caught up: energy stays in order and is counted once, at the moment of the
 * step. A forward step is followed as it is (the new time may well be the
 * right one); both are logged, counted and reported in the gateway's status.
 */
export class ReadingClock {
  private readonly file: NumberFile;
  private floor: number;
  private saved: number;
  private lastWall: number;
  private lastMono: number;
  private readonly counters = { jumps: 0, lastStepMs: 0, held: 0 };

  private readonly log: Logger;
  private readonly source: ClockSources;

  constructor(
    spoolDir: string,
    fsync: boolean,
    log: Logger,
    source: ClockSources = { wall: Date.now, monotonic: monotonicMs },
  ) {
    this.log = log;
    this.source = source;
    this.file = new NumberFile(join(spoolDir, 'last-ts'), fsync, { code: 'SPOOL_FILE_DAMAGED', ifDeleted: 'the gateway follows the clock' });
    this.lastWall = source.wall();
    this.lastMono = source.monotonic();
    this.floor = this.readFloor();
    this.saved = this.floor;
    this.dropWildFloor(this.lastWall);
    if (this.floor > this.lastWall) {
      log.warn({ behindMs: this.floor - this.lastWall }, 'clock is behind the last reading stamped before the restart; holding stamps after it until the clock catches up');
    }
  }

  /** The stamp saved before the restart; a damaged file (power lost mid-write) only costs that floor. */
  private readFloor(): number {
    try {
      return this.file.read() ?? 0;
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'last reading timestamp unreadable; following the clock');
      return 0;
    }
  }

  /** A timestamp for a reading taken (or a batch made) now: the wall clock, or 1 ms after the previous stamp if that is later. */
  stamp(): number {
    const wall = this.source.wall();
    this.watch(wall);
    this.dropWildFloor(wall);
    if (wall > this.floor) this.floor = wall;
    else {
      // the same millisecond as the previous stamp is not a step back, only made unique
      if (wall < this.floor) this.counters.held++;
      this.floor += 1;
    }
    return this.floor;
  }

  /** Persists the last stamp; call before the readings stamped leave the process (they are spooled next). */
  save(): void {
    if (this.floor === this.saved) return;
    this.file.write(this.floor);
    this.saved = this.floor;
  }

  /** Steps seen since start: how many, the last one's size (negative: back) and readings held after a step back. */
  status(): GatewayClockStatus {
    return { ...this.counters };
  }

  private watch(wall: number): void {
    const mono = this.source.monotonic();
    const step = wall - this.lastWall - (mono - this.lastMono);
    this.lastWall = wall;
    this.lastMono = mono;
    if (Math.abs(step) <= JUMP_TOLERANCE_MS) return;
    this.counters.jumps++;
    this.counters.lastStepMs = Math.round(step);
    this.log.warn(
      { stepMs: Math.round(step), now: new Date(wall).toISOString() },
      step < 0 ? 'wall clock stepped back; stamping readings after the last one until it catches up' : 'wall clock stepped forward; following it',
    );
  }

  private dropWildFloor(wall: number): void {
    if (this.floor - wall <= MAX_HOLD_MS) return;
    this.log.error({ floor: new Date(this.floor).toISOString(), now: new Date(wall).toISOString() }, 'last reading was stamped more than a day ahead of the clock (that clock was wrong); following the clock now');
    this.floor = wall;
  }
}
