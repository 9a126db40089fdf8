import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSunSpecModel } from '../common/devices/index.ts';
import { startSim, type DeviceTruth, type SimHandle } from './index.ts';
import { ModbusClient } from './testing/client.ts';

/**
 * Every point of models 103, 113 and 203, read over Modbus TCP and decoded
 * here with Buffer reads (types and offsets from the shipped YAML), is either
 * the value the physics implies or SunSpec's not-implemented marker.
 */
let sim: SimHandle;
const client = new ModbusClient();

beforeAll(async () => {
  sim = await startSim({
    seed: 21,
    clock: { start: '2026-09-20T11:00', manual: true },
    tcp: { port: 0 },
    control: { enabled: false },
    devices: [
      { id: 'int', profile: 'sunspec', unitId: 1, ratedPowerW: 30_000, initialEnergyWh: 7_777_777 },
      { id: 'flt', profile: 'sunspec-float', unitId: 2, ratedPowerW: 30_000, initialEnergyWh: 7_777_777 },
      { id: 'm', profile: 'sunspec-meter', unitId: 3, initialEnergyWh: 50_000_000, initialImportWh: 400_000 },
    ],
  });
  sim.advance(1_800_000);
  await client.connectTCP('127.0.0.1', { port: sim.ports[0]! });
  client.setTimeout(2000);
});
afterAll(async () => {
  await new Promise<void>((r) => client.close(() => r()));
  await sim.stop();
});

const NI = Symbol('not implemented');
type Decoded = number | typeof NI;

async function readModel(unit: number, start: number, length: number): Promise<Buffer> {
  client.setID(unit);
  const parts: Buffer[] = [];
  for (let o = 0; o < length; o += 100) parts.push((await client.readHoldingRegisters(start + o, Math.min(100, length - o))).buffer);
  return Buffer.concat(parts);
}

/** Independent decoding: SunSpec types by hand, with their not-implemented markers. */
function decodeAll(id: number, data: Buffer): Record<string, Decoded> {
  const model = loadSunSpecModel(id);
  const raw: Record<string, Decoded> = {};
  for (const p of model.points) {
    const at = p.offset * 2;
    switch (p.type) {
      case 'int16':
      case 'sunssf': {
        const v = data.readInt16BE(at);
        raw[p.name] = v === -0x8000 ? NI : v;
        break;
      }
      case 'uint16':
      case 'enum16': {
        const v = data.readUInt16BE(at);
        raw[p.name] = v === 0xffff ? NI : v;
        break;
      }
      case 'acc32': {
        const v = data.readUInt32BE(at);
        raw[p.name] = v === 0 ? NI : v;
        break;
      }
      case 'bitfield32': {
        const v = data.readUInt32BE(at);
        raw[p.name] = v === 0xffffffff ? NI : v;
        break;
      }
      case 'float32': {
        const v = data.readFloatBE(at);
        raw[p.name] = Number.isNaN(v) ? NI : v;
        break;
      }
      default:
        throw new Error(`unexpected type ${p.type} in model ${id}`);
    }
  }
  const out: Record<string, Decoded> = {};
  for (const p of model.points) {
    const v = raw[p.name]!;
    const sf = p.sf ? raw[p.sf] : 0;
    out[p.name] = v === NI || sf === NI || sf === undefined ? NI : v * 10 ** sf;
  }
  return out;
}

