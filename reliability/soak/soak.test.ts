import { describe, expect, it } from 'vitest';
import { faketimeAvailable, influxAvailable } from '../../common/testing/index.ts';
import { FAULTS } from './faults.ts';
import { runSoak } from './soak.ts';

/**
 * The CI-sized soak: every fault once over about two simulated days, then the
 * reconciliation. The one-hour figures come from `npm run soak -- --minutes 60`
 * (docs/reliability.md).
 */
describe.skipIf(!influxAvailable() || !faketimeAvailable())('soak under faults (CI size)', () => {
  it('loses nothing, duplicates nothing and settles to the fen like the undisturbed run', async () => {
    const report = await runSoak({
      minutes: 1.5,
      seed: 11,
      sites: 2,
      speed: 1440,
      pollMs: 1000,
      outageMs: 4000,
      gapMs: 1000,
      start: '2026-06-01T21:00:00+08:00',
      faults: FAULTS,
    });
    console.log(JSON.stringify({ soak: 'ci', ok: report.ok, faultsFired: report.faultsFired, readings: { ...report.readings, perGateway: undefined }, largestSpoolBytes: report.largestSpoolBytes, energy: { deviceDays: report.energy.deviceDays, maxAbsDiffWh: report.energy.maxAbsDiffWh, flagged: report.energy.flagged.length }, settlements: report.settlements, recoveryMs: report.faults.map((f) => `${f.fault}:${f.recoveryMs}`), problems: report.problems }));
    expect(report.problems).toEqual([]);
    expect(Object.keys(report.faultsFired).sort()).toEqual([...FAULTS].sort());
    expect(report.readings.produced).toBeGreaterThan(300);
    expect(report.readings.missing).toBe(0);
    expect(report.readings.duplicated).toBe(0);
    expect(report.settlements.siteDays).toBeGreaterThan(0);
    expect(report.settlements.fenDifference).toBe(0);
    expect(report.ok).toBe(true);
  }, 420_000);
});
