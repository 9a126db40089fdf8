import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.ts';
import { ModbusClient } from './testing/client.ts';

/** Every fault, seen by a real Modbus client over TCP (manual clock: reads and truth see the same instant). */
let sim: SimHandle;
const client = new ModbusClient();
const HOUR = 3_600_000;

// Model 1 L=66 at 40002, model 103 at 40070: data starts at 40072 (hand-computed from the SunSpec tables).
const M103 = 40072;
const ADDR = { SN: 40002 + 2 + 48, W: M103 + 12, W_SF: M103 + 13, WH: M103 + 22, TmpCab: M103 + 31, St: M103 + 36, Evt1: M103 + 38 };

beforeAll(async () => {
  sim = await startSim({
    seed: 3,
    clock: { start: '2026-08-10T10:00', manual: true },
    tcp: { port: 0 },
    control: { enabled: true, port: 0 },
    devices: [
      { id: 'a', profile: 'sunspec', unitId: 1, ratedPowerW: 20_000, initialEnergyWh: 5_000_000 },
      { id: 'b', profile: 'sunspec', unitId: 2, ratedPowerW: 20_000, initialEnergyWh: 5_000_000 },
      { id: 'hw', profile: 'huawei-sun2000', unitId: 3, ratedPowerW: 20_000 },
      {
        id: 'sched',
        profile: 'sunspec',
        unitId: 4,
        ratedPowerW: 20_000,
        faults: [{ fault: { kind: 'trip' }, at: 6 * 3600, durationS: 1800 }],
      },
    ],
  });
  sim.advance(HOUR);
  await client.connectTCP('127.0.0.1', { port: sim.ports[0]! });
  client.setTimeout(1000);
});
afterAll(async () => {
  await new Promise<void>((r) => client.close(() => r()));
  await sim.stop();
});

async function regs(unit: number, address: number, length: number): Promise<Buffer> {
  client.setID(unit);
  return (await client.readHoldingRegisters(address, length)).buffer;
}
const u16 = async (unit: number, a: number) => (await regs(unit, a, 1)).readUInt16BE(0);
const u32 = async (unit: number, a: number) => (await regs(unit, a, 2)).readUInt32BE(0);
const sn = async (unit: number) => (await regs(unit, ADDR.SN, 16)).toString('utf8').replace(/\0+$/, '');

