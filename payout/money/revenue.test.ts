import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatKwh, formatYuan, parseKwh, parseRate, siteDayRevenue } from './revenue.ts';

describe('site-day revenue', () => {
  it.each([
    // energy Wh, grid rate, subsidy rate, grid fen, subsidy fen, total fen
    [1000, 45300, 52700, 45, 53, 98], // 1 kWh at 0.453 + 0.527: grid 45.3 -> 45, total 98 exactly
    [1500, 45300, 52700, 68, 79, 147], // 1.5 kWh: grid 67.95 -> 68, total 147
    [5, 100_000, 0, 1, 0, 1], // 0.5 fen rounds half up to 1
    [4, 100_000, 0, 0, 0, 0], // 0.4 fen rounds down
    [1_234_567, 39_100, 45_900, 48_272, 56_666, 104_938], // 1234.567 kWh at 0.391 + 0.459: 104938.195 -> 104938
  ])('%i Wh at %i + %i', (wh, grid, subsidy, g, s, t) => {
    expect(siteDayRevenue(wh, grid, subsidy)).toEqual({ gridFen: g, subsidyFen: s, totalFen: t });
  });

  it('always has grid + subsidy = total, and total within half a fen of exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 200_000 }), (wh, g, s) => {
        const r = siteDayRevenue(wh, g, s);
        expect(r.gridFen + r.subsidyFen).toBe(r.totalFen);
        const exact2 = BigInt(wh) * BigInt(g + s) * 2n; // 2 * exact * 1e6
        const diff = BigInt(r.totalFen) * 2_000_000n - exact2;
        expect(diff <= 1_000_000n && diff > -1_000_000n).toBe(true);
      }),
    );
  });

  it('parses and formats exactly', () => {
    expect(parseRate('0.98')).toBe(98_000);
    expect(parseRate('0.45301')).toBe(45_301);
    expect(parseRate('0.453011')).toBeUndefined();
    expect(parseRate('abc')).toBeUndefined();
    expect(parseKwh('1234.5')).toBe(1_234_500);
    expect(formatYuan(-12_345)).toBe('-123.45');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatKwh(1_234_567)).toBe('1234.567');
  });
});
