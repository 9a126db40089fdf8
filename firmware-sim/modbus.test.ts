import { ModbusClient } from './testing/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.ts';

/**
 * A real Modbus client (modbus-serial) over TCP walks the SunSpec chain and
 * the vendor maps. Offsets below are hand-computed from the SunSpec model
 * tables (offset 0 = the register after L), decoded here with Buffer reads,
 * not with common/devices, so an encoder bug cannot hide behind a decoder bug.
 */
let sim: SimHandle;
const client = new ModbusClient();

beforeAll(async () => {
  sim = await startSim({
    seed: 7,
    clock: { start: '2026-07-15T12:30', manual: true },
    tcp: { port: 0 },
    control: { enabled: false },
    devices: [
      { id: 'inv-int', profile: 'sunspec', unitId: 1, ratedPowerW: 50_000, mppts: 3, initialEnergyWh: 123_456_789 },
      { id: 'inv-float', profile: 'sunspec-float', unitId: 2, ratedPowerW: 12_000, commonLength: 65 },
      { id: 'inv-hw', profile: 'huawei-sun2000', unitId: 3, ratedPowerW: 50_000, initialEnergyWh: 98_765_432 },
      { id: 'inv-sg', profile: 'sungrow-sg', unitId: 4, ratedPowerW: 33_000, initialEnergyWh: 5_000_000 },
      { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 200_000_000, initialImportWh: 1_500_000 },
    ],
  });
  sim.advance(3_600_000); // an hour of production so counters have moved
  await client.connectTCP('127.0.0.1', { port: sim.ports[0]! });
  client.setTimeout(2000);
});
afterAll(async () => {
  await new Promise<void>((r) => client.close(() => r()));
  await sim.stop();
});

const read = async (unit: number, address: number, length: number): Promise<Buffer> => {
  client.setID(unit);
  return (await client.readHoldingRegisters(address, length)).buffer;
};

interface Model {
  id: number;
  start: number;
  length: number;
  data: Buffer;
}

async function walkSunSpec(unit: number): Promise<Model[]> {
  expect((await read(unit, 40000, 2)).toString('latin1')).toBe('SunS');
  const models: Model[] = [];
  for (let at = 40002; ; ) {
    const head = await read(unit, at, 2);
    const [id, length] = [head.readUInt16BE(0), head.readUInt16BE(2)];
    if (id === 0xffff) {
      expect(length).toBe(0);
      return models;
    }
    const parts: Buffer[] = [];
    for (let o = 0; o < length; o += 100) parts.push(await read(unit, at + 2 + o, Math.min(100, length - o)));
    models.push({ id, start: at, length, data: Buffer.concat(parts) });
    at += 2 + length;
    if (models.length > 20) throw new Error('chain does not end');
  }
}

const u16 = (m: Model, off: number) => m.data.readUInt16BE(off * 2);
const i16 = (m: Model, off: number) => m.data.readInt16BE(off * 2);
const u32 = (m: Model, off: number) => m.data.readUInt32BE(off * 2);
const f32 = (m: Model, off: number) => m.data.readFloatBE(off * 2);
const str = (m: Model, off: number, regs: number) => m.data.subarray(off * 2, (off + regs) * 2).toString('utf8').replace(/\0+$/, '');
const scaled = (raw: number, sf: number) => raw * 10 ** sf;

