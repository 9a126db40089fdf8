import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SunshareError } from '../errors.ts';
import { deviceProfiles, loadSunSpecDevice, loadSunSpecDeviceFile, loadSunSpecFile, loadSunSpecModel, loadVendorFile, loadVendorMap, sunSpecDeviceIds, sunSpecModelIds, sunSpecPoint, vendorMapIds } from './load.ts';
import { modelLength, pointAddress, repeatingPointAddress } from './sunspec.ts';

describe('shipped device maps', () => {
  it('ships the SunSpec models the issue names', () => {
    expect(sunSpecModelIds()).toEqual([1, 101, 102, 103, 111, 112, 113, 160, 201, 202, 203, 204, 302]);
    expect(vendorMapIds()).toEqual(['goodwe-dt', 'growatt-max', 'huawei-smartlogger', 'huawei-sun2000', 'solis-string', 'sungrow-sg']);
  });

  it.each(sunSpecModelIds())('SunSpec model %i validates', (id) => {
    const m = loadSunSpecModel(id);
    expect(m.id).toBe(id);
  });

  it.each(vendorMapIds())('vendor map %s validates', (id) => {
    expect(loadVendorMap(id).id).toBe(id);
  });

  it.each(sunSpecDeviceIds())('SunSpec device %s validates', (id) => {
    expect(loadSunSpecDevice(id).id).toBe(id);
  });

  it('lists every device file once, SunSpec devices read by discovery, vendor maps by their id', () => {
    expect(deviceProfiles()).toEqual([
      { id: 'sma-sunspec', family: 'sunspec', kind: 'inverter', gatewayProfile: 'sunspec' },
      { id: 'sunspec', family: 'sunspec', kind: 'inverter', gatewayProfile: 'sunspec' },
      { id: 'sunspec-float', family: 'sunspec', kind: 'inverter', gatewayProfile: 'sunspec' },
      { id: 'sunspec-irradiance', family: 'sunspec', kind: 'inverter', gatewayProfile: 'sunspec' },
      { id: 'sunspec-meter', family: 'sunspec', kind: 'meter', gatewayProfile: 'sunspec' },
      { id: 'goodwe-dt', family: 'vendor', kind: 'inverter', gatewayProfile: 'goodwe-dt' },
      { id: 'growatt-max', family: 'vendor', kind: 'inverter', gatewayProfile: 'growatt-max' },
      { id: 'huawei-smartlogger', family: 'vendor', kind: 'inverter', gatewayProfile: 'huawei-smartlogger' },
      { id: 'huawei-sun2000', family: 'vendor', kind: 'inverter', gatewayProfile: 'huawei-sun2000' },
      { id: 'solis-string', family: 'vendor', kind: 'inverter', gatewayProfile: 'solis-string' },
      { id: 'sungrow-sg', family: 'vendor', kind: 'inverter', gatewayProfile: 'sungrow-sg' },
    ]);
  });

  it('has the SunSpec lengths from the spec', () => {
    const lengths = Object.fromEntries(sunSpecModelIds().map((id) => [id, loadSunSpecModel(id).length]));
    expect(lengths).toEqual({ 1: 66, 101: 50, 102: 50, 103: 50, 111: 60, 112: 60, 113: 60, 160: 8, 201: 105, 202: 105, 203: 105, 204: 105, 302: 0 });
    expect(modelLength(loadSunSpecModel(160), 2)).toBe(48);
    // model 302: no fixed block, five W/m2 registers per sensor, POAI the second
    expect(modelLength(loadSunSpecModel(302), 1)).toBe(5);
    const m302 = loadSunSpecModel(302);
    const poai = m302.repeating!.points.find((p) => p.name === 'POAI')!;
    expect(poai.field).toBe('poa_irradiance_w_m2');
    expect(repeatingPointAddress(m302, 40000, 1, poai)).toBe(40008); // the second sensor's POAI: ID, L, 5 of the first, GHI
  });

  it('places model 103 points where the spec says (40000 map: SunS, model 1 L=66 at 40002, 103 at 40070)', () => {
    const m103 = loadSunSpecModel(103);
    const at = (n: string) => pointAddress(40070, sunSpecPoint(m103, n));
    // Hand-computed from the SunSpec model 103 table: A is the first data register (ID at 40070, L at 40071).
    expect(at('A')).toBe(40072);
    expect(at('W')).toBe(40084);
    expect(at('W_SF')).toBe(40085);
    expect(at('WH')).toBe(40094);
    expect(at('WH_SF')).toBe(40096);
    expect(at('TmpCab')).toBe(40103);
    expect(at('St')).toBe(40108);
    expect(at('Evt1')).toBe(40110);
    const m160 = loadSunSpecModel(160);
    const dcw = m160.repeating!.points.find((p) => p.name === 'DCW')!;
    expect(repeatingPointAddress(m160, 40122, 1, dcw)).toBe(40122 + 2 + 8 + 20 + 11);
  });

  it('maps the fields the gateway normalizes', () => {
    const fields = (id: number) => Object.fromEntries(loadSunSpecModel(id).points.flatMap((p) => (p.field ? [[p.field, p.name] as const] : [])));
    expect(fields(103)).toMatchObject({ ac_power_w: 'W', ac_energy_wh: 'WH', state: 'St', alarms: 'Evt1', temperature_c: 'TmpCab' });
    expect(fields(203)).toMatchObject({ export_energy_wh: 'TotWhExp', import_energy_wh: 'TotWhImp', ac_power_w: 'W' });
    const st = sunSpecPoint(loadSunSpecModel(113), 'St');
    expect(st.symbols?.find((s) => s.value === 7)?.state).toBe('fault');
    const hw = loadVendorMap('huawei-sun2000');
    expect(hw.points.find((p) => p.field === 'ac_energy_wh')).toMatchObject({ address: 32106, type: 'uint32', gain: 100, units: 'kWh' });
    expect(hw.points.find((p) => p.field === 'ac_power_w')).toMatchObject({ address: 32080, type: 'int32', invalid: [0x7fffffff] });
    expect(hw.points.filter((p) => p.field === 'alarms').map((p) => p.address)).toEqual([32008, 32009, 32010]);
    expect(loadVendorMap('sungrow-sg').points.find((p) => p.field === 'ac_energy_wh')).toMatchObject({ address: 5003, registerType: 'input', wordOrder: 'little' });
  });
});

