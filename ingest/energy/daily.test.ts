import { describe, expect, it } from 'vitest';
import { computeDay, type DailyMethod } from './daily.ts';
import type { CounterRead } from './increment.ts';
import { dayBounds, localDay } from '../../common/index.ts';

const TZ = 'Asia/Shanghai';
const DAY = '2026-06-01';
const { start, end } = dayBounds(DAY, TZ);
const H = 3_600_000;
/** A read at local hour h of DAY (negative or >= 24 reaches into the neighbours). */
const at = (h: number, wh: number, serial = 'S1'): CounterRead => ({ ts: start + Math.round(h * H), wh, serial });
/** Hourly reads from h0 to h1 rising by `perHour` from `wh0`. */
const ramp = (h0: number, h1: number, wh0: number, perHour: number, serial = 'S1') =>
  Array.from({ length: h1 - h0 + 1 }, (_, i) => at(h0 + i, wh0 + i * perHour, serial));

interface Case {
  name: string;
  reads: CounterRead[];
  energy: number;
  method: DailyMethod;
  flags?: string[];
}

const cases: Case[] = [
  { name: 'plain delta', reads: [at(-1, 1000), ...ramp(0, 23, 1000, 100), at(24, 3400)], energy: 2400, method: 'delta' },
  {
    name: 'reset to zero: energy after the reset counts, pre-reset energy up to the last read is kept',
    reads: [at(-1, 5000), ...ramp(0, 10, 5000, 100), ...ramp(11, 23, 50, 100), at(24, 1350)],
    energy: 1000 + 50 + 1200 + 100,
    method: 'reset',
  },
  {
    name: '32-bit rollover',
    reads: [at(-1, 2 ** 32 - 1000), ...ramp(0, 9, 2 ** 32 - 1000, 100), ...ramp(10, 23, 100, 100), at(24, 1500)],
    energy: 900 + (100 + 100) + 1300 + 100,
    method: 'rollover',
  },
  {
    name: 'replacement (serial change): the swap pair counts nothing, the new device counts from its first read',
    reads: [at(-1, 9000), ...ramp(0, 11, 9000, 100), ...ramp(12, 23, 700_000, 100, 'S2'), at(24, 701_200, 'S2')],
    energy: 1100 + 0 + 1100 + 100,
    method: 'replacement',
  },
  {
    name: 'missing hours inside the day lose no energy',
    reads: [at(-1, 0), at(0, 0), at(6, 100), at(15, 5000), at(23.9, 5200), at(24, 5200)],
    energy: 5200,
    method: 'delta',
    flags: ['gap'],
  },
  {
    name: 'gap across midnight is split by time (start)',
    reads: [at(-6, 0), ...ramp(6, 24, 1200, 50)],
    energy: 600 + 18 * 50,
    method: 'interpolated',
  },
  {
    name: 'gap across midnight is split by time (end)',
    reads: [at(-1, 0), ...ramp(0, 18, 0, 50), at(30, 2100)],
    energy: 900 + 600,
    method: 'interpolated',
  },
  { name: 'no read inside the day: estimated from the pair around it', reads: [at(-12, 0), at(36, 4800)], energy: 2400, method: 'estimated' },
  { name: 'first day of a device: counts from its first read', reads: ramp(8, 24, 100, 50), energy: 800, method: 'delta', flags: ['no_prev'] },
];

describe('daily energy from a lifetime counter', () => {
  for (const c of cases) {
    it(c.name, () => {
      const d = computeDay({ start, end, reads: c.reads, maxGapMs: 2 * H });
      expect(d?.energyWh).toBe(c.energy);
      expect(d?.method).toBe(c.method);
      expect(d?.flags).toEqual(c.flags ?? []);
    });
  }

  it('neighbouring days split a midnight-crossing pair exactly (no Wh lost or doubled)', () => {
    const reads = [at(-30, 17), at(-7, 1001), at(5, 2003), at(31, 7777)];
    let total = 0;
    for (const day of ['2026-05-30', '2026-05-31', '2026-06-01', '2026-06-02', '2026-06-03']) {
      const b = dayBounds(day, TZ);
      const near = [...reads.filter((r) => r.ts < b.start).slice(-1), ...reads.filter((r) => r.ts >= b.start && r.ts < b.end), ...reads.filter((r) => r.ts >= b.end).slice(0, 1)];
      total += computeDay({ start: b.start, end: b.end, reads: near, maxGapMs: 2 * H })?.energyWh ?? 0;
    }
    expect(total).toBe(7777 - 17);
  });

  it('local days follow the site time zone', () => {
    expect(localDay(start, TZ)).toBe(DAY);
    expect(localDay(start - 1, TZ)).toBe('2026-05-31');
    expect(end - start).toBe(24 * H);
    const dst = dayBounds('2026-03-29', 'Europe/Berlin');
    expect(dst.end - dst.start).toBe(23 * H);
  });
});