describe('SunSpec inverter, integer + scale factors (models 1, 103, 160)', () => {
  it('walks SunS -> 1 (L=66) -> 103 (L=50) -> 160 (L=8+3x20) -> end at the spec addresses', async () => {
    const models = await walkSunSpec(1);
    expect(models.map((m) => [m.id, m.start, m.length])).toEqual([
      [1, 40002, 66],
      [103, 40070, 50],
      [160, 40122, 68],
    ]);
    expect((await read(1, 40192, 2)).readUInt16BE(0)).toBe(0xffff);
  });

  it('decodes every point the gateway needs to the physics values', async () => {
    const [common, inv, mppt] = await walkSunSpec(1);
    const truth = sim.truth('inv-int');
    expect(truth.acPowerW).toBeGreaterThan(1000);
    expect(str(common!, 0, 16)).toBe('Sunshare Sim');
    expect(str(common!, 48, 16)).toBe(truth.serial);
    expect(u16(common!, 64)).toBe(1); // DA = unit id
    // Model 103: W at offset 12, W_SF 13; WH acc32 at 22, WH_SF 24; St 36; Evt1 38; TmpCab 31, Tmp_SF 35.
    const wSf = i16(inv!, 13);
    expect(wSf).toBe(1); // 50 kW x 1.3 does not fit int16 watts
    expect(scaled(i16(inv!, 12), wSf)).toBeCloseTo(truth.acPowerW, -1);
    expect(Math.abs(scaled(i16(inv!, 12), wSf) - truth.acPowerW)).toBeLessThanOrEqual(5);
    expect(i16(inv!, 24)).toBe(0);
    expect(u32(inv!, 22)).toBe(Math.round(truth.counterWh));
    expect(truth.counterWh).toBeGreaterThan(123_456_789 + 20_000); // an hour near noon
    expect(u16(inv!, 36)).toBe(truth.state === 'throttled' ? 5 : 4);
    expect(u32(inv!, 38)).toBe(0);
    const hz = scaled(u16(inv!, 14), i16(inv!, 15));
    expect(hz).toBeGreaterThan(49.9);
    expect(hz).toBeLessThan(50.1);
    const v = scaled(u16(inv!, 8), i16(inv!, 11));
    expect(v).toBeGreaterThan(220);
    expect(v).toBeLessThan(245);
    const amps = scaled(u16(inv!, 0), i16(inv!, 4));
    expect(amps * v).toBeCloseTo(truth.acPowerW, -3); // A is the sum of the three phases
    const dcw = scaled(i16(inv!, 29), i16(inv!, 30));
    expect(Math.abs(dcw - truth.dcPowerW)).toBeLessThanOrEqual(10 ** i16(inv!, 30));
    expect(scaled(i16(inv!, 31), i16(inv!, 35))).toBeGreaterThan(15);
    // TmpTrns (33) and TmpOt (34) are not implemented: int16 0x8000.
    expect(u16(inv!, 33)).toBe(0x8000);
    // Model 160: N at 6, blocks of 20 from offset 8; DCW at block offset 11 with DCW_SF at 2.
    expect(u16(mppt!, 6)).toBe(3);
    const dcwSf = i16(mppt!, 2);
    let sum = 0;
    for (let b = 0; b < 3; b++) {
      expect(u16(mppt!, 8 + b * 20)).toBe(b + 1);
      expect(str(mppt!, 8 + b * 20 + 1, 8)).toBe(`PV${b + 1}`);
      sum += scaled(u16(mppt!, 8 + b * 20 + 11), dcwSf);
    }
    expect(Math.abs(sum - truth.dcPowerW)).toBeLessThanOrEqual(3 * 10 ** dcwSf);
  });

  it('reads 0-based addresses past the end as exception 2 (illegal data address)', async () => {
    await expect(read(1, 40194, 2)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('answers an unknown unit id with exception 0x0B', async () => {
    await expect(read(42, 40000, 2)).rejects.toMatchObject({ modbusCode: 0x0b });
  });
});

describe('SunSpec float inverter (models 1 with L=65, 113, 160)', () => {
  it('walks the chain and decodes float32 points', async () => {
    const models = await walkSunSpec(2);
    expect(models.map((m) => [m.id, m.length])).toEqual([
      [1, 65],
      [113, 60],
      [160, 48],
    ]);
    const inv = models[1]!;
    const truth = sim.truth('inv-float');
    // Model 113: PhVphA 14, W 20, Hz 22, WH 30, TmpCab 38, St 46, Evt1 48.
    expect(f32(inv, 20)).toBe(Math.fround(truth.acPowerW));
    expect(f32(inv, 30)).toBe(Math.fround(truth.counterWh));
    expect(f32(inv, 22)).toBeGreaterThan(49.9);
    expect([4, 5]).toContain(u16(inv, 46));
    // AphB etc. exist; PPVphAB is implemented; TmpTrns (42) is not: NaN.
    expect(Number.isNaN(f32(inv, 42))).toBe(true);
  });
});

describe('SunSpec meter (models 1, 203)', () => {
  it('reads export/import counters and the signed power of the site', async () => {
    const [, meter] = await walkSunSpec(100);
    expect(meter!.id).toBe(203);
    expect(meter!.length).toBe(105);
    const truth = sim.truth('meter');
    // Model 203: W 16, W_SF 20, TotWhExp 36, TotWhImp 44, TotWh_SF 52.
    const w = scaled(i16(meter!, 16), i16(meter!, 20));
    expect(w).toBeLessThan(0); // exporting at noon
    expect(Math.abs(w - truth.acPowerW)).toBeLessThanOrEqual(10 ** i16(meter!, 20) / 2);
    expect(i16(meter!, 52)).toBe(0);
    expect(u32(meter!, 36)).toBe(Math.round(truth.exportWh!));
    expect(u32(meter!, 44)).toBe(Math.round(truth.importWh!));
    expect(truth.importWh).toBe(1_500_000); // no import while the sun shines
    const inverters = ['inv-int', 'inv-float', 'inv-hw', 'inv-sg'].map((id) => sim.truth(id).acPowerW).reduce((a, b) => a + b, 0);
    expect(-truth.acPowerW).toBeLessThan(inverters);
    expect(-truth.acPowerW).toBeGreaterThan(inverters * 0.97);
  });
});

describe('Huawei SUN2000 map', () => {
  it('reads identity, power, yield and status at the documented registers', async () => {
    const truth = sim.truth('inv-hw');
    expect((await read(3, 30000, 15)).toString('utf8').replace(/\0+$/, '')).toBe('SUN2000-50KTL-M3');
    expect((await read(3, 30015, 10)).toString('utf8').replace(/\0+$/, '')).toBe(truth.serial);
    expect((await read(3, 30073, 2)).readUInt32BE(0) / 1000).toBe(50); // kW
    expect((await read(3, 32080, 2)).readInt32BE(0)).toBe(Math.round(truth.acPowerW)); // 0.001 kW = W
    expect((await read(3, 32106, 2)).readUInt32BE(0)).toBe(Math.round(truth.counterWh / 10)); // 0.01 kWh
    expect((await read(3, 32089, 1)).readUInt16BE(0)).toBe(truth.state === 'throttled' ? 0x0201 : 0x0200);
    expect([...(await read(3, 32008, 3))].every((b) => b === 0)).toBe(true);
    const temp = (await read(3, 32087, 1)).readInt16BE(0) / 10;
    expect(temp).toBeGreaterThan(15);
  });
});

describe('Sungrow SG map (input registers, low word first)', () => {
  it('reads total yield and active power', async () => {
    const truth = sim.truth('inv-sg');
    client.setID(4);
    const y = (await client.readInputRegisters(5003, 2)).data;
    expect(y[0]! + y[1]! * 65536).toBe(Math.round(truth.counterWh / 1000));
    const p = (await client.readInputRegisters(5030, 2)).data;
    expect(p[0]! + p[1]! * 65536).toBe(Math.round(truth.acPowerW));
    expect((await client.readInputRegisters(5037, 1)).data[0]).toBe(truth.state === 'throttled' ? 0x8100 : 0);
  });
});
