import { describe, expect, it } from 'vitest';
import { startSim } from './index.ts';
import { freePort } from './modbus/servers.ts';
import { ModbusClient } from './testing/client.ts';

describe('listeners', () => {
  it('serves devices on their own ports, and a DC-powered inverter goes dark at night', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const sim = await startSim({
      clock: { start: '2026-03-01T02:00', manual: true },
      tcp: { port: p1 },
      control: { enabled: false },
      devices: [
        { id: 'a', profile: 'sunspec', unitId: 1, ratedPowerW: 8000 },
        { id: 'b', profile: 'huawei-sun2000', unitId: 1, port: p2, ratedPowerW: 8000, silentAtNight: true },
        { id: 'c', profile: 'sungrow-sg', unitId: 2, ratedPowerW: 8000 },
      ],
    });
    const a = new ModbusClient();
    const b = new ModbusClient();
    try {
      expect(sim.ports).toEqual([p1, p2]);
      expect(sim.devices.map((d) => [d.id, d.port, d.unitId])).toEqual([
        ['a', p1, 1],
        ['b', p2, 1],
        ['c', p1, 2],
      ]);
      await a.connectTCP('127.0.0.1', { port: p1 });
      await b.connectTCP('127.0.0.1', { port: p2 });
      a.setTimeout(800);
      b.setTimeout(800);
      a.setID(1);
      b.setID(1);
      expect((await a.readHoldingRegisters(40072 + 36, 1)).data).toEqual([2]); // St = SLEEPING
      a.setID(2);
      expect((await a.readInputRegisters(5037, 1)).data).toEqual([0x1400]); // Sungrow has no sleeping: STANDBY
      a.setID(1);
      await expect(b.readHoldingRegisters(32080, 2)).rejects.toMatchObject({ name: 'TransactionTimedOutError' });
      sim.advance(9 * 3_600_000); // 11:00
      expect(sim.truth('b').state).not.toBe('sleeping');
      expect((await b.readHoldingRegisters(32080, 2)).buffer.readInt32BE(0)).toBe(Math.round(sim.truth('b').acPowerW));
      await expect(a.readHoldingRegisters(32080, 2)).rejects.toMatchObject({ modbusCode: 2 }); // not a Huawei
    } finally {
      await new Promise<void>((r) => a.close(() => r()));
      await new Promise<void>((r) => b.close(() => r()));
      await sim.stop();
    }
  });
});