/** What each point must hold, from the physics truth. Tolerance is one step of its scale factor. */
function inverterExpectations(t: DeviceTruth): Record<string, [number, number] | typeof NI> {
  const v = 230;
  const phaseA = t.acPowerW / 3 / v;
  return {
    A: [phaseA * 3 * 0.95, phaseA * 3 * 1.05],
    AphA: [phaseA * 0.95, phaseA * 1.05],
    AphB: [phaseA * 0.95, phaseA * 1.05],
    AphC: [phaseA * 0.95, phaseA * 1.05],
    PPVphAB: [380, 420],
    PPVphBC: [380, 420],
    PPVphCA: [380, 420],
    PhVphA: [222, 240],
    PhVphB: [222, 240],
    PhVphC: [222, 240],
    W: [t.acPowerW - 1, t.acPowerW + 1],
    Hz: [49.95, 50.05],
    VA: [t.acPowerW - 1, t.acPowerW + 1],
    VAr: [0, 0],
    PF: [100, 100],
    WH: [t.counterWh - 1, t.counterWh + 1],
    DCA: [(t.dcPowerW / 700) * 0.99, (t.dcPowerW / 550) * 1.01],
    DCV: [550, 700],
    DCW: [t.dcPowerW - 1, t.dcPowerW + 1],
    TmpCab: [15, 80],
    TmpSnk: [15, 90],
    TmpTrns: NI,
    TmpOt: NI,
    St: [4, 5],
    StVnd: NI,
    Evt1: [0, 0],
    Evt2: [0, 0],
    EvtVnd1: NI,
    EvtVnd2: NI,
    EvtVnd3: NI,
    EvtVnd4: NI,
  };
}

function check(id: number, got: Record<string, Decoded>, want: Record<string, [number, number] | typeof NI>) {
  const model = loadSunSpecModel(id);
  for (const p of model.points) {
    if (p.type === 'sunssf') {
      if (got[p.name] !== NI) expect(got[p.name], p.name).toBeGreaterThanOrEqual(-3);
      continue;
    }
    const w = want[p.name];
    expect(w, `expectation for ${p.name}`).toBeDefined();
    const v = got[p.name]!;
    if (w === NI) {
      expect(v, p.name).toBe(NI);
      continue;
    }
    expect(v, `${p.name} implemented`).not.toBe(NI);
    const step = p.sf && typeof got[p.sf] === 'number' ? 10 ** (got[p.sf] as number) : 1e-3;
    expect(v as number, p.name).toBeGreaterThanOrEqual(w![0] - step);
    expect(v as number, p.name).toBeLessThanOrEqual(w![1] + step);
  }
}

describe('every point has the value the physics implies, or is marked not implemented', () => {
  it('model 103 (integer + scale factors)', async () => {
    const got = decodeAll(103, await readModel(1, 40072, 50));
    const t = sim.truth('int');
    expect(t.acPowerW).toBeGreaterThan(3000);
    check(103, got, inverterExpectations(t));
  });

  it('model 113 (float32)', async () => {
    const got = decodeAll(113, await readModel(2, 40002 + 2 + 66 + 2, 60));
    check(113, got, inverterExpectations(sim.truth('flt')));
  });

  it('model 203 (meter)', async () => {
    const t = sim.truth('m');
    const got = decodeAll(203, await readModel(3, 40072, 105));
    const want: Record<string, [number, number] | typeof NI> = {};
    for (const p of loadSunSpecModel(203).points) want[p.name] = NI; // unless listed below
    const perPhaseA = -t.acPowerW / 3 / 230;
    Object.assign(want, {
      A: [perPhaseA * 3 * 0.95, perPhaseA * 3 * 1.05],
      AphA: [perPhaseA * 0.95, perPhaseA * 1.05],
      AphB: [perPhaseA * 0.95, perPhaseA * 1.05],
      AphC: [perPhaseA * 0.95, perPhaseA * 1.05],
      PhV: [222, 240],
      PhVphA: [222, 240],
      PhVphB: [222, 240],
      PhVphC: [222, 240],
      PPV: [380, 420],
      PhVphAB: [380, 420],
      PhVphBC: [380, 420],
      PhVphCA: [380, 420],
      Hz: [49.95, 50.05],
      W: [t.acPowerW, t.acPowerW],
      WphA: [t.acPowerW / 3, t.acPowerW / 3],
      WphB: [t.acPowerW / 3, t.acPowerW / 3],
      WphC: [t.acPowerW / 3, t.acPowerW / 3],
      VA: [-t.acPowerW, -t.acPowerW],
      VAR: [0, 0],
      PF: [100, 100],
      TotWhExp: [t.exportWh! - 1, t.exportWh! + 1],
      TotWhImp: [t.importWh! - 1, t.importWh! + 1],
      Evt: [0, 0],
    });
    check(203, got, want);
  });
});
