import { SunshareError } from '../common/errors.ts';
import { localTimeToInstant } from '../common/index.ts';

/**
 * Simulated time, epoch ms. `speed` 1 is real time; 3600 runs an hour per
 * real second from `start`. A manual clock only moves when told (tests,
 * reproducible runs); with the same seed the physics is a pure function of
 * this time, so results are the same on every machine.
 */
export interface SimClock {
  now(): number;
  readonly speed: number;
  readonly manual: boolean;
  /** Manual clocks only: move time forward. */
  advance(ms: number): void;
  /** Manual clocks only: jump to a time (may not go backwards). */
  set(t: number): void;
}

export interface ClockOptions {
  /** Sim time at startup, epoch ms; default the real time. */
  start?: number;
  /** Sim ms per real ms; default 1. */
  speed?: number;
  manual?: boolean;
  /** Real-time source (tests). */
  realNow?: () => number;
}

export function createClock(opts: ClockOptions = {}): SimClock {
  const realNow = opts.realNow ?? Date.now;
  const realStart = realNow();
  const start = opts.start ?? realStart;
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new SunshareError('SIM_CLOCK', `clock speed must be a positive number, got ${speed}`);
  if (opts.manual) {
    let t = start;
    return {
      now: () => t,
      speed,
      manual: true,
      advance(ms) {
        if (!(ms >= 0)) throw new SunshareError('SIM_CLOCK', `cannot advance the clock by ${ms} ms`);
        t += ms;
      },
      set(next) {
        if (next < t) throw new SunshareError('SIM_CLOCK', `the clock cannot go back from ${new Date(t).toISOString()} to ${new Date(next).toISOString()}`);
        t = next;
      },
    };
  }
  const notManual = (): never => {
    throw new SunshareError('SIM_CLOCK', 'only a manual clock can be moved by hand (clock.manual: true)');
  };
  return { now: () => start + (realNow() - realStart) * speed, speed, manual: false, advance: notManual, set: notManual };
}

/**
 * Parses a start time: an ISO date-time with an offset, or a plain date
 * (YYYY-MM-DD) or local date-time meaning that wall-clock time in the site's zone.
 */
export function parseStart(text: string, timeZone: string): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (local) {
    const [, y, mo, d, h = '00', mi = '00', s = '00'] = local;
    return localTimeToInstant(`${y}-${mo}-${d}`, `${h}:${mi}:${s}`, timeZone);
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new SunshareError('SIM_CLOCK', `start "${text}" is not a date (use 2026-06-21, 2026-06-21T06:00 or an ISO time with offset)`);
  return t;
}
