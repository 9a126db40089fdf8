import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOPIC_ROOT } from '../common/contract.ts';
import { silentLogger } from '../common/log.ts';
import { freePort, socatAvailable, startPtyPair, waitFor } from '../common/testing/index.ts';
import { parseGatewayConfig } from './config.ts';
import { startGateway, type GatewayHandle } from './gateway.ts';
import { startAedes } from './testing/aedes.ts';
import { collect, type Collector } from './testing/collector.ts';
import { removeTestSpools, testConfig } from './testing/config.ts';
import { startRegisterServer, type UnitRegisters } from './testing/register-server.ts';
import { sunspecSpace } from './testing/sunspec-space.ts';

afterAll(removeTestSpools);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const inverter = (serial: string, whCounter: number, w = 4000) =>
  sunspecSpace(40000, [
    { id: 1, set: { Mn: 'Acme', Md: 'PV-5', SN: serial } },
    { id: 101, set: { A_SF: -2, V_SF: -1, W_SF: 0, Hz_SF: -2, WH_SF: 0, Tmp_SF: -1, W: w, WH: whCounter, Hz: 50, PhVphA: 230, A: 17.4, TmpCab: 35, St: 4, Evt1: 0 } },
  ]).regs;
const unit = (holding: Map<number, number>): UnitRegisters => ({ holding, input: new Map() });

async function setup(devices: unknown[], over: Record<string, unknown> = {}) {
  const broker = await startAedes();
  cleanups.push(() => broker.stop());
  const raw = testConfig(broker.url, { pollIntervalMs: 150, ...over }, devices);
  const col: Collector = await collect(broker.url, `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`);
  cleanups.push(() => col.close());
  const gw: GatewayHandle = await startGateway(parseGatewayConfig(raw), { log: silentLogger });
  cleanups.push(() => gw.stop());
  return { broker, raw, col, gw };
}

const readingsOf = (col: Collector, device: string) => col.batches.flatMap((b) => b.readings.filter((r) => r.device === device));