describe('faults over Modbus TCP', () => {
  it('silent: no answer, the client times out, and the device is counted as unanswered', async () => {
    sim.setFault('a', { kind: 'silent' });
    const before = sim.stats('a').unanswered;
    await expect(regs(1, ADDR.W, 1)).rejects.toMatchObject({ name: 'TransactionTimedOutError' });
    expect(sim.stats('a').unanswered).toBe(before + 1);
    sim.clearFault('a', 'silent');
    expect(await u16(1, ADDR.St)).toBeGreaterThan(0);
  });

  it('slow: the answer comes after delayMs', async () => {
    sim.setFault('a', { kind: 'slow', delayMs: 400 });
    const t0 = performance.now();
    expect(await u16(1, ADDR.St)).toBe(4);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
    sim.clearFault('a');
  });

  it.each([6, 2])('exception %i', async (code) => {
    sim.setFault('a', { kind: 'exception', code });
    await expect(regs(1, ADDR.W, 2)).rejects.toMatchObject({ modbusCode: code });
    sim.clearFault('a', 'exception');
    await expect(regs(1, ADDR.W, 2)).resolves.toBeInstanceOf(Buffer);
  });

  it('counter_reset: the counter restarts at zero and counts again', async () => {
    expect(await u32(1, ADDR.WH)).toBeGreaterThan(5_000_000);
    sim.setFault('a', { kind: 'counter_reset' });
    expect(await u32(1, ADDR.WH)).toBe(0); // acc32 0 is also SunSpec's "not accumulated"
    sim.advance(HOUR / 2);
    const wh = await u32(1, ADDR.WH);
    expect(wh).toBeGreaterThan(0);
    expect(wh).toBe(Math.round(sim.truth('a').counterWh));
    expect(wh).toBeLessThan(20_000);
  });

  it('counter_rollover: the 32-bit counter wraps past 2^32 - 1', async () => {
    sim.setFault('b', { kind: 'counter_rollover', aheadWh: 500 });
    expect(await u32(2, ADDR.WH)).toBe(2 ** 32 - 500);
    sim.advance(HOUR / 4);
    const t = sim.truth('b');
    expect(t.counterWh).toBeGreaterThan(2 ** 32);
    expect(await u32(2, ADDR.WH)).toBe(Math.round(t.counterWh) - 2 ** 32);
    expect(t.energyWh).toBeCloseTo(t.counterWh - 2 ** 32, 6);
    // Huawei's 32106 counts 0.01 kWh: it wraps at 2^32 x 10 Wh.
    sim.setFault('hw', { kind: 'counter_rollover', aheadWh: 1000 });
    expect(await u32(3, 32106)).toBe(2 ** 32 - 100);
  });

  it('replace: a new serial number and a counter from zero', async () => {
    const old = await sn(1);
    sim.setFault('a', { kind: 'replace' });
    const now = await sn(1);
    expect(now).not.toBe(old);
    expect(now).toBe(sim.truth('a').serial);
    expect(await u32(1, ADDR.WH)).toBe(0);
    sim.setFault('a', { kind: 'replace', serial: 'NEW-0001' });
    expect(await sn(1)).toBe('NEW-0001');
  });

  it('trip: FAULT state, no power, Evt1 GROUND_FAULT; Huawei: shutdown fault and its alarm bit', async () => {
    sim.setFault('a', { kind: 'trip' });
    sim.advance(60_000);
    expect(await u16(1, ADDR.St)).toBe(7);
    expect((await regs(1, ADDR.W, 1)).readInt16BE(0)).toBe(0);
    expect(await u32(1, ADDR.Evt1)).toBe(1); // bit 0 GROUND_FAULT
    expect(sim.truth('a')).toMatchObject({ state: 'fault', acPowerW: 0, alarms: ['GROUND_FAULT'] });
    const wh = await u32(1, ADDR.WH);
    sim.advance(HOUR / 4);
    expect(await u32(1, ADDR.WH)).toBe(wh); // no production while tripped
    sim.clearFault('a', 'trip');
    expect(await u16(1, ADDR.St)).toBe(4);
    expect(await u32(1, ADDR.Evt1)).toBe(0);

    sim.setFault('hw', { kind: 'trip', alarms: ['GRID_OVERVOLTAGE', 'LOW_INSULATION_RESISTANCE'] });
    expect(await u16(3, 32089)).toBe(0x0300);
    const alarms = await regs(3, 32008, 3);
    expect([alarms.readUInt16BE(0), alarms.readUInt16BE(2), alarms.readUInt16BE(4)]).toEqual([1 << 9, 1 << 2, 0]);
    expect((await regs(3, 32080, 2)).readInt32BE(0)).toBe(0);
    sim.clearFault('hw');
  });

  it('stuck: registers freeze while the physics and the hidden counter go on', async () => {
    const frozen = await regs(2, M103, 50);
    sim.setFault('b', { kind: 'stuck' });
    const before = sim.truth('b');
    sim.advance(HOUR / 2);
    expect((await regs(2, M103, 50)).equals(frozen)).toBe(true);
    expect(sim.truth('b').counterWh).toBeGreaterThan(before.counterWh + 1000);
    sim.clearFault('b', 'stuck');
    expect(await u32(2, ADDR.WH)).toBe(Math.round(sim.truth('b').counterWh) % 2 ** 32);
  });

  it('not_implemented: the named points read as SunSpec / Huawei markers', async () => {
    sim.setFault('a', { kind: 'not_implemented', fields: ['ac_power_w'], points: ['TmpCab'] });
    expect(await u16(1, ADDR.W)).toBe(0x8000);
    expect(await u16(1, ADDR.TmpCab)).toBe(0x8000);
    expect(await u16(1, ADDR.St)).toBe(4);
    sim.clearFault('a');
    expect(await u16(1, ADDR.W)).not.toBe(0x8000);
    sim.setFault('hw', { kind: 'not_implemented', fields: ['ac_power_w', 'temperature_c'] });
    expect(await u32(3, 32080)).toBe(0x7fffffff);
    expect(await u16(3, 32087)).toBe(0x7fff);
    sim.clearFault('hw');
  });

  it('scheduled in the config: trips 6 h after start (16:00) and clears after 30 min', async () => {
    const at = (hhmm: string) => Date.parse(`2026-08-10T${hhmm}:00+08:00`);
    expect(sim.clock.now()).toBeLessThan(at('15:59'));
    expect(await u16(4, ADDR.St)).toBe(4);
    sim.advance(at('16:10') - sim.clock.now());
    expect(await u16(4, ADDR.St)).toBe(7);
    expect(sim.truth('sched').faults).toEqual([{ kind: 'trip' }]);
    sim.advance(at('16:31') - sim.clock.now());
    expect(await u16(4, ADDR.St)).toBe(4);
    expect(sim.truth('sched').faults).toEqual([]);
  });
});

describe('control API', () => {
  const api = (path: string, init?: RequestInit) => fetch(`${sim.controlUrl}${path}`, init);

  it('sets and clears faults, and explains bad ones', async () => {
    let res = await api('/devices/b/faults', { method: 'POST', body: JSON.stringify({ kind: 'exception', code: 6 }) });
    expect(res.status).toBe(200);
    await expect(regs(2, ADDR.W, 1)).rejects.toMatchObject({ modbusCode: 6 });
    res = await api('/devices/b/faults/exception', { method: 'DELETE' });
    expect(res.status).toBe(200);
    await expect(regs(2, ADDR.W, 1)).resolves.toBeInstanceOf(Buffer);

    res = await api('/devices/b/faults', { method: 'POST', body: JSON.stringify({ kind: 'slow', delayMs: -5 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { details: string[] }).details.join()).toContain('/delayMs');
    res = await api('/devices/b/faults', { method: 'POST', body: JSON.stringify({ kind: 'melt' }) });
    expect(((await res.json()) as { details: string[] }).details[0]).toContain('silent, slow, exception');
    res = await api('/devices/nope');
    expect(res.status).toBe(404);
  });

  it('shows truth and request counts, and moves a manual clock', async () => {
    const devices = (await (await api('/devices')).json()) as { id: string; truth: { serial: string }; stats: { requests: number } }[];
    expect(devices.map((d) => d.id)).toEqual(['a', 'b', 'hw', 'sched']);
    expect(devices[1]!.stats.requests).toBeGreaterThan(5);
    const t0 = sim.clock.now();
    const res = await api('/clock/advance', { method: 'POST', body: JSON.stringify({ ms: 60_000 }) });
    expect(((await res.json()) as { now: number }).now).toBe(t0 + 60_000);
  });
});
