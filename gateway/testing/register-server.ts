import ModbusSerial from 'modbus-serial';
import type { ServerTCP as ServerTCPType, ServerSerial as ServerSerialType, IServiceVector } from 'modbus-serial';
import { freePort } from '../../common/testing/index.ts';

/**
 * A small Modbus server over a register image, for gateway tests that need
 * exact control of every register (the simulator covers realistic devices).
 * Unknown unit ids never answer, as on a real RS-485 bus.
 */
export interface UnitRegisters {
  holding: Map<number, number>;
  input: Map<number, number>;
  fault?: 'silent' | 'busy';
}

export interface RegisterServer {
  port: number;
  units: Map<number, UnitRegisters>;
  requests: number;
  stop(): Promise<void>;
}

const mod = ModbusSerial as unknown as { ServerTCP: typeof ServerTCPType; ServerSerial: typeof ServerSerialType };
type Cb = (err: Error | null, v: number[]) => void;

/** Time a read of `count` registers takes on an RS-485 line: request 8 bytes, reply 5 + 2n, 10 bits a byte (8N1), 3.5 characters of silence after each frame. */
export function rtuWireMs(count: number, baudRate: number): number {
  const chars = 8 + 5 + 2 * count + 2 * 3.5;
  return (chars * 10 * 1000) / baudRate;
}

/**
 * `serialPath` serves RTU on that serial device; `emulateBaud` then delays each
 * answer by the time the request and the reply would take on a real line of
 * that speed (a pty pair moves bytes instantly).
 */
export async function startRegisterServer(units: Map<number, UnitRegisters>, serialPath?: string, emulateBaud?: number): Promise<RegisterServer> {
  const state = { requests: 0 };
  const answer = (table: 'holding' | 'input') => (addr: number, length: number, unit: number, cb: Cb) => {
    state.requests++;
    const u = units.get(unit);
    if (!u || u.fault === 'silent') return; // no answer: the client times out
    if (u.fault === 'busy') return cb(Object.assign(new Error('busy'), { modbusErrorCode: 6 }), []);
    const regs = u[table];
    if (!regs.has(addr)) return cb(Object.assign(new Error('illegal address'), { modbusErrorCode: 2 }), []);
    const data = Array.from({ length }, (_, i) => regs.get(addr + i) ?? 0);
    if (emulateBaud) setTimeout(() => cb(null, data), rtuWireMs(length, emulateBaud));
    else cb(null, data);
  };
  const holding = answer('holding');
  const input = answer('input');
  const vector: IServiceVector = {
    getMultipleHoldingRegisters: holding,
    getMultipleInputRegisters: input,
    getHoldingRegister: (a: number, unit: number, cb: (e: Error | null, v: number) => void) => holding(a, 1, unit, (e, v) => cb(e, v[0] ?? 0)),
    getInputRegister: (a: number, unit: number, cb: (e: Error | null, v: number) => void) => input(a, 1, unit, (e, v) => cb(e, v[0] ?? 0)),
  };
  let server: ServerTCPType | ServerSerialType;
  let port = 0;
  if (serialPath) {
    server = new mod.ServerSerial(vector, { path: serialPath, baudRate: 9600, unitID: 255 } as never);
  } else {
    port = await freePort();
    server = new mod.ServerTCP(vector, { host: '127.0.0.1', port, unitID: 255 });
  }
  await new Promise((r) => server.on('initialized', r));
  return {
    port,
    units,
    get requests() {
      return state.requests;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
