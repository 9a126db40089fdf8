import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SunshareError } from '../common/errors.ts';
import { loadSimConfig, parseSimConfig, quickDevices } from './config.ts';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SunshareError);
    return [...(err as SunshareError).details];
  }
  throw new Error('expected a SunshareError');
};

describe('simulator config', () => {
  it('the shipped example is a valid 300 kW pilot site with a revenue meter', () => {
    const cfg = loadSimConfig(new URL('config.example.yaml', import.meta.url).pathname);
    const inverters = cfg.devices.filter((d) => d.profile !== 'sunspec-meter');
    expect(inverters).toHaveLength(20);
    expect(inverters.reduce((s, d) => s + (d.dcPeakW ?? 0), 0)).toBe(300_000);
    expect(cfg.devices.filter((d) => d.profile === 'sunspec-meter')).toHaveLength(1);
    expect(cfg.site).toMatchObject({ latitude: 24.78, longitude: 113.28, timezone: 'Asia/Shanghai' });
  });

  it('fills defaults (Ruyuan site, real-time clock, port 5020)', () => {
    const cfg = parseSimConfig({ devices: [{ id: 'a', profile: 'sunspec', unitId: 1, ratedPowerW: 1000 }] });
    expect(cfg.site.latitude).toBe(24.78);
    expect(cfg.clock).toEqual({ speed: 1, manual: false });
    expect(cfg.tcp).toEqual({ host: '127.0.0.1', port: 5020 });
    expect(cfg.devices[0]).toMatchObject({ mppts: 2, commonLength: 66, faults: [] });
  });

  it('rejects a site time zone Intl does not know', () => {
    expect(problems(() => parseSimConfig({ site: { timezone: 'Asia/Beijing' }, devices: [{ id: 'a', profile: 'sunspec', unitId: 1, ratedPowerW: 1000 }] }))).toEqual([
      '/site/timezone: "Asia/Beijing" is not an IANA time zone (e.g. Europe/Berlin)',
    ]);
  });

  it('lists every problem with its path', () => {
    expect(
      problems(() =>
        parseSimConfig({
          seed: 'x',
          devices: [
            { id: 'a', profile: 'sunspec', unitId: 300, ratedPowerW: 1000 },
            { id: 'b', profile: 'solaredge', unitId: 2 },
          ],
        }),
      ),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^\/seed/), expect.stringMatching(/^\/devices\/0\/unitId/), expect.stringMatching(/^\/devices\/1\/profile/)]));
  });

  it('catches duplicate ids and unit ids, and inverters without a rating', () => {
    expect(
      problems(() =>
        parseSimConfig({
          devices: [
            { id: 'a', profile: 'sunspec', unitId: 1, ratedPowerW: 1000 },
            { id: 'a', profile: 'huawei-sun2000', unitId: 1 },
            { id: 'm', profile: 'sunspec-meter', unitId: 1, port: 6000 },
          ],
        }),
      ),
    ).toEqual([
      '/devices/1/id: duplicate device id a',
      '/devices/1/unitId: unit id 1 on tcp:5020 is already used by a',
      '/devices/1/ratedPowerW: an inverter needs its rated AC power',
    ]);
  });

  it('explains a bad scheduled fault precisely (not just "union")', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simcfg-'));
    const file = join(dir, 'sim.yaml');
    writeFileSync(file, 'devices:\n  - id: a\n    profile: sunspec\n    unitId: 1\n    ratedPowerW: 1000\n    faults:\n      - { at: 10, fault: { kind: slow, delayMs: "soon" } }\n      - { at: 20, fault: { kind: explode } }\n');
    const list = problems(() => loadSimConfig(file));
    expect(list[0]).toMatch(/^.*sim\.yaml:7:\d+ \/devices\/0\/faults\/0\/fault\/delayMs/);
    expect(list[1]).toMatch(/^.*sim\.yaml:8:\d+ \/devices\/0\/faults\/1\/fault\/kind: must be one of silent, slow/);
  });
});

describe('quick flags', () => {
  const base = { inverters: '3', profile: 'sunspec', ratedPower: '12000' };
  it('make N inverters on unit ids 1..N and a meter at 100', () => {
    const cfg = parseSimConfig({ devices: quickDevices(base) });
    expect(cfg.devices.map((d) => [d.id, d.profile, d.unitId])).toEqual([
      ['inv-01', 'sunspec', 1],
      ['inv-02', 'sunspec', 2],
      ['inv-03', 'sunspec', 3],
      ['meter', 'sunspec-meter', 100],
    ]);
  });
  it('reject nonsense', () => {
    expect(problems(() => quickDevices({ ...base, inverters: 'many' }))).toEqual(['--inverters /inverters: expected integer, got "many"']);
    expect(problems(() => quickDevices({ ...base, profile: 'sunspec-meter' }))[0]).toMatch(/^--profile \/profile: expected one of "sma-sunspec", "sunspec", .*got "sunspec-meter"/);
  });
});
