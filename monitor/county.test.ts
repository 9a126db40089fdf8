import { describe, expect, it } from 'vitest';
import { runHealthyCounty } from './testing/county.ts';

/** The month-long false-alarm figure is `npm run bench -- monitor`; this is two days of it, so the machinery is tested. */
describe('a healthy county', () => {
  it('raises no alarm over two spring days of three sites with passing clouds', async () => {
    const r = await runHealthyCounty({ sites: 3, days: 2, stepMs: 30_000, start: '2026-03-10T00:00', seed: 5 });
    expect(r.readings).toBe(r.cycles * 3 * 4);
    expect(r.siteDays.overcast + r.siteDays.partly + r.siteDays.sunny).toBe(6);
    expect(r.raised).toEqual({});
  }, 30_000);
});
