import { describe, expect, it } from 'vitest';
import { encode, loadVendorMap, toGainRaw, vendorMapIds, vendorPointSize, fromSi } from '../../common/devices/index.ts';
import { sunspecSpace } from '../testing/sunspec-space.ts';
import { RegisterImage } from '../modbus/planner.ts';
import { SunSpecProfile } from './sunspec.ts';
import { VendorProfile } from './vendor.ts';

async function readSunSpec(space: ReturnType<typeof sunspecSpace>) {
  const p = new SunSpecProfile();
  await p.discover(space.read);
  const img = new RegisterImage();
  for (const r of p.ranges() ?? []) img.put(r, await space.read(r.table, r.address, r.count));
  return { profile: p, decoded: p.decode(img) };
}

const common = { Mn: 'Acme', Md: 'PV-50', SN: 'SN-0001' };
const inverter101 = { A_SF: -2, V_SF: -1, W_SF: 0, Hz_SF: -2, WH_SF: 0, Tmp_SF: -1, DCW_SF: 0, A: 21.73, PhVphA: 230.5, W: 4998, Hz: 50.02, WH: 12_345_678, TmpCab: 41.3, DCW: 5120, St: 4, Evt1: 0 };

describe('SunSpec profile', () => {
  it('discovers at 40000 and decodes common + inverter 101 with scale factors', async () => {
    const { profile, decoded } = await readSunSpec(sunspecSpace(40000, [{ id: 1, set: common }, { id: 101, set: inverter101 }]));
    expect(profile.models().map((m) => [m.id, m.start, m.length])).toEqual([[1, 40002, 66], [101, 40070, 50]]);
    expect(decoded).toMatchObject({ kind: 'inverter', serial: 'SN-0001', notFinite: [] });
    expect(decoded.values).toEqual({ ac_current_a: 21.73, ac_voltage_v: 230.5, ac_power_w: 4998, frequency_hz: 50.02, ac_energy_wh: 12_345_678, temperature_c: 41.3, dc_power_w: 5120, state: 'mppt', alarms: [] });
  });

  it('walks by the announced L: a common model with L=65 (no Pad) still finds the inverter after it', async () => {
    const { profile, decoded } = await readSunSpec(sunspecSpace(40000, [{ id: 1, L: 65, set: common }, { id: 103, set: inverter101 }]));
    expect(profile.models().map((m) => [m.id, m.start, m.length])).toEqual([[1, 40002, 65], [103, 40069, 50]]);
    expect(decoded.values.ac_power_w).toBe(4998);
    expect(decoded.serial).toBe('SN-0001');
  });

  it('skips models it does not know, and finds SunS at 50000 or 0 when 40000 is not there', async () => {
    for (const base of [50000, 0]) {
      const { profile, decoded } = await readSunSpec(sunspecSpace(base, [{ id: 1, set: common }, { id: 120, L: 26, set: {} }, { id: 102, set: inverter101 }]));
      expect(profile.models().map((m) => m.id)).toEqual([1, 120, 102]);
      expect(decoded.values.ac_energy_wh).toBe(12_345_678);
    }
  });

  it('a not-implemented value (or scale factor) is absent, never zero', async () => {
    const set: Record<string, number> = { ...inverter101 };
    delete set.DCW; // 0x8000
    delete set.Tmp_SF; // scale factor not implemented: the temperature is absent too
    const { decoded } = await readSunSpec(sunspecSpace(40000, [{ id: 1, set: common }, { id: 101, set }]));
    expect(decoded.values).not.toHaveProperty('dc_power_w');
    expect(decoded.values).not.toHaveProperty('temperature_c');
    expect(decoded.values.ac_power_w).toBe(4998);
  });

  it('decodes float models (111-113), alarms from Evt1 bits, and model 160 modules as dc power when the inverter has none', async () => {
    const { decoded } = await readSunSpec(
      sunspecSpace(40000, [
        { id: 1, set: common },
        { id: 113, set: { A: 7.5, PhVphA: 231.25, W: 5000.5, Hz: 49.98, WH: 9_876_543, TmpCab: 38.5, St: 7, Evt1: 0b1001 } },
        { id: 160, set: { DCA_SF: -1, DCV_SF: -1, DCW_SF: 0, DCWH_SF: 0, N: 2 }, blocks: [{ ID: 1, DCW: 2600 }, { ID: 2, DCW: 2550 }] },
      ]),
    );
    expect(decoded.values).toMatchObject({ ac_power_w: 5000.5, ac_energy_wh: 9_876_543, state: 'fault', dc_power_w: 5150 });
    expect(decoded.values.frequency_hz).toBeCloseTo(49.98, 4);
    expect(decoded.values.alarms).toEqual(['GROUND_FAULT', expect.any(String)]);
  });

  it('decodes a meter (203) with export and import counters', async () => {
    const { decoded } = await readSunSpec(
      sunspecSpace(40000, [{ id: 1, set: common }, { id: 203, set: { TotWh_SF: 0, W_SF: 0, V_SF: -1, Hz_SF: -2, A_SF: -1, TotWhExp: 55_000_000, TotWhImp: 1234, W: -20_000, PhV: 230.1, Hz: 50 } }]),
    );
    expect(decoded.kind).toBe('meter');
    expect(decoded.values).toMatchObject({ export_energy_wh: 55_000_000, import_energy_wh: 1234, ac_power_w: -20_000, ac_voltage_v: 230.1, frequency_hz: 50 });
  });

  it('reports no SunS marker, with what it tried', async () => {
    const p = new SunSpecProfile();
    const read = async () => {
      throw Object.assign(new Error('illegal data address'), { modbusCode: 2 });
    };
    await expect(p.discover(read)).rejects.toThrow(/no SunSpec marker/);
  });

  it('notices a changed layout (model ID moved) instead of decoding garbage', async () => {
    const space = sunspecSpace(40000, [{ id: 1, set: common }, { id: 101, set: inverter101 }]);
    const p = new SunSpecProfile();
    await p.discover(space.read);
    space.regs.set(40070, 103);
    const img = new RegisterImage();
    for (const r of p.ranges() ?? []) img.put(r, await space.read(r.table, r.address, r.count));
    expect(p.decode(img).layoutChanged).toBe(true);
  });
});

