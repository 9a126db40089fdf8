import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socatAvailable, startPtyPair, type PtyPair } from '../common/testing/index.ts';
import { startSim, type SimHandle } from './index.ts';
import { ModbusClient } from './testing/client.ts';

/** Modbus RTU over a real serial line: a socat pty pair, the simulator on one end, modbus-serial's client on the other. */
describe.skipIf(!socatAvailable())('Modbus RTU over a pty pair', () => {
  let pty: PtyPair;
  let sim: SimHandle;
  const client = new ModbusClient();

  beforeAll(async () => {
    pty = await startPtyPair();
    sim = await startSim({
      seed: 2,
      clock: { start: '2026-10-02T11:00', manual: true },
      tcp: { port: 0 },
      control: { enabled: false },
      rtu: { baudRate: 19200 },
      devices: [
        { id: 'inv-1', profile: 'sunspec', unitId: 1, ratedPowerW: 12_000, rtuPath: pty.a, initialEnergyWh: 3_000_000 },
        { id: 'inv-2', profile: 'huawei-sun2000', unitId: 2, ratedPowerW: 12_000, rtuPath: pty.a },
        { id: 'tcp-only', profile: 'sunspec', unitId: 3, ratedPowerW: 12_000 },
      ],
    });
    sim.advance(1_800_000);
    await client.connectRTUBuffered(pty.b, { baudRate: 19200 });
    client.setTimeout(1500);
  });
  afterAll(async () => {
    await new Promise<void>((r) => (client.isOpen ? client.close(() => r()) : r()));
    await sim?.stop();
    await pty?.close();
  });

  it('walks to model 103 and reads power and the counter as the physics has them', async () => {
    client.setID(1);
    expect((await client.readHoldingRegisters(40000, 2)).buffer.toString('latin1')).toBe('SunS');
    expect((await client.readHoldingRegisters(40070, 2)).data).toEqual([103, 50]);
    const m = (await client.readHoldingRegisters(40072, 50)).buffer;
    const truth = sim.truth('inv-1');
    expect(truth.acPowerW).toBeGreaterThan(100);
    const w = m.readInt16BE(12 * 2) * 10 ** m.readInt16BE(13 * 2);
    expect(Math.abs(w - truth.acPowerW)).toBeLessThanOrEqual(10 ** m.readInt16BE(13 * 2) / 2);
    expect(m.readUInt32BE(22 * 2)).toBe(Math.round(truth.counterWh));
  });

  it('serves a second unit id on the same line (Huawei map)', async () => {
    client.setID(2);
    expect((await client.readHoldingRegisters(32080, 2)).buffer.readInt32BE(0)).toBe(Math.round(sim.truth('inv-2').acPowerW));
  });

  it('is silent for a unit id that is not on the line, and for a silent device', async () => {
    client.setID(3);
    await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({ name: 'TransactionTimedOutError' });
    sim.setFault('inv-1', { kind: 'silent' });
    client.setID(1);
    await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({ name: 'TransactionTimedOutError' });
    sim.clearFault('inv-1');
    expect((await client.readHoldingRegisters(40070, 1)).data).toEqual([103]);
  });

  it('sends exceptions over RTU too', async () => {
    sim.setFault('inv-2', { kind: 'exception', code: 6 });
    client.setID(2);
    await expect(client.readHoldingRegisters(32080, 2)).rejects.toMatchObject({ modbusCode: 6 });
    sim.clearFault('inv-2');
  });
});
