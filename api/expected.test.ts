import { describe, expect, it } from 'vitest';
import { clearSkyDayWh, expectedDayWh } from './expected.ts';

const RUYUAN = [24.78, 113.28] as const;
const days = (year: number) => Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(year, 0, 1 + i)).toISOString().slice(0, 10));

describe('expected energy per day', () => {
  it('is yield / 365 a day without coordinates', () => {
    expect(expectedDayWh(300_000, 1000, '2026-06-01')).toBe(821_918);
  });

  it('follows the season at the site and adds up to the year\'s yield', () => {
    const june = expectedDayWh(300_000, 1000, '2026-06-21', ...RUYUAN);
    const december = expectedDayWh(300_000, 1000, '2026-12-21', ...RUYUAN);
    expect(june).toBeGreaterThan(december * 1.4);
    const year = days(2026).reduce((sum, d) => sum + expectedDayWh(300_000, 1000, d, ...RUYUAN), 0);
    expect(Math.abs(year - 300_000_000) / 300_000_000).toBeLessThan(0.01);
  });

  it('has no sun to expect in the polar night', () => {
    expect(expectedDayWh(300_000, 1000, '2026-12-21', 78.2, 15.6)).toBe(0);
  });
});

describe('clear-sky expected day', () => {
  it("is the monitor's clear-sky energy for the capacity: a June day at Ruyuan is 5-7 kWh per kW, a December day less", () => {
    const june = clearSkyDayWh(300_000, '2026-06-21', ...RUYUAN, 'Asia/Shanghai');
    const december = clearSkyDayWh(300_000, '2026-12-21', ...RUYUAN, 'Asia/Shanghai');
    expect(june / 300).toBeGreaterThan(5000);
    expect(june / 300).toBeLessThan(7000);
    expect(december).toBeLessThan(june);
    // the site: 1,454 kWh from 300 kW on a June day is a fair share of a clear day, not "100 % of 568.5 kWh"
    expect(1_454_000 / june).toBeGreaterThan(0.7);
    expect(1_454_000 / june).toBeLessThan(1);
  });
});
