import { describe, expect, it } from 'vitest';
import { runHealthyCounty } from './testing/county.ts';

/**
 * The slow faults through the simulator's physics into the monitor's detectors and alarm engine
 * (read straight from the simulator every 30 s of simulated time: days in seconds). Offline, stuck,
 * alarm bits and a failed string go through Modbus and MQTT in e2e.test.ts.
 */
const hourOf = (t: number) => new Date(t + 8 * 3_600_000).getUTCHours();

describe('slow faults, detected', () => {
  it('soiling: an inverter declining 5 % a day is flagged underperforming once 20 % behind its peers, not before', async () => {
    const r = await runHealthyCounty({ sites: 1, days: 7, stepMs: 30_000, start: '2026-10-01T00:00', seed: 2, faults: [{ site: 0, device: 'inv2', fault: { kind: 'soiling', percentPerDay: 5, floor: 0.5 }, at: '2026-10-01T00:00' }] });
    const first = r.raisedAt.find((a) => a.kind === 'underperforming');
    expect(first).toMatchObject({ site: 'c1', device: 'inv2' });
    const days = (first!.t - Date.parse('2026-10-01T00:00:00+08:00')) / 86_400_000;
    expect(days).toBeGreaterThan(3.5); // 5 %/day: 20 % after 4 days
    expect(days).toBeLessThan(6);
    expect(r.raisedAt.filter((a) => a.device !== 'inv2')).toEqual([]);
  }, 60_000);

  it('shading: a tree to the east makes the inverter underperform in the mornings, and only then', async () => {
    const r = await runHealthyCounty({ sites: 1, days: 2, stepMs: 30_000, start: '2026-10-01T00:00', seed: 2, faults: [{ site: 0, device: 'inv3', fault: { kind: 'shading', fromAzimuthDeg: 60, toAzimuthDeg: 130, factor: 0.3 }, at: '2026-10-01T00:00' }] });
    const shaded = r.raisedAt.filter((a) => a.kind === 'underperforming');
    expect(shaded.length).toBeGreaterThan(0);
    expect(shaded.every((a) => a.device === 'inv3' && hourOf(a.t) < 12)).toBe(true);
  }, 60_000);

  it('a revenue meter drifting 4 % a day diverges from its inverters within three days', async () => {
    const r = await runHealthyCounty({ sites: 1, days: 4, stepMs: 30_000, start: '2026-10-01T00:00', seed: 2, faults: [{ site: 0, device: 'meter', fault: { kind: 'meter_drift', percentPerDay: 4 }, at: '2026-10-01T00:00' }] });
    const first = r.raisedAt.find((a) => a.kind === 'meter_divergence');
    expect(first).toMatchObject({ site: 'c1', device: 'meter' });
    expect((first!.t - Date.parse('2026-10-01T00:00:00+08:00')) / 86_400_000).toBeLessThan(3);
    expect(r.raisedAt.filter((a) => a.kind !== 'meter_divergence')).toEqual([]);
  }, 60_000);

  it('a counter that restarts at zero is one counter anomaly, on that inverter', async () => {
    const r = await runHealthyCounty({ sites: 1, days: 1, stepMs: 30_000, start: '2026-10-01T00:00', seed: 2, faults: [{ site: 0, device: 'inv1', fault: { kind: 'counter_reset' }, at: '2026-10-01T10:00' }] });
    expect(r.raisedAt.map((a) => [a.kind, a.device, hourOf(a.t)])).toEqual([['counter_anomaly', 'inv1', 10]]);
  }, 60_000);
});
