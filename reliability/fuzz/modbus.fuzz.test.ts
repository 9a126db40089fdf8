import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { socatAvailable, startPtyPair, type PtyPair } from '../../common/testing/index.ts';
import { ModbusException, ModbusLine } from '../../gateway/index.ts';
import { behaviourSchedule, BEHAVIOURS, registerValue, startHostileRtu, startHostileTcp, type Behaviour, type HostileServer } from './hostile-modbus.ts';

const SEED = 8_0808;
const TIMEOUT_MS = 150;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Outcome {
  behaviours: Behaviour[];
  ok: boolean;
  error?: Error;
  wrongData?: number[];
  ms: number;
}

/** Reads through the gateway's ModbusLine while the server misbehaves; returns what each read got. */
async function hammer(line: ModbusLine, server: HostileServer, n: number): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let k = 0; k < n; k++) {
    const unit = 1 + (k % 5);
    const address = 40_000 + ((k * 37) % 1000);
    const count = 1 + (k % 20);
    const before = server.log.length;
    const t0 = Date.now();
    const guard = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('HUNG: the read never settled')), TIMEOUT_MS + 3000).unref());
    try {
      const data = await Promise.race([line.read(unit, 'holding', address, count, TIMEOUT_MS), guard]);
      const expected = Array.from({ length: count }, (_, i) => registerValue(address, i, unit));
      const right = JSON.stringify(data) === JSON.stringify(expected);
      out.push({ behaviours: server.log.slice(before), ok: right, ...(right ? {} : { wrongData: data }), ms: Date.now() - t0 });
    } catch (err) {
      out.push({ behaviours: server.log.slice(before), ok: false, error: err as Error, ms: Date.now() - t0 });
    }
  }
  return out;
}

function summarize(target: string, outcomes: Outcome[], server: HostileServer) {
  return {
    fuzz: `gateway.modbus_${target}`,
    seed: SEED,
    cases: outcomes.length,
    served: server.served,
    ok: outcomes.filter((o) => o.ok).length,
    rejected: outcomes.filter((o) => o.error).length,
    wrong_data_accepted: outcomes.filter((o) => o.wrongData).length,
    slowest_ms: Math.max(...outcomes.map((o) => o.ms)),
    heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
  };
}

describe('the gateway Modbus line against a hostile server', () => {
  it('over TCP: never hangs, never takes a wrong answer, reports exceptions, recovers', async () => {
    const tcpBehaviours = BEHAVIOURS.filter((b) => b !== 'bad_crc');
    const schedule = [...behaviourSchedule(SEED, 400, tcpBehaviours), ...Array<Behaviour>(20).fill('ok')];
    const server = await startHostileTcp(schedule, TIMEOUT_MS);
    cleanups.push(() => server.stop());
    const line = new ModbusLine('hostile-tcp', { transport: 'tcp', host: '127.0.0.1', port: server.port }, 0, silentLogger, 500);
    cleanups.push(() => line.close());
    const outcomes = await hammer(line, server, schedule.length);
    console.log(JSON.stringify(summarize('tcp', outcomes, server)));

    expect(outcomes.filter((o) => o.error?.message.startsWith('HUNG'))).toEqual([]);
    expect(outcomes.filter((o) => o.wrongData).map((o) => `${o.behaviours.join('+')}: ${JSON.stringify(o.wrongData)}`)).toEqual([]);
    for (const o of outcomes) {
      if (o.behaviours.length === 1 && o.behaviours[0] === 'exception') expect(o.error).toBeInstanceOf(ModbusException);
      if (o.behaviours.length === 1 && o.behaviours[0] === 'ok') expect(o.ok, `an honest answer after ${o.behaviours.join('+')}`).toBe(true);
      if (o.error) expect(o.error.message).toMatch(/unit \d+/); // every failure names the unit and what was read
    }
    expect(outcomes.slice(-20).every((o) => o.ok)).toBe(true);
  });

  it.skipIf(!socatAvailable())('over RTU on a socat pty pair: never hangs, never takes a wrong answer, recovers', async () => {
    const pty: PtyPair = await startPtyPair();
    cleanups.push(() => pty.close());
    const rtuBehaviours = BEHAVIOURS.filter((b) => b !== 'wrong_tid' && b !== 'close');
    const schedule = [...behaviourSchedule(SEED + 1, 150, rtuBehaviours), ...Array<Behaviour>(40).fill('ok')];
    const server = startHostileRtu(pty.b, schedule, TIMEOUT_MS);
    cleanups.push(() => server.stop());
    const line = new ModbusLine('hostile-rtu', { transport: 'rtu', path: pty.a, baudRate: 115200, parity: 'none', dataBits: 8, stopBits: 1 }, 20, silentLogger);
    cleanups.push(() => line.close());
    const outcomes = await hammer(line, server, schedule.length);
    console.log(JSON.stringify(summarize('rtu', outcomes, server)));

    expect(outcomes.filter((o) => o.error?.message.startsWith('HUNG'))).toEqual([]);
    expect(outcomes.filter((o) => o.wrongData).map((o) => `${o.behaviours.join('+')}: ${JSON.stringify(o.wrongData)}`)).toEqual([]);
    for (const o of outcomes) if (o.behaviours.length === 1 && o.behaviours[0] === 'exception') expect(o.error).toBeInstanceOf(ModbusException);
    // Garbage left on the wire may spoil a few answers after it, but the line must come back.
    expect(outcomes.slice(-10).every((o) => o.ok)).toBe(true);
  });
});