describe('bad maps are rejected with every problem, its path and the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devmaps-'));
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const problemsOf = (fn: () => unknown): { message: string; details: readonly string[] } => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(SunshareError);
      return err as SunshareError;
    }
    throw new Error('expected a SunshareError');
  };

  it('schema problems', () => {
    const f = write('bad1.yaml', 'id: 999\nname: x\nlabel: x\nkind: gadget\nlength: 1\npoints:\n  - { name: W, offset: 0, size: 1, type: int17, colour: red }\n');
    const e = problemsOf(() => loadSunSpecFile(f));
    expect(e.message).toContain(f);
    expect(e.details.some((d) => d.startsWith('/kind'))).toBe(true);
    expect(e.details.some((d) => d.startsWith('/points/0/type'))).toBe(true);
    expect(e.details.some((d) => d.startsWith('/points/0/colour') || d.includes('colour'))).toBe(true);
  });

  it('layout problems: gaps, wrong sizes, unknown scale factors', () => {
    const f = write(
      'bad2.yaml',
      'id: 998\nname: x\nlabel: x\nkind: inverter\nlength: 4\npoints:\n  - { name: W, offset: 0, size: 1, type: int16, sf: W_SF }\n  - { name: WH, offset: 2, size: 1, type: acc32 }\n',
    );
    const e = problemsOf(() => loadSunSpecFile(f));
    expect(e.details).toEqual([
      '/points/0 (W): scale factor W_SF is not a sunssf point of this model',
      '/points/1 (WH): offset 2, expected 1 (points must be contiguous)',
      '/points/1 (WH): type acc32 takes 2 register(s), size says 1',
      '/points: points cover 3 registers, length says 4',
    ]);
  });

  it('vendor maps: overlapping registers and strings without size', () => {
    const f = write(
      'bad3.yaml',
      'id: acme\nmanufacturer: Acme\ndescription: x\nkind: inverter\npoints:\n  - { name: P, address: 10, registerType: holding, type: int32 }\n  - { name: Q, address: 11, registerType: holding, type: uint16 }\n  - { name: S, address: 20, registerType: input, type: string }\n',
    );
    const e = problemsOf(() => loadVendorFile(f));
    expect(e.details).toEqual(['/points/1 (Q): holding register 11 is also used by P', '/points/2 (S): a string needs size (registers)']);
  });

  it('simulator sources: a quantity or a value, not both or neither', () => {
    const f = write(
      'bad5.yaml',
      'id: acme\nmanufacturer: Acme\ndescription: x\nkind: inverter\npoints:\n  - { name: P, address: 10, registerType: holding, type: uint16, sim: { quantity: mppts, value: 3 } }\n  - { name: Q, address: 11, registerType: holding, type: uint16, sim: { faultValue: 1 } }\n  - { name: R, address: 12, registerType: holding, type: uint16, sim: { quantity: sunshine } }\n',
    );
    const e = problemsOf(() => loadVendorFile(f));
    expect(e.details.some((d) => d.startsWith('/points/2/sim/quantity'))).toBe(true);
    const g = write('bad5b.yaml', 'id: acme\nmanufacturer: Acme\ndescription: x\nkind: inverter\npoints:\n  - { name: P, address: 10, registerType: holding, type: uint16, sim: { quantity: mppts, value: 3 } }\n  - { name: Q, address: 11, registerType: holding, type: uint16, sim: { faultValue: 1 } }\n');
    expect(problemsOf(() => loadVendorFile(g)).details).toEqual(['/points/0 (P)/sim: give exactly one of quantity and value', '/points/1 (Q)/sim: give exactly one of quantity and value']);
  });

  it('SunSpec devices: known models, model 1 first, blocks only where the model repeats', () => {
    const f = write('bad6.yaml', 'id: odd\ndescription: x\nmodels: [{ id: 103, blocks: mppts }, { id: 777 }]\nsimulator: { model: X, serialPrefix: X }\n');
    expect(problemsOf(() => loadSunSpecDeviceFile(f)).details).toEqual([
      '/models/0/blocks: model 103 has no repeating block',
      '/models/1/id: SunSpec model 777 has no definition in ' + join(import.meta.dirname, 'sunspec'),
      '/models/0/id: the chain starts with model 1 (common)',
    ]);
  });

  it('unknown ids and broken YAML', () => {
    expect(problemsOf(() => loadSunSpecModel(555)).details[0]).toContain('103');
    expect(problemsOf(() => loadVendorMap('fronius')).details[0]).toContain('huawei-sun2000');
    const f = write('bad4.yaml', 'id: [\n');
    expect(problemsOf(() => loadVendorFile(f)).message).toContain('not valid YAML');
  });
});
