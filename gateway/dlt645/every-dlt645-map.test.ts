import { afterEach, describe, expect, it } from 'vitest';
import { Reading } from '../../common/contract.ts';
import { dlt645MapIds, loadDlt645Map, parseBcdFormat, toSi } from '../../common/devices/index.ts';
import { silentLogger } from '../../common/log.ts';
import { socatAvailable, startPtyPair } from '../../common/testing/index.ts';
import { validator } from '../../common/validate.ts';
import { startSim, type DeviceTruth } from '../../firmware-sim/index.ts';
import { ModbusLine } from '../modbus/line.ts';
import { QualityTracker } from '../quality.ts';
import { Dlt645Client } from './client.ts';
import { Dlt645Port } from './port.ts';
import { Dlt645Reader } from './reader.ts';

/**
 * Every DL/T 645 map file (common/devices/dlt645-maps/*.yaml) through the simulator and the gateway
 * over a pty pair, as gateway/profiles/everymap.test.ts does for the Modbus maps: a new map file is
 * tested by being added.
 */
const SETTINGS = { baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 } as const;
const ADDRESS = '202611300001';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup(mapId: string) {
  const pty = await startPtyPair();
  cleanups.push(() => pty.close());
  const sim = await startSim({
    seed: 8,
    clock: { start: '2026-06-21T12:30', manual: true },
    tcp: { port: 0 },
    control: { enabled: false },
    devices: [
      { id: 'pv', profile: 'sunspec', unitId: 1, ratedPowerW: 50_000 },
      { id: 'dut', profile: 'sunspec-meter', unitId: 2, initialEnergyWh: 50_000_000, initialImportWh: 400_000, dlt645: { path: pty.a, address: ADDRESS, map: mapId } },
    ],
  });
  cleanups.push(() => sim.stop());
  sim.advance(600_000);
  const line = new ModbusLine('645', { transport: 'rtu', path: pty.b, ...SETTINGS }, 0, silentLogger);
  cleanups.push(() => line.close());
  const reader = new Dlt645Reader(new Dlt645Client(line, new Dlt645Port(pty.b, SETTINGS, 4)), mapId, { address: ADDRESS, timeoutMs: 1000, reversed: false });
  return { sim, reader };
}

const FROM_TRUTH: Record<string, (t: DeviceTruth) => number | undefined> = {
  export_energy_wh: (t) => t.exportWh,
  import_energy_wh: (t) => t.importWh,
  ac_power_w: (t) => t.acPowerW,
};

describe.skipIf(!socatAvailable())('every DL/T 645 map, simulated and read by the gateway over a pty', () => {
  it.each(dlt645MapIds())('%s: the reading satisfies the contract, feeds the meter fields and matches the physics', async (id) => {
    const map = loadDlt645Map(id);
    const { sim, reader } = await setup(id);
    const d = await reader.read();
    const { reading } = new QualityTracker().assess('dut', sim.clock.now(), d);
    expect(validator(Reading).problems(reading)).toEqual([]);
    expect(reading).toMatchObject({ kind: 'meter', serial: ADDRESS });
    expect(reading.quality).toBeUndefined();
    const t = sim.truth('dut');
    expect(t.acPowerW, 'the site exports').toBeLessThan(-5000);
    for (const f of ['ac_power_w', 'export_energy_wh', 'import_energy_wh'] as const) {
      const p = map.points.find((x) => x.field === f);
      expect(p, `${id} feeds ${f}`).toBeDefined();
      const step = toSi(10 ** -parseBcdFormat(p!.format).decimals, p!.units);
      expect(Math.abs(reading[f]! - FROM_TRUTH[f]!(t)!), `${f}`).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
    for (const p of map.points.filter((x) => x.field)) expect(reading, `field ${p.field}`).toHaveProperty(p.field!);
    // per-tariff counters, where the map feeds them, add up to their total (each rounded to its own step)
    for (const dir of ['export', 'import'] as const) {
      const parts = map.points.filter((p) => p.field?.startsWith(`${dir}_energy_wh_t`));
      if (parts.length === 0) continue;
      const sum = parts.reduce((a, p) => a + (reading[p.field as keyof Reading] as number), 0);
      const step = toSi(10 ** -parseBcdFormat(parts[0]!.format).decimals, parts[0]!.units);
      expect(Math.abs(sum - reading[`${dir}_energy_wh`]!), `${dir} tariffs`).toBeLessThanOrEqual(((parts.length + 1) * step) / 2 + 1e-6);
    }
  });

  it.each(dlt645MapIds())('%s: a trip reads as no power; fields the meter does not implement are absent, never zero', async (id) => {
    const { sim, reader } = await setup(id);
    sim.setFault('dut', { kind: 'trip' });
    expect((await reader.read()).values.ac_power_w).toBe(0);
    sim.clearFault('dut');
    const fields = loadDlt645Map(id).points.flatMap((p) => (p.field ? [p.field] : []));
    sim.setFault('dut', { kind: 'not_implemented', fields });
    const d = await reader.read();
    for (const f of fields) expect(d.values, `${f} absent`).not.toHaveProperty(f);
  });
});
