import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOPIC_ROOT, type Reading } from '../common/contract.ts';
import { silentLogger } from '../common/log.ts';
import { socatAvailable, startPtyPair, SYSTEM_MOSQUITTO_URL, systemMosquittoAvailable, waitFor } from '../common/testing/index.ts';
import { startSim, type SimHandle } from '../firmware-sim/index.ts';
import { parseGatewayConfig } from './config.ts';
import { startGateway, type GatewayHandle } from './gateway.ts';
import { collect, type Collector } from './testing/collector.ts';
import { removeTestSpools, testConfig } from './testing/config.ts';
import { STALE_AFTER_READS } from './quality.ts';

afterAll(removeTestSpools);

/**
 * The gateway against the simulator (firmware-sim), publishing to the machine's Mosquitto: faults,
 * health, quality flags, RTU. That each device file reads right is gateway/profiles/everymap.test.ts.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const simDevices = [
  { id: 'sunspec-66', profile: 'sunspec', unitId: 1, ratedPowerW: 50_000, initialEnergyWh: 8_000_000 },
  { id: 'sunspec-65', profile: 'sunspec', unitId: 2, ratedPowerW: 12_000, commonLength: 65, initialEnergyWh: 8_000_000 },
  { id: 'sunspec-float', profile: 'sunspec-float', unitId: 3, ratedPowerW: 20_000, initialEnergyWh: 8_000_000 },
  { id: 'huawei', profile: 'huawei-sun2000', unitId: 4, ratedPowerW: 50_000, initialEnergyWh: 8_000_000 },
  { id: 'sungrow', profile: 'sungrow-sg', unitId: 5, ratedPowerW: 33_000, initialEnergyWh: 8_000_000 },
  { id: 'meter', profile: 'sunspec-meter', unitId: 100 },
];

async function setup(extra: Record<string, unknown> = {}, rtuPath?: string) {
  const sim: SimHandle = await startSim({
    seed: 7,
    clock: { start: '2026-06-21T12:30', manual: true },
    tcp: { host: '127.0.0.1', port: 0 },
    control: { enabled: false },
    devices: simDevices.map((d) => ({ ...d, ...(rtuPath ? { rtuPath } : {}) })),
  });
  cleanups.push(() => sim.stop());
  const devices = sim.devices.map((d) => ({
    id: d.id,
    unit: d.unitId,
    profile: d.gatewayProfile,
    timeoutMs: 300,
    ...(d.kind === 'inverter' ? { ratedPowerW: d.ratedPowerW } : {}),
    ...(rtuPath ? { transport: 'rtu', path: extra.rtuClientPath, baudRate: 9600 } : { transport: 'tcp', host: sim.host, port: d.port }),
  }));
  // All devices share one TCP port (one connection, one queue), as behind a site's Modbus gateway.
  const raw = testConfig(SYSTEM_MOSQUITTO_URL, { pollIntervalMs: 2000 }, devices);
  const col: Collector = await collect(SYSTEM_MOSQUITTO_URL, `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`);
  cleanups.push(() => col.close());
  const gw: GatewayHandle = await startGateway(parseGatewayConfig(raw), { log: silentLogger, manualCycles: true });
  cleanups.push(() => gw.stop());
  return { sim, gw, col };
}

const last = (col: Collector, device: string): Reading | undefined => col.batches.flatMap((b) => b.readings).filter((r) => r.device === device).at(-1);

/** The gateway's reading matches the simulator's truth at the same instant (manual clock). */
function expectMatchesTruth(sim: SimHandle, r: Reading | undefined, id: string) {
  const t = sim.truth(id);
  expect(r, id).toBeDefined();
  expect(r!.serial, id).toBe(t.serial);
  if (t.kind === 'meter') {
    expect(r!.kind).toBe('meter');
    expect(r!.export_energy_wh, id).toBeCloseTo(t.exportWh!, -2);
    // acc32 0 is SunSpec's "not accumulated": a meter that never imported reports no import counter
    if (t.importWh! < 1) expect(r!.import_energy_wh, id).toBeUndefined();
    else expect(r!.import_energy_wh, id).toBeCloseTo(t.importWh!, -2);
    return;
  }
  expect(r!.kind).toBe('inverter');
  expect(r!.state, id).toBe(t.state);
  expect(Math.abs(r!.ac_power_w! - t.acPowerW), `${id} ac_power_w ${r!.ac_power_w} vs ${t.acPowerW}`).toBeLessThanOrEqual(Math.max(10, t.acPowerW * 0.002));
  expect(Math.abs(r!.ac_energy_wh! - t.energyWh), `${id} ac_energy_wh ${r!.ac_energy_wh} vs ${t.energyWh}`).toBeLessThanOrEqual(1000); // kWh-resolution maps
  expect(t.acPowerW).toBeGreaterThan(0);
}

