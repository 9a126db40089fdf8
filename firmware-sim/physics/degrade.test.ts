import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../index.ts';

/** Degradation faults for the monitor's detectors, through the whole simulator (manual clock, Ruyuan, June). */
let sim: SimHandle | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function twoInverters(start = '2026-06-21T12:00'): Promise<SimHandle> {
  sim = await startSim({
    seed: 3,
    clock: { start, manual: true },
    tcp: { host: '127.0.0.1', port: 0 },
    control: { enabled: false },
    devices: [
      { id: 'a', profile: 'sunspec', unitId: 1, ratedPowerW: 50_000, dcPeakW: 40_000 },
      { id: 'b', profile: 'sunspec', unitId: 2, ratedPowerW: 50_000, dcPeakW: 40_000 },
      { id: 'm', profile: 'sunspec-meter', unitId: 100 },
    ],
  });
  return sim;
}
const ratio = (s: SimHandle) => s.truth('a').acPowerW / s.truth('b').acPowerW;

describe('degradation faults', () => {
  it('string_failure takes its fraction of the power (below clipping)', async () => {
    const s = await twoInverters();
    const before = ratio(s);
    s.setFault('a', { kind: 'string_failure', fraction: 0.25 });
    expect(ratio(s) / before).toBeCloseTo(0.75, 2);
    s.clearFault('a', 'string_failure');
    expect(ratio(s)).toBeCloseTo(before, 6);
  });

  it('soiling declines slowly with the days since it started, down to its floor', async () => {
    const s = await twoInverters();
    const before = ratio(s);
    s.setFault('a', { kind: 'soiling', percentPerDay: 2, floor: 0.9 });
    expect(ratio(s) / before).toBeCloseTo(1, 3);
    s.advance(2 * 86_400_000);
    expect(ratio(s) / before).toBeCloseTo(0.96, 2);
    s.advance(10 * 86_400_000);
    expect(ratio(s) / before).toBeCloseTo(0.9, 2);
  });

  it('shading cuts power only while the sun is in the shaded sector (mornings for a tree to the east)', async () => {
    const s = await twoInverters('2026-06-21T08:00');
    const before = ratio(s);
    s.setFault('a', { kind: 'shading', fromAzimuthDeg: 45, toAzimuthDeg: 110, factor: 0.4 });
    expect(ratio(s) / before).toBeCloseTo(0.4, 2);
    s.advance(6 * 3_600_000); // 14:00: the sun is in the west
    expect(ratio(s) / before).toBeCloseTo(1, 2);
  });

  it('meter_drift makes the meter count more than passed it, growing by the day; inverters cannot drift', async () => {
    const s = await twoInverters();
    const honest = -s.truth('m').acPowerW / (s.truth('a').acPowerW + s.truth('b').acPowerW);
    s.setFault('m', { kind: 'meter_drift', percentPerDay: 1 });
    s.advance(5 * 86_400_000);
    const drifted = -s.truth('m').acPowerW / (s.truth('a').acPowerW + s.truth('b').acPowerW);
    expect(drifted / honest).toBeCloseTo(1.05, 2); // the meter's fixed auxiliary load keeps it from exact
    expect(() => s.setFault('a', { kind: 'meter_drift', percentPerDay: 1 })).toThrow(/cannot have a meter_drift fault/);
  });
});
