import { describe, expect, it } from 'vitest';
import type { Decoded } from './profiles/profile.ts';
import { QualityTracker, STALE_AFTER_READS } from './quality.ts';

const d = (values: Decoded['values'], extra: Partial<Decoded> = {}): Decoded => ({ kind: 'inverter', values, notFinite: [], ...extra });

describe('QualityTracker', () => {
  it('publishes plausible values unflagged', () => {
    const q = new QualityTracker(5000);
    const { reading, problems } = q.assess('inv1', 1000, d({ ac_power_w: 4000, ac_energy_wh: 10 }, { serial: 'A' }));
    expect(reading).toEqual({ device: 'inv1', kind: 'inverter', ts: 1000, serial: 'A', ac_power_w: 4000, ac_energy_wh: 10 });
    expect(problems).toEqual([]);
  });

  it('flags a counter going backwards, keeping the value as read', () => {
    const q = new QualityTracker();
    q.assess('inv1', 1, d({ ac_energy_wh: 1000 }));
    const { reading } = q.assess('inv1', 2, d({ ac_energy_wh: 999 }));
    expect(reading).toMatchObject({ ac_energy_wh: 999, quality: ['energy_backwards'] });
    expect(q.assess('inv1', 3, d({ ac_energy_wh: 1005 })).reading.quality).toBeUndefined();
  });

  it('flags a replaced device once and restarts the counter check', () => {
    const q = new QualityTracker();
    q.assess('inv1', 1, d({ ac_energy_wh: 1000 }, { serial: 'A' }));
    expect(q.assess('inv1', 2, d({ ac_energy_wh: 5 }, { serial: 'B' })).reading.quality).toEqual(['device_replaced']);
    expect(q.assess('inv1', 3, d({ ac_energy_wh: 6 }, { serial: 'B' })).reading.quality).toBeUndefined();
  });

  it('flags power far above the configured rating, or the rating the device reports', () => {
    expect(new QualityTracker(5000).assess('i', 1, d({ ac_power_w: 7600 })).reading.quality).toEqual(['power_above_rating']);
    expect(new QualityTracker(5000).assess('i', 1, d({ ac_power_w: 7400 })).reading.quality).toBeUndefined();
    expect(new QualityTracker().assess('i', 1, d({ ac_power_w: 80_000 }, { ratedPowerW: 50_000 })).reading.quality).toEqual(['power_above_rating']);
  });

  it('flags fields that were not finite', () => {
    expect(new QualityTracker().assess('i', 1, d({ ac_power_w: 1 }, { notFinite: ['temperature_c'] })).reading.quality).toEqual(['not_finite']);
  });

  it('leaves out a value the contract cannot carry, names it, and keeps the rest', () => {
    const { reading, problems } = new QualityTracker().assess('i', 1, d({ ac_power_w: 1e12, frequency_hz: 50, temperature_c: 999 }));
    expect(reading).toMatchObject({ frequency_hz: 50 });
    expect(reading).not.toHaveProperty('ac_power_w');
    expect(reading).not.toHaveProperty('temperature_c');
    expect(reading.quality?.sort()).toEqual(['not_finite', 'power_above_rating']);
    expect(problems.join('\n')).toMatch(/\/ac_power_w/);
    expect(problems.join('\n')).toMatch(/\/temperature_c/);
  });

  it('flags a frozen frame while producing, not a quiet night', () => {
    const q = new QualityTracker();
    let last = q.assess('i', 0, d({ ac_power_w: 3000, ac_energy_wh: 50 })).reading;
    for (let i = 1; i <= STALE_AFTER_READS; i++) last = q.assess('i', i, d({ ac_power_w: 3000, ac_energy_wh: 50 })).reading;
    expect(last.quality).toEqual(['stale']);
    const night = new QualityTracker();
    for (let i = 0; i <= STALE_AFTER_READS; i++) last = night.assess('i', i, d({ ac_power_w: 0, ac_energy_wh: 50 })).reading;
    expect(last.quality).toBeUndefined();
  });
});
