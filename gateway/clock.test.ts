import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { MAX_HOLD_MS, ReadingClock } from './clock.ts';

/** A wall clock the test steps, and a monotonic one that only moves forward with it. */
function clocks(start = Date.parse('2026-06-01T10:00:00Z')) {
  let wall = start;
  let mono = 1000;
  return {
    source: { wall: () => wall, monotonic: () => mono },
    tick(ms: number) {
      wall += ms;
      mono += ms;
    },
    step(ms: number) {
      wall += ms;
    },
  };
}

const dirs: string[] = [];
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sunshare-clock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A ReadingClock on an empty spool dir, with the clocks the test steps. */
function onFreshSpool() {
  const c = clocks();
  return { c, rc: new ReadingClock(spoolDir(), false, silentLogger, c.source) };
}

describe('ReadingClock', () => {
  it('stamps the wall-clock time while the clock runs evenly, and sees no jump', () => {
    const { c, rc } = onFreshSpool();
    const got = [0, 1, 2].map(() => {
      c.tick(1000);
      return rc.stamp();
    });
    const t0 = Date.parse('2026-06-01T10:00:00Z');
    expect(got).toEqual([t0 + 1000, t0 + 2000, t0 + 3000]);
    expect(rc.status()).toEqual({ jumps: 0, lastStepMs: 0, held: 0 });
  });

  it('after a step back, stamps 1 ms after the last stamp until the clock catches up, then follows it', () => {
    const { c, rc } = onFreshSpool();
    c.tick(1000);
    const before = rc.stamp();
    c.step(-3000);
    const held: number[] = [];
    for (let i = 0; i < 3; i++) {
      c.tick(1000);
      held.push(rc.stamp());
    }
    // wall is now before + 0 ms: still not past the last stamp
    expect(held).toEqual([before + 1, before + 2, before + 3]);
    c.tick(1000);
    expect(rc.stamp()).toBe(before + 1000);
    expect(rc.status()).toEqual({ jumps: 1, lastStepMs: -3000, held: 3 });
  });

  it('follows a step forward and reports its size', () => {
    const { c, rc } = onFreshSpool();
    c.tick(1000);
    const before = rc.stamp();
    c.step(7_200_000);
    c.tick(1000);
    expect(rc.stamp()).toBe(before + 7_201_000);
    expect(rc.status()).toMatchObject({ jumps: 1, lastStepMs: 7_200_000, held: 0 });
  });

  it('two readings in the same millisecond get distinct stamps, without counting a step back', () => {
    const { c, rc } = onFreshSpool();
    c.tick(1000);
    const a = rc.stamp();
    expect(rc.stamp()).toBe(a + 1);
    expect(rc.status()).toEqual({ jumps: 0, lastStepMs: 0, held: 0 });
  });

  it('jitter under a second is not a jump', () => {
    const { c, rc } = onFreshSpool();
    c.tick(1000);
    rc.stamp();
    c.step(900);
    c.tick(1000);
    rc.stamp();
    expect(rc.status().jumps).toBe(0);
  });

  it('keeps the last stamp across a restart: a clock that is behind after a reboot cannot stamp before it', () => {
    const dir = spoolDir();
    const c = clocks();
    const first = new ReadingClock(dir, false, silentLogger, c.source);
    c.tick(1000);
    const last = first.stamp();
    first.save();
    expect(Number(readFileSync(join(dir, 'last-ts'), 'utf8'))).toBe(last);

    c.step(-60_000); // the gateway reboots with its clock a minute behind
    const second = new ReadingClock(dir, false, silentLogger, c.source);
    c.tick(1000);
    expect(second.stamp()).toBe(last + 1);
  });

  it('drops a floor more than a day ahead of the clock (it came from a wildly wrong clock) and follows the clock', () => {
    const dir = spoolDir();
    const c = clocks();
    const wild = Date.parse('2030-01-01T00:00:00Z');
    writeFileSync(join(dir, 'last-ts'), `${wild}\n`);
    const rc = new ReadingClock(dir, false, silentLogger, c.source);
    c.tick(1000);
    const ts = rc.stamp();
    expect(ts).toBeLessThan(wild - MAX_HOLD_MS);
    expect(ts).toBe(Date.parse('2026-06-01T10:00:01Z'));
  });

  it('a damaged last-ts file (power lost mid-write) is reported and the clock followed: the gateway still starts', () => {
    const dir = spoolDir();
    writeFileSync(join(dir, 'last-ts'), 'garb');
    const logged: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    const c = clocks();
    const rc = new ReadingClock(dir, false, log, c.source);
    c.tick(1000);
    expect(rc.stamp()).toBe(Date.parse('2026-06-01T10:00:01Z'));
    expect(logged.join('')).toMatch(/last-ts holds \\"garb\\", not a number.*last reading timestamp unreadable; following the clock/);
  });
});
