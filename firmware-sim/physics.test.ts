import { describe, expect, it } from 'vitest';
import { localDay } from '../common/index.ts';
import { createClock, parseStart } from './clock.ts';
import { parseSimConfig } from './config.ts';
import { startSim } from './index.ts';
import { environmentAt, pvOutput } from './physics/pv.ts';
import { Weather } from './physics/weather.ts';
import { Site } from './site.ts';

const DAY = 86_400_000;
const site = (seed: number, devices: Record<string, unknown>[], start = '2026-01-01') => {
  const cfg = parseSimConfig({ seed, devices });
  return new Site(cfg, parseStart(start, cfg.site.timezone));
};
const inverter = (id: string, extra: Record<string, unknown> = {}) => ({ id, profile: 'sunspec', unitId: 1, ratedPowerW: 12_000, dcPeakW: 15_000, ...extra });

describe('a year of the default Ruyuan weather', () => {
  it.each([1, 2, 3])('seed %i yields 950-1,150 kWh per kWp', (seed) => {
    const s = site(seed, [inverter('inv')]);
    const t0 = s.time;
    s.advanceTo(t0 + 365 * DAY);
    const kwhPerKwp = s.device('inv').producedWh / 1000 / 15;
    expect(kwhPerKwp).toBeGreaterThan(950);
    expect(kwhPerKwp).toBeLessThan(1150);
  });
});

describe('counters are the integral of power', () => {
  it('over a day, the counter delta equals the integral of the sampled power within 0.5 %', async () => {
    const sim = await startSim({
      seed: 5,
      clock: { start: '2026-05-03', manual: true },
      tcp: { port: 0 },
      control: { enabled: false },
      devices: [inverter('inv', { initialEnergyWh: 1_000_000 }), { id: 'm', profile: 'sunspec-meter', unitId: 100 }],
    });
    try {
      const first = sim.truth('inv');
      let integral = 0;
      let prev = first.acPowerW;
      const stepMs = 15_000;
      for (let t = 0; t < DAY; t += stepMs) {
        sim.advance(stepMs);
        const p = sim.truth('inv').acPowerW;
        integral += ((prev + p) / 2) * (stepMs / 3_600_000);
        prev = p;
      }
      const last = sim.truth('inv');
      const delta = last.counterWh - first.counterWh;
      expect(integral).toBeGreaterThan(10_000); // a real day's production, not a trivial zero
      expect(Math.abs(delta - integral) / integral).toBeLessThan(0.005);
      expect(last.producedWh).toBeCloseTo(delta, 6);
    } finally {
      await sim.stop();
    }
  });

  it('the meter reads the sum of the inverters less losses, and imports the site load at night', () => {
    const s = site(9, [inverter('a'), inverter('b', { unitId: 2 }), inverter('c', { unitId: 3, profile: 'huawei-sun2000' }), { id: 'm', profile: 'sunspec-meter', unitId: 100 }], '2026-09-01');
    const t0 = s.time;
    s.advanceTo(t0 + DAY);
    const inv = ['a', 'b', 'c'].reduce((sum, id) => sum + s.device(id).producedWh, 0);
    const m = s.device('m');
    const expected = inv * (1 - 0.015) - (150 * DAY) / 3_600_000;
    expect(m.counterWh - m.importWh).toBeCloseTo(expected, 3);
    expect(m.importWh).toBeGreaterThan(150 * 8); // at least 8 dark hours of 150 W
    expect(m.counterWh).toBeLessThan(inv);
    expect(m.counterWh).toBeGreaterThan(inv * 0.95);
  });
});

describe('sun, weather and the inverter', () => {
  it('sleeps at night and produces by day', () => {
    const s = site(1, [inverter('inv')], '2026-06-21T02:00');
    expect(s.device('inv').truth()).toMatchObject({ state: 'sleeping', acPowerW: 0 });
    s.advanceTo(s.time + 10 * 3_600_000); // 12:00 local
    expect(s.device('inv').truth().acPowerW).toBeGreaterThan(500);
  });

  it('clips at the rated AC power on a clear noon', () => {
    const w = new Weather(4, 113.28);
    let day = Date.parse('2026-07-01T12:30:00+08:00');
    while (w.dayKind(day) !== 'sunny') day += DAY;
    const s = site(4, [inverter('inv', { ratedPowerW: 5000, dcPeakW: 15_000 })], new Date(day - 30 * 60_000).toISOString());
    s.advanceTo(day);
    expect(s.device('inv').truth()).toMatchObject({ state: 'throttled', acPowerW: 5000 });
  });

  it('derates hot modules', () => {
    const env = { t: 0, altitudeDeg: 60, azimuthDeg: 180, poa: 900, ghi: 800, ambientC: 10 };
    const pv = { dcPeakW: 10_000, ratedAcW: 20_000, efficiency: 0.975, dcDerate: 0.92, tempCoefficient: -0.0037 };
    const cool = pvOutput(env, pv).acW;
    const hot = pvOutput({ ...env, ambientC: 35 }, pv).acW;
    // cell = ambient + 25 C x poa/800: 38.1 C and 63.1 C; -0.37 %/C above 25 C
    const cell = (ambient: number) => ambient + (900 / 800) * 25;
    expect(hot / cool).toBeCloseTo((1 - 0.0037 * (cell(35) - 25)) / (1 - 0.0037 * (cell(10) - 25)), 9);
    expect(hot).toBeLessThan(cool * 0.92);
  });

  it('is a pure function of seed and time: same seed, same values; another seed, other clouds', () => {
    const run = (seed: number) => {
      const s = site(seed, [inverter('inv')], '2026-04-10');
      s.advanceTo(s.time + 3 * DAY + 13 * 3_600_000);
      return s.device('inv').truth();
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11).counterWh).not.toBe(run(12).counterWh);
    const w = new Weather(11, 113.28);
    const t = Date.parse('2026-04-12T11:00:00+08:00');
    expect(environmentAt(t, { latitude: 24.78, longitude: 113.28, tiltDeg: 20, azimuthDeg: 180 }, w)).toEqual(
      environmentAt(t, { latitude: 24.78, longitude: 113.28, tiltDeg: 20, azimuthDeg: 180 }, new Weather(11, 113.28)),
    );
  });
});

describe('clock', () => {
  it('accelerates from a start date', () => {
    let real = 1_000;
    const clock = createClock({ start: Date.parse('2026-06-21T00:00:00Z'), speed: 3600, realNow: () => real });
    real += 1_500;
    expect(clock.now()).toBe(Date.parse('2026-06-21T01:30:00Z'));
    expect(() => clock.advance(1)).toThrow(/manual/);
  });

  it('reads dates in the site time zone', () => {
    expect(parseStart('2026-06-21', 'Asia/Shanghai')).toBe(Date.parse('2026-06-20T16:00:00Z'));
    expect(parseStart('2026-06-21T06:30', 'Asia/Shanghai')).toBe(Date.parse('2026-06-20T22:30:00Z'));
    expect(parseStart('2026-06-21T06:30:00Z', 'Asia/Shanghai')).toBe(Date.parse('2026-06-21T06:30:00Z'));
    expect(localDay(Date.parse('2026-06-20T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-06-21');
    expect(() => parseStart('midsummer', 'Asia/Shanghai')).toThrow(/not a date/);
  });

  it('a manual clock moves only forward and only when told', () => {
    const clock = createClock({ start: 0, manual: true });
    clock.advance(500);
    expect(clock.now()).toBe(500);
    expect(() => clock.set(100)).toThrow(/cannot go back/);
  });
});
