import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Reading } from '../../common/contract.ts';
import {
  decode,
  deviceProfiles,
  isNotImplemented,
  loadSunSpecDevice,
  loadSunSpecModel,
  loadVendorMap,
  MAPS_DIR,
  pointAddress,
  SUNSPEC_DEVICES_DIR,
  toSi,
  type DeviceProfile,
  type Field,
} from '../../common/devices/index.ts';
import { silentLogger } from '../../common/log.ts';
import { validator } from '../../common/validate.ts';
import { PROFILES, startSim, type DeviceTruth, type SimHandle } from '../../firmware-sim/index.ts';
import type { DeviceConfig } from '../config.ts';
import { DevicePoller } from '../device-poller.ts';
import { ModbusLine } from '../modbus/line.ts';
import { ModbusReader } from '../modbus/reader.ts';
import { createProfile, type Profile, type SunSpecProfile } from './index.ts';

/**
 * Every device file (common/devices/maps/*.yaml, common/devices/sunspec-devices/*.yaml) through the
 * simulator and the gateway: the simulator serves a device of that file over Modbus TCP, the gateway's
 * own line, profile and poller read it, and the reading must satisfy the contract and agree with the
 * simulator's physics within the map's resolution. A new map file is tested by being added.
 */

const yamlIds = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'));
const FILES = [...yamlIds(SUNSPEC_DEVICES_DIR), ...yamlIds(MAPS_DIR)].sort();
const DEVICES = deviceProfiles();
const checkReading = validator(Reading);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** The points of a device file that feed contract fields (SunSpec: every model of its chain). */
function fieldPoints(d: DeviceProfile): { name: string; field: Field }[] {
  const points = d.family === 'vendor' ? loadVendorMap(d.id).points : loadSunSpecDevice(d.id).models.flatMap((m) => {
          const model = loadSunSpecModel(m.id);
          return [...model.points, ...(model.repeating?.points ?? [])];
        });
  return points.flatMap((p) => (p.field ? [{ name: p.name, field: p.field }] : []));
}
const declaredFields = (d: DeviceProfile) => new Set(fieldPoints(d).map((p) => p.field));
/** Whether the device file gives a serial number (a few vendor maps cannot: their docs disagree on its encoding). */
const givesSerial = (d: DeviceProfile) => d.family === 'sunspec' || loadVendorMap(d.id).points.some((p) => p.identity === 'serial');

/** A simulated device of this profile, polled by the gateway over Modbus TCP. */
async function setup(d: DeviceProfile) {
  const companion = DEVICES.find((x) => x.kind === 'inverter')!;
  const sim: SimHandle = await startSim({
    seed: 7,
    clock: { start: '2026-06-21T12:30', manual: true },
    tcp: { host: '127.0.0.1', port: 0 },
    control: { enabled: false },
    devices: [
      d.kind === 'meter'
        ? { id: 'dut', profile: d.id, unitId: 1, initialEnergyWh: 50_000_000, initialImportWh: 400_000 }
        : { id: 'dut', profile: d.id, unitId: 1, ratedPowerW: 50_000, initialEnergyWh: 8_000_000 },
      // a meter exports what an inverter produces
      ...(d.kind === 'meter' ? [{ id: 'pv', profile: companion.id, unitId: 2, ratedPowerW: 50_000 }] : []),
    ],
  });
  cleanups.push(() => sim.stop());
  sim.advance(600_000);
  const info = sim.devices[0]!;
  expect(info.gatewayProfile).toBe(d.gatewayProfile);
  const line = new ModbusLine('everymap', { transport: 'tcp', host: sim.host, port: info.port }, 0, silentLogger);
  cleanups.push(() => line.close());
  const profile: Profile = createProfile(info.gatewayProfile);
  const cfg: DeviceConfig = {
    id: 'dut',
    protocol: 'modbus',
    transport: 'tcp',
    host: sim.host,
    port: info.port,
    baudRate: 9600,
    parity: 'none',
    dataBits: 8,
    stopBits: 1,
    unit: info.unitId,
    profile: info.gatewayProfile,
    timeoutMs: 1000,
    connectDelayMs: 0,
    ...(d.kind === 'inverter' ? { ratedPowerW: info.ratedPowerW } : {}),
  };
  const poller = new DevicePoller(cfg, new ModbusReader(line, info.unitId, 1000, profile, 8), { pollIntervalMs: 1000, backoffMaxMs: 1000, stamp: () => sim.clock.now() }, silentLogger);
  const poll = async (): Promise<Reading> => {
    const r = await poller.poll();
    expect(r, `a reading (${poller.health().lastError ?? ''})`).toBeDefined();
    expect(checkReading.problems(r), 'the reading satisfies the contract').toEqual([]);
    return r!;
  };

  /** The smallest step of a field on the wire, SI units (float32: 0, relative error below). */
  const resolution = async (field: Field): Promise<number> => {
    if (d.family === 'vendor') {
      const p = loadVendorMap(d.id).points.find((x) => x.field === field)!;
      return p.type === 'float32' ? 0 : toSi(1 / p.gain, p.units);
    }
    for (const found of (profile as SunSpecProfile).models()) {
      const model = loadSunSpecModel(found.id);
      const p = [...model.points, ...(model.repeating?.points ?? [])].find((x) => x.field === field);
      if (!p) continue;
      if (p.type === 'float32' || !p.sf) return p.type === 'float32' ? 0 : 1;
      const sfPoint = model.points.find((x) => x.name === p.sf)!;
      const words = await line.read(info.unitId, 'holding', pointAddress(found.start, sfPoint), 1, 1000);
      expect(isNotImplemented('sunssf', words), `${p.sf} implemented`).toBe(false);
      return 10 ** decode('sunssf', words);
    }
    throw new Error(`no point feeds ${field}`);
  };

  /** The field equals the physics value within half a step of its resolution (and float32's precision). */
  const expectTruth = async (r: Reading, field: Field, want: number | undefined) => {
    const got = r[field as keyof Reading] as number | undefined;
    expect(got, `${field} present`).toBeTypeOf('number');
    expect(want, `truth for ${field}`).toBeTypeOf('number');
    const tolerance = (await resolution(field)) / 2 + Math.abs(want!) * 2 ** -23 + 1e-6;
    expect(Math.abs(got! - want!), `${field}: read ${got}, physics ${want}, tolerance ${tolerance}`).toBeLessThanOrEqual(tolerance);
  };
  return { sim, poll, expectTruth };
}

