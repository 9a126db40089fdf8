import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDlt645Map } from '../../common/devices/index.ts';
import { silentLogger } from '../../common/log.ts';
import { freePort, socatAvailable } from '../../common/testing/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';
import { parseGatewayConfig } from '../config.ts';
import { buildReaders, startGateway } from '../gateway.ts';
import { removeTestSpools, testConfig } from '../testing/config.ts';
import { startRs485Bus, type Rs485Bus } from '../testing/rs485-bus.ts';

/**
 * A Huawei inverter (Modbus RTU, 9600 8N1) and a DL/T 645 meter (2400 8E1) on one RS-485 line: a
 * bus of pty pairs where every byte reaches every device. The gateway reads both through the one
 * line queue, switching the port's protocol and settings between them.
 */
const ADDRESS = '210987654321';

describe.skipIf(!socatAvailable())('mixed bus: Modbus RTU and DL/T 645 on one line', () => {
  let bus: Rs485Bus;
  let sim: SimHandle;
  let devices: Record<string, unknown>[];

  beforeAll(async () => {
    bus = await startRs485Bus(2);
    sim = await startSim({
      seed: 5,
      clock: { start: '2026-06-21T11:00', manual: true },
      tcp: { port: 0 },
      control: { enabled: false },
      rtu: { baudRate: 9600 },
      devices: [
        { id: 'inv', profile: 'huawei-sun2000', unitId: 1, ratedPowerW: 30_000, rtuPath: bus.drops[0] },
        { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 9_000_000, initialImportWh: 100_000, dlt645: { path: bus.drops[1]!, address: ADDRESS } },
      ],
    });
    sim.advance(600_000);
    devices = [
      { id: 'inv', transport: 'rtu', path: bus.master, baudRate: 9600, unit: 1, profile: 'huawei-sun2000', timeoutMs: 1500 },
      { id: 'meter', protocol: 'dlt645', transport: 'rtu', path: bus.master, profile: 'dlt645-meter', timeoutMs: 1500, dlt645: { address: ADDRESS } },
    ];
  });
  afterAll(async () => {
    await sim?.stop();
    await bus?.close();
    removeTestSpools();
  });

  it('reads both, interleaved through one queue, each with its own framing; values match the physics', async () => {
    const cfg = parseGatewayConfig(testConfig(`mqtt://127.0.0.1:${await freePort()}`, {}, devices));
    const { lines, readers } = buildReaders(cfg, silentLogger);
    expect(lines.size).toBe(1);
    const line = [...lines.values()][0]!;
    try {
      for (let round = 0; round < 3; round++) {
        // both at once, as a poll cycle starts them: the queue runs one request at a time
        const [inv, meter] = await Promise.all(readers.map((r) => r.read()));
        const t = { inv: sim.truth('inv'), meter: sim.truth('meter') };
        expect(Math.abs(inv!.values.ac_power_w! - t.inv.acPowerW)).toBeLessThanOrEqual(0.5);
        expect(Math.abs(meter!.values.export_energy_wh! - t.meter.exportWh!)).toBeLessThanOrEqual(5.001);
        expect(Math.abs(meter!.values.ac_power_w! - t.meter.acPowerW)).toBeLessThanOrEqual(0.0501);
        sim.advance(60_000);
      }
      expect(line.stats.errors).toBe(0);
      // a meter's requests (one per field point) go as one turn of the queue: the Modbus client reopens the port once per round (plus its first open), not once per meter request
      expect(line.stats.opens).toBeLessThanOrEqual(3 + 1);
      // 3 rounds x one request per field point of the map (totals, the 8 tariff counters, power, voltage, current, frequency: 14)
      expect(sim.stats('meter').answered).toBe(3 * loadDlt645Map('dlt645-meter').points.filter((p) => p.field).length);
    } finally {
      await line.close();
    }
  });

  it('the gateway polls both devices on the shared line, both healthy', async () => {
    const cfg = parseGatewayConfig(testConfig(`mqtt://127.0.0.1:${await freePort()}`, { pollIntervalMs: 60_000 }, devices)); // long: a cycle's deadline (80 %) never cuts a slow one short
    const gw = await startGateway(cfg, { log: silentLogger, manualCycles: true });
    try {
      await gw.runCycle();
      await gw.runCycle();
      const s = gw.stats();
      expect(s.devices.map((d) => [d.device, d.ok, d.consecutiveErrors]), JSON.stringify(s.devices)).toEqual([
        ['inv', true, 0],
        ['meter', true, 0],
      ]);
      expect(s.readings).toBe(4);
      expect(s.lines).toHaveLength(1);
    } finally {
      await gw.stop();
    }
  });
});
