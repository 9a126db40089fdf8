import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Reading } from '../../common/contract.ts';
import { silentLogger } from '../../common/log.ts';
import { validator } from '../../common/validate.ts';
import { socatAvailable, startPtyPair, type PtyPair } from '../../common/testing/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';
import { ModbusLine } from '../modbus/line.ts';
import { QualityTracker } from '../quality.ts';
import { Dlt645Client, Dlt645ErrorReply } from './client.ts';
import { Dlt645Port } from './port.ts';
import { Dlt645Reader } from './reader.ts';

/**
 * The gateway's DL/T 645 client against the simulated meter over a real serial line (a socat pty
 * pair): the meter's values come from the simulator's physics (an inverter exporting through it).
 */
const ADDRESS = '000000123456';
const SETTINGS = { baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 } as const;

describe.skipIf(!socatAvailable())('DL/T 645-2007 over a pty pair: gateway client and simulated meter', () => {
  let pty: PtyPair;
  let sim: SimHandle;
  let line: ModbusLine;
  let port: Dlt645Port;
  let client: Dlt645Client;

  beforeAll(async () => {
    pty = await startPtyPair();
    sim = await startSim({
      seed: 3,
      clock: { start: '2026-06-21T12:30', manual: true },
      tcp: { port: 0 },
      control: { enabled: false },
      devices: [
        { id: 'pv', profile: 'sunspec', unitId: 1, ratedPowerW: 40_000 },
        { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 52_345_670, initialImportWh: 812_340, dlt645: { path: pty.a, address: ADDRESS } },
      ],
    });
    sim.advance(600_000);
    line = new ModbusLine(`rtu:${pty.b}`, { transport: 'rtu', path: pty.b, ...SETTINGS }, 0, silentLogger);
    port = new Dlt645Port(pty.b, SETTINGS, 4);
    client = new Dlt645Client(line, port);
  });
  afterAll(async () => {
    await line?.close();
    await sim?.stop();
    await pty?.close();
  });
  afterEach(() => sim.clearFault('meter'));

  it('reads the address of the one meter on the line by broadcast', async () => {
    expect(await client.readAddress(1000)).toBe(ADDRESS);
  });

  it('reads every contract field the map feeds, as the physics has them, within the format resolution', async () => {
    const reader = new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: false });
    const d = await reader.read();
    const t = sim.truth('meter');
    expect(t.acPowerW, 'the site exports').toBeLessThan(-5000);
    expect(d).toMatchObject({ kind: 'meter', serial: ADDRESS, notFinite: [] });
    const v = d.values;
    // resolutions: energy 0.01 kWh = 10 Wh, power 0.0001 kW = 0.1 W (half a step each)
    expect(Math.abs(v.export_energy_wh! - t.exportWh!)).toBeLessThanOrEqual(5.001);
    expect(Math.abs(v.import_energy_wh! - t.importWh!)).toBeLessThanOrEqual(5.001);
    expect(Math.abs(v.ac_power_w! - t.acPowerW)).toBeLessThanOrEqual(0.0501);
    expect(v.ac_power_w!).toBeLessThan(0);
    expect(v.ac_current_a!, 'signed like the power').toBeLessThan(0);
    expect(Math.abs(v.ac_current_a!)).toBeCloseTo(Math.abs(t.acPowerW) / 3 / v.ac_voltage_v!, 1);
    expect(v.ac_voltage_v!).toBeGreaterThan(220);
    expect(v.frequency_hz!).toBeCloseTo(50, 0);
  });

  it('reversed: a meter wired the other way round swaps the counters and the sign', async () => {
    const reader = new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: true });
    const d = await reader.read();
    const t = sim.truth('meter');
    expect(Math.abs(d.values.import_energy_wh! - t.exportWh!)).toBeLessThanOrEqual(5.001);
    expect(d.values.ac_power_w!).toBeGreaterThan(5000);
  });

  it('the reading carries the per-tariff counters (export_energy_wh_t1..t4, import_..._t1..t4); they add up to the totals', async () => {
    const reader = new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: false });
    await reader.read(); // the meter's split starts (everything so far: flat)
    sim.advance(2 * 3_600_000); // to about 14:45 local: what the afternoon exports lands in the peak period
    const v = (await reader.read()).values;
    const split = (dir: 'export' | 'import') => [1, 2, 3, 4].map((t) => v[`${dir}_energy_wh_t${t}` as keyof typeof v] as number);
    expect(split('export')[1], 'peak').toBeGreaterThan(1000);
    expect(split('export')[2], 'flat').toBeGreaterThan(1000);
    // four rounded parts against one rounded total: at most 4 half-steps + 1 half-step apart
    for (const dir of ['export', 'import'] as const) {
      expect(Math.abs(split(dir).reduce((a, b) => a + b, 0) - v[`${dir}_energy_wh`]!), dir).toBeLessThanOrEqual(25.001);
    }
    const r = (await new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: true }).read()).values;
    expect(Math.abs(r.import_energy_wh_t2! - v.export_energy_wh_t2!), 'reversed swaps the tariff counters too').toBeLessThanOrEqual(10);
  });

  it('tariffs: false reads only the totals, power, voltage, current and frequency (6 requests, not 14)', async () => {
    const before = sim.stats('meter').answered;
    const d = await new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: false, tariffs: false }).read();
    expect(sim.stats('meter').answered - before).toBe(6);
    expect(Object.keys(d.values).sort()).toEqual(['ac_current_a', 'ac_power_w', 'ac_voltage_v', 'export_energy_wh', 'frequency_hz', 'import_energy_wh']);
  });

  it('an identifier the meter does not have is an error reply, "no requested data", naming meter and DI', async () => {
    const err = await client.readData(ADDRESS, '04000401', 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Dlt645ErrorReply);
    expect(err).toMatchObject({ code: 'DLT645_ERROR_REPLY', noData: true });
    expect((err as Error).message).toBe(`meter ${ADDRESS} on ${pty.b}, DI 04000401: the meter answered with an error: no requested data`);
  });

  it('a field the meter does not implement is absent, the rest of the reading kept', async () => {
    sim.setFault('meter', { kind: 'not_implemented', fields: ['frequency_hz'] });
    const d = await new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: false }).read();
    expect(d.values).not.toHaveProperty('frequency_hz');
    expect(d.values.export_energy_wh).toBeGreaterThan(0);
  });

  it('a silent meter times out (typed error, within the timeout), then reads again', async () => {
    await client.readData(ADDRESS, '00020000', 1000); // the port is open
    sim.setFault('meter', { kind: 'silent' });
    const opens = port.opens;
    const t0 = performance.now();
    const err = (await client.readData(ADDRESS, '00020000', 300).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(err).toMatchObject({ code: 'DLT645_TIMEOUT' });
    expect(err.message).toBe(`meter ${ADDRESS} on ${pty.b}, DI 00020000: no reply within 300 ms`);
    expect(performance.now() - t0).toBeLessThan(2000);
    sim.clearFault('meter');
    expect((await client.readData(ADDRESS, '00020000', 1000)).length).toBe(4);
    expect(port.opens, 'the port was closed after the timeout and opened again').toBe(opens + 1);
  });

  it('a meter in an exception fault answers "other error"; a slow one answers late', async () => {
    sim.setFault('meter', { kind: 'exception', code: 6 });
    const err = await client.readData(ADDRESS, '00020000', 1000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Dlt645ErrorReply);
    expect(err).toMatchObject({ status: 0x01, noData: false });
    sim.clearFault('meter');
    sim.setFault('meter', { kind: 'slow', delayMs: 250 });
    const t0 = performance.now();
    await client.readData(ADDRESS, '00020000', 1000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(245);
  });

  it('the reading the gateway builds from the meter satisfies the contract as a meter reading', async () => {
    const d = await new Dlt645Reader(client, 'dlt645-meter', { address: ADDRESS, timeoutMs: 1000, reversed: false }).read();
    const { reading, problems } = new QualityTracker().assess('grid-meter', sim.clock.now(), d);
    expect(problems).toEqual([]);
    expect(validator(Reading).problems(reading)).toEqual([]);
    expect(reading).toMatchObject({ kind: 'meter', serial: ADDRESS });
    expect(reading.quality).toBeUndefined();
  });

  it('another address on the line gets silence, not a wrong answer', async () => {
    await expect(client.readData('000000999999', '00020000', 300)).rejects.toMatchObject({ code: 'DLT645_TIMEOUT' });
  });
});