describe('gateway over Modbus TCP', () => {
  it('discovers, coalesces reads, and publishes one valid batch per cycle with every device', async () => {
    const srv = await startRegisterServer(new Map([1, 2, 3].map((u) => [u, unit(inverter(`SN-${u}`, 1_000_000 * u))])));
    cleanups.push(() => srv.stop());
    const dev = (u: number) => ({ id: `inv${u}`, transport: 'tcp', host: '127.0.0.1', port: srv.port, unit: u, profile: 'sunspec', timeoutMs: 500 });
    const { col, gw } = await setup([dev(1), dev(2), dev(3)]);
    await waitFor(async () => col.batches.length >= 5, '5 batches', 15_000);
    expect(col.invalid).toEqual([]);
    const seqs = col.batches.map((b) => b.seq);
    expect(seqs.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    const late = col.batches.slice(2);
    // one reading per device per cycle (a reading that misses its cycle's deadline rides in the next batch)
    for (const d of ['inv1', 'inv2', 'inv3']) {
      const n = late.flatMap((b) => b.readings).filter((r) => r.device === d).length;
      expect(Math.abs(n - late.length), d).toBeLessThanOrEqual(1);
    }
    expect(readingsOf(col, 'inv2').at(-1)).toMatchObject({ kind: 'inverter', serial: 'SN-2', ac_power_w: 4000, ac_energy_wh: 2_000_000, ac_voltage_v: 230, state: 'mppt' });
    // after discovery, one request per device per cycle (common + inverter models in one block)
    const s = gw.stats();
    const perCycle = (s.lines[0]!.requests - 3 * 4) / s.cycles;
    expect(perCycle).toBeLessThanOrEqual(3.5);
    await waitFor(async () => (col.statuses.at(-1)?.devices?.length ?? 0) === 3, 'status with device health', 5000);
    expect(col.statuses.at(-1)).toMatchObject({ online: true, spool: { evictedBatches: 0 } });
    expect(col.statuses.at(-1)!.devices!.every((d) => d.ok && d.consecutiveErrors === 0 && d.latencyMs !== undefined)).toBe(true);
  });

  it('a silent device backs off, a busy one reports the exception, and the others keep their poll rate', async () => {
    const units = new Map([1, 2, 3, 4].map((u) => [u, unit(inverter(`SN-${u}`, 5000))]));
    const srv = await startRegisterServer(units);
    cleanups.push(() => srv.stop());
    const dev = (u: number) => ({ id: `inv${u}`, transport: 'tcp', host: '127.0.0.1', port: srv.port, unit: u, profile: 'sunspec', timeoutMs: 200 });
    const { col, gw } = await setup([dev(1), dev(2), dev(3), dev(4)], { pollIntervalMs: 250 });
    await waitFor(async () => col.batches.length >= 3, 'first batches', 10_000);
    units.get(3)!.fault = 'silent';
    units.get(4)!.fault = 'busy';
    const from = col.batches.length;
    await waitFor(async () => col.batches.length >= from + 16, '16 more cycles', 20_000);
    const window = col.batches.slice(from + 1, from + 16);
    const count = (d: string) => window.flatMap((b) => b.readings).filter((r) => r.device === d).length;
    expect(count('inv1')).toBeGreaterThanOrEqual(14); // one reading per cycle, despite the silent neighbour on the same connection
    expect(count('inv2')).toBeGreaterThanOrEqual(14);
    expect(count('inv3')).toBe(0);
    const health = Object.fromEntries(gw.stats().devices.map((d) => [d.device, d]));
    expect(health.inv3).toMatchObject({ ok: false });
    expect(health.inv3!.consecutiveErrors).toBeGreaterThanOrEqual(2);
    expect(health.inv3!.consecutiveErrors).toBeLessThanOrEqual(6); // backing off: far fewer attempts than the 16 cycles
    expect(health.inv3!.lastError).toMatch(/Timed out/);
    expect(health.inv4).toMatchObject({ ok: false });
    expect(health.inv4!.lastError).toMatch(/exception 6 \(device busy\)/);
    units.get(3)!.fault = undefined;
    await waitFor(async () => gw.stats().devices.find((d) => d.device === 'inv3')!.ok, 'inv3 recovers', 20_000);
  });

  it('flags a counter going backwards, a replaced device and power far above rating, and still publishes them', async () => {
    const units = new Map([[1, unit(inverter('SN-A', 900_000))]]);
    const srv = await startRegisterServer(units);
    cleanups.push(() => srv.stop());
    const { col } = await setup([{ id: 'inv1', transport: 'tcp', host: '127.0.0.1', port: srv.port, unit: 1, profile: 'sunspec', ratedPowerW: 5000 }]);
    await waitFor(async () => readingsOf(col, 'inv1').length >= 2, 'readings', 10_000);
    units.set(1, unit(inverter('SN-A', 100))); // counter reset
    await waitFor(async () => readingsOf(col, 'inv1').some((r) => r.quality?.includes('energy_backwards')), 'energy_backwards', 10_000);
    units.set(1, unit(inverter('SN-B', 50))); // replacement: new serial, counter from zero
    await waitFor(async () => readingsOf(col, 'inv1').some((r) => r.quality?.includes('device_replaced')), 'device_replaced', 10_000);
    const replaced = readingsOf(col, 'inv1').find((r) => r.quality?.includes('device_replaced'))!;
    expect(replaced).toMatchObject({ serial: 'SN-B', ac_energy_wh: 50 });
    expect(replaced.quality).not.toContain('energy_backwards');
    units.set(1, unit(inverter('SN-B', 60, 30_000)));
    await waitFor(async () => readingsOf(col, 'inv1').some((r) => r.quality?.includes('power_above_rating')), 'power_above_rating', 10_000);
    expect(readingsOf(col, 'inv1').find((r) => r.quality?.includes('power_above_rating'))!.ac_power_w).toBe(30_000);
    expect(col.invalid).toEqual([]);
  });
});

describe('spool bound', () => {
  it('beyond maxBytes the oldest batches are evicted, counted, and reported in the retained status', async () => {
    const units = [1, 2, 3, 4, 5, 6, 7, 8];
    const srv = await startRegisterServer(new Map(units.map((u) => [u, unit(inverter(`SN-${u}`, 1000))])));
    cleanups.push(() => srv.stop());
    const port = await freePort(); // the broker comes later
    const raw = testConfig(
      `mqtt://127.0.0.1:${port}`,
      { pollIntervalMs: 100, spool: { maxBytes: 65_536, segmentBytes: 4096, replayBatchesPerSecond: 500 } },
      units.map((u) => ({ id: `inv${u}`, transport: 'tcp', host: '127.0.0.1', port: srv.port, unit: u, profile: 'sunspec' })),
    );
    const gw = await startGateway(parseGatewayConfig(raw), { log: silentLogger });
    cleanups.push(() => gw.stop());
    await waitFor(async () => gw.stats().publisher.spool.evictedBatches > 10, 'evictions while offline', 30_000);
    const broker = await startAedes({ port });
    cleanups.push(() => broker.stop());
    const col = await collect(broker.url, `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`);
    cleanups.push(() => col.close());
    await waitFor(async () => (col.statuses.at(-1)?.spool?.evictedBatches ?? 0) > 10, 'status reports the evictions', 15_000);
    await waitFor(async () => gw.stats().publisher.spool.batches === 0, 'what was kept is replayed', 15_000);
    const s = gw.stats().publisher;
    expect(s.spool.bytes).toBeLessThanOrEqual(65_536 + 4096);
    const evicted = s.spool.evictedBatches;
    // the oldest went, the newest were kept: what is missing is one run at the start
    const missing = col.missing(s.lastSeq);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing).toEqual(Array.from({ length: missing.length }, (_, i) => i));
    expect(missing.length).toBe(evicted); // exactly the evicted batches, none of the kept ones
  });
});

describe.skipIf(!socatAvailable())('gateway over Modbus RTU (socat pty pair)', () => {
  it('polls several unit ids on one serial line, one request at a time', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.close());
    const srv = await startRegisterServer(new Map([1, 2, 3, 4].map((u) => [u, unit(inverter(`RTU-${u}`, 10_000 * u))])), pty.b);
    cleanups.push(() => srv.stop());
    const dev = (u: number) => ({ id: `rtu${u}`, transport: 'rtu', path: pty.a, baudRate: 9600, unit: u, profile: 'sunspec', timeoutMs: 500 });
    // unit 9 is configured but nothing answers for it on the bus: it times out and backs off
    const { col, gw } = await setup([dev(1), dev(2), dev(3), dev(4), { ...dev(9), timeoutMs: 300 }], { pollIntervalMs: 1000, modbus: { pauseMs: 5 } });
    await waitFor(async () => col.batches.filter((b) => b.readings.length === 4).length >= 3, 'three batches with the four live units', 30_000);
    const rtu9 = gw.stats().devices.find((d) => d.device === 'rtu9');
    expect(rtu9).toMatchObject({ ok: false });
    expect(rtu9?.lastError).toMatch(/Timed out/);
    expect(readingsOf(col, 'rtu3').at(-1)).toMatchObject({ serial: 'RTU-3', ac_energy_wh: 30_000 });
    expect(gw.stats().lines).toHaveLength(1);
    expect(col.invalid).toEqual([]);
  });
});