/** A vendor device's registers with the given values (SI in, vendor units and gain on the wire). */
function vendorImage(mapId: string, values: Record<string, number | string | undefined>) {
  const map = loadVendorMap(mapId);
  const img = new RegisterImage();
  for (const p of map.points) {
    const v = values[p.name];
    let words: number[];
    if (v === undefined) words = p.invalid?.length ? encode(p.type === 'int32' || p.type === 'int16' ? (p.type === 'int16' ? 'uint16' : 'uint32') : p.type, p.invalid[0]!, { wordOrder: p.wordOrder, size: p.size }) : new Array<number>(vendorPointSize(p)).fill(0);
    else if (typeof v === 'string') words = encode('string', v, { size: p.size });
    else words = encode(p.type, p.type.startsWith('bitfield') || p.type === 'enum16' ? v : toGainRaw(fromSi(v, p.units), p.gain), { wordOrder: p.wordOrder });
    img.put({ table: p.registerType, address: p.address, count: words.length }, words);
  }
  return img;
}

/** Simulated devices of every map are read end to end in everymap.test.ts; here what a simulator does not show. */
describe('vendor map profiles', () => {
  it('reports the rated power (for the power_above_rating check) and negative values', () => {
    const d = new VendorProfile('huawei-sun2000').decode(vendorImage('huawei-sun2000', { RatedPower: 50_000, InternalTemperature: -3.5 }));
    expect(d.ratedPowerW).toBe(50_000);
    expect(d.values.temperature_c).toBe(-3.5);
  });

  it.each(vendorMapIds())('%s: every state symbol reads as its contract state', (id) => {
    const p = new VendorProfile(id);
    for (const point of loadVendorMap(id).points.filter((x) => x.field === 'state')) {
      for (const sym of point.symbols ?? []) expect(p.decode(vendorImage(id, { [point.name]: sym.value })).values.state, sym.name).toBe(sym.state);
    }
  });
});