describe.skipIf(!(await systemMosquittoAvailable()))('gateway against the simulator over Modbus TCP', () => {
  it('faults from the simulator show up in health and quality flags; the other devices keep their rate', async () => {
    const { sim, gw, col } = await setup();
    const cycle = async (n: number) => {
      for (let k = 0; k < n; k++) {
        await gw.runCycle();
        sim.advance(10_000);
      }
    };
    await cycle(2);
    await waitFor(async () => col.batches.length >= 2, 'first batches', 10_000);
    sim.setFault('sunspec-65', { kind: 'silent' });
    sim.setFault('huawei', { kind: 'exception', code: 6 });
    sim.setFault('sungrow', { kind: 'counter_reset' });
    sim.setFault('sunspec-float', { kind: 'replace', serial: 'NEW-0001' });
    const before = col.batches.length;
    await cycle(8);
    await waitFor(async () => col.batches.length >= before + 8, 'batches', 10_000);
    const window = col.batches.slice(before).flatMap((b) => b.readings);
    const n = (id: string) => window.filter((r) => r.device === id).length;
    expect(n('sunspec-66')).toBe(8);
    expect(n('meter')).toBe(8);
    expect(n('sungrow')).toBe(8);
    expect(n('sunspec-65')).toBe(0);
    expect(n('huawei')).toBe(0);
    const health = Object.fromEntries(gw.stats().devices.map((h) => [h.device, h]));
    expect(health['sunspec-65']).toMatchObject({ ok: false });
    expect(health['sunspec-65']!.lastError).toMatch(/Timed out/);
    expect(health['sunspec-65']!.consecutiveErrors).toBeLessThan(8); // backed off
    expect(health.huawei!.lastError).toMatch(/exception 6/);
    expect(window.find((r) => r.device === 'sungrow' && r.quality?.includes('energy_backwards'))).toBeDefined();
    const replaced = window.find((r) => r.device === 'sunspec-float' && r.quality?.includes('device_replaced'));
    expect(replaced?.serial).toBe('NEW-0001');
    sim.clearFault('sunspec-65');
    sim.clearFault('huawei');
    for (let k = 0; k < 40 && !gw.stats().devices.every((h) => h.ok); k++) {
      await cycle(1);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(gw.stats().devices.every((h) => h.ok)).toBe(true);
  });

  it('registers frozen by the simulator (stuck) are flagged stale while the sun shines', async () => {
    const { sim, gw, col } = await setup();
    sim.setFault('sunspec-66', { kind: 'stuck' });
    for (let k = 0; k < STALE_AFTER_READS + 3; k++) {
      await gw.runCycle();
      sim.advance(10_000);
    }
    await waitFor(async () => last(col, 'sunspec-66')?.quality?.includes('stale') === true, 'stale flag', 10_000);
    expect(last(col, 'sunspec-66')!.ac_power_w).toBeGreaterThan(0);
    expect(last(col, 'huawei')!.quality).toBeUndefined(); // the others move on
  });
});

describe.skipIf(!socatAvailable() || !(await systemMosquittoAvailable()))('gateway against the simulator over Modbus RTU', () => {
  it('polls six unit ids on one serial line and matches the truth', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.close());
    const { sim, gw, col } = await setup({ rtuClientPath: pty.a }, pty.b);
    sim.advance(600_000); // the meter's export counter must have moved off 0 ("not accumulated")
    for (let k = 0; k < 10 && !col.batches.some((b) => b.readings.length === simDevices.length); k++) {
      await gw.runCycle();
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(async () => col.batches.some((b) => b.readings.length === simDevices.length), 'a full batch', 10_000);
    for (const d of simDevices) expectMatchesTruth(sim, last(col, d.id), d.id);
    expect(gw.stats().lines).toHaveLength(1);
  });
});