describe('every device file, simulated and read by the gateway', () => {
  it('every map file is a simulator profile and a gateway profile', () => {
    expect(DEVICES.map((d) => d.id).sort()).toEqual(FILES);
    expect([...PROFILES].sort()).toEqual(FILES);
    for (const d of DEVICES) expect(() => createProfile(d.gatewayProfile)).not.toThrow();
  });

  it.each(DEVICES.map((d) => [d.id, d] as const))('%s: the reading matches the contract and the physics', async (_id, d) => {
    const { sim, poll, expectTruth } = await setup(d);
    const fields = declaredFields(d);
    const r = await poll();
    const t: DeviceTruth = sim.truth('dut');
    expect(r).toMatchObject({ device: 'dut', kind: d.kind });
    if (givesSerial(d)) expect(r.serial).toBe(t.serial);
    else expect(r).not.toHaveProperty('serial');
    expect(r.quality).toBeUndefined();
    // every field the file feeds arrives; revenue needs the energy counters
    for (const f of fields) expect(r, `field ${f}`).toHaveProperty(f);
    for (const f of d.kind === 'meter' ? (['ac_power_w', 'export_energy_wh', 'import_energy_wh'] as const) : (['ac_power_w', 'ac_energy_wh'] as const)) expect(fields).toContain(f);

    await expectTruth(r, 'ac_power_w', t.acPowerW);
    if (d.kind === 'inverter') {
      expect(t.acPowerW, 'the sun shines').toBeGreaterThan(5000);
      await expectTruth(r, 'ac_energy_wh', t.energyWh);
      if (fields.has('dc_power_w')) await expectTruth(r, 'dc_power_w', t.dcPowerW);
      if (fields.has('state')) expect(r.state).toBe(t.state);
      if (fields.has('poa_irradiance_w_m2')) {
        expect(t.poaWm2, 'the sky has irradiance').toBeGreaterThan(300);
        await expectTruth(r, 'poa_irradiance_w_m2', t.poaWm2);
      }
    } else {
      expect(t.acPowerW, 'the site exports').toBeLessThan(-5000);
      await expectTruth(r, 'export_energy_wh', t.exportWh);
      await expectTruth(r, 'import_energy_wh', t.importWh);
    }
    if (fields.has('alarms')) expect(r.alarms).toEqual([]);
    if (r.frequency_hz !== undefined) expect(r.frequency_hz).toBeGreaterThan(49.9);
    if (r.frequency_hz !== undefined) expect(r.frequency_hz).toBeLessThan(50.1);
    if (r.ac_voltage_v !== undefined) expect(r.ac_voltage_v).toBeGreaterThan(200);
    if (r.ac_voltage_v !== undefined) expect(r.ac_voltage_v).toBeLessThan(260);
    if (r.temperature_c !== undefined) expect(r.temperature_c).toBeGreaterThan(-20);
    if (r.temperature_c !== undefined) expect(r.temperature_c).toBeLessThan(100);
    // SunSpec A is the three phases' sum, vendor maps give phase A: either way at most |P| / 200 V
    if (r.ac_current_a !== undefined) expect(Math.abs(r.ac_current_a)).toBeGreaterThan(0);
    if (r.ac_current_a !== undefined) expect(Math.abs(r.ac_current_a)).toBeLessThanOrEqual(Math.abs(t.acPowerW) / 200);
  });

  it.each(DEVICES.map((d) => [d.id, d] as const))('%s: a trip reads as the fault state with its alarm bits, no power', async (_id, d) => {
    const { sim, poll } = await setup(d);
    const fields = declaredFields(d);
    sim.setFault('dut', { kind: 'trip' });
    const r = await poll();
    const t = sim.truth('dut');
    expect(r.ac_power_w).toBe(0);
    if (fields.has('state')) expect(r.state).toBe('fault');
    if (fields.has('alarms')) {
      expect(t.alarms.length).toBeGreaterThan(0);
      expect(r.alarms).toEqual(t.alarms);
    }
  });

  it.each(DEVICES.map((d) => [d.id, d] as const))('%s: values the device does not implement are absent, never zero', async (_id, d) => {
    const { sim, poll } = await setup(d);
    const points = fieldPoints(d).filter((p) => p.field !== 'state' && p.field !== 'alarms');
    const numeric = [...new Set(points.map((p) => p.field))];
    // by point name too: SunSpec's model 160 modules carry DCW, which the gateway sums when the inverter's DCW is absent
    sim.setFault('dut', { kind: 'not_implemented', fields: numeric, points: points.map((p) => p.name) });
    const r = await poll();
    for (const f of numeric) expect(r, `${f} absent`).not.toHaveProperty(f);
    if (givesSerial(d)) expect(r.serial).toBe(sim.truth('dut').serial);
  });
});
