import { describe, expect, it } from 'vitest';
import { SunshareError } from '../../common/errors.ts';
import { parseSimConfig } from '../config.ts';
import { tariffAt } from './meter.ts';

const problems = (devices: unknown[]): string[] => {
  try {
    parseSimConfig({ devices });
  } catch (err) {
    expect(err).toBeInstanceOf(SunshareError);
    return [...(err as SunshareError).details];
  }
  throw new Error('expected a SunshareError');
};

describe('simulator config: DL/T 645 meters and plant-level devices', () => {
  it('fills the DL/T 645 defaults: the standard map, 2400 baud, no wire-time emulation', () => {
    const cfg = parseSimConfig({ devices: [{ id: 'm', profile: 'sunspec-meter', unitId: 9, dlt645: { path: '/dev/pts/9', address: '000000000001' } }] });
    expect(cfg.devices[0]!.dlt645).toEqual({ path: '/dev/pts/9', address: '000000000001', map: 'dlt645-meter' });
    expect(cfg.dlt645).toEqual({ baudRate: 2400, emulateWireTime: false });
  });

  it('names each problem: a DL/T 645 inverter, a duplicate address on a path, unit 0 without aggregate, an aggregate meter', () => {
    const dlt = (address: string) => ({ path: '/dev/pts/9', address });
    const text = problems([
      { id: 'inv', profile: 'sunspec', unitId: 1, ratedPowerW: 1000, dlt645: dlt('000000000001') },
      { id: 'm1', profile: 'sunspec-meter', unitId: 2, dlt645: dlt('000000000002') },
      { id: 'm2', profile: 'sunspec-meter', unitId: 3, dlt645: dlt('000000000002') },
      { id: 'zero', profile: 'sunspec', unitId: 0, ratedPowerW: 1000 },
      { id: 'agg', profile: 'sunspec-meter', unitId: 4, aggregate: true },
    ]).join('\n');
    expect(text).toContain('/devices/0/dlt645: only a meter answers as a DL/T 645 meter');
    expect(text).toContain('/devices/2/dlt645/address: address 000000000002 on /dev/pts/9 is already used by m1');
    expect(text).toContain("/devices/3/unitId: unit 0 is Modbus RTU's broadcast address");
    expect(text).toContain('/devices/4/aggregate: only an inverter profile shows a plant');
  });

  it('a plant-level device at unit 0 needs no rating of its own', () => {
    const cfg = parseSimConfig({ devices: [{ id: 'plant', profile: 'huawei-smartlogger', unitId: 0, aggregate: true }, { id: 'i', profile: 'huawei-sun2000', unitId: 1, ratedPowerW: 1000 }] });
    expect(cfg.devices[0]).toMatchObject({ unitId: 0, aggregate: true });
  });

  it('splits the day into the four tariff periods (valley at night, peak and sharp in the working day)', () => {
    expect(Array.from({ length: 24 }, (_, h) => tariffAt(h)).join('')).toBe('444444443321332112233333') // 0-7 valley, 8-9 flat, 10 peak, 11 sharp, 12-13 flat, 14 peak, 15-16 sharp, 17-18 peak, 19-23 flat;
  });
});
