import type { IServiceVector } from 'modbus-serial';
import type { RegisterKind } from '../devices/bank.ts';
import type { SimulatedDevice } from '../devices/device.ts';

type Callback = (err: unknown, value?: number[]) => void;

/** Modbus exception 0x0B: a TCP gateway's "target device failed to respond" (unknown unit id). */
const GATEWAY_TARGET_FAILED = 0x0b;

export interface Router {
  /** The device at a unit id on this listener. */
  device(unitId: number): SimulatedDevice | undefined;
  /** Brings the physics up to the current sim time before a read. */
  sync(): unknown;
}

/**
 * The modbus-serial service vector for one listener: routes by unit id and
 * acts out the device's faults (silent, slow, exception, night silence).
 * On TCP an unknown unit id gets exception 0x0B; on RTU it gets silence.
 */
export function createVector(router: Router, transport: 'tcp' | 'rtu'): IServiceVector {
  const read = (kind: RegisterKind, address: number, length: number, unitId: number, cb: Callback): void => {
    const d = router.device(unitId);
    if (!d) {
      if (transport === 'tcp') cb({ modbusErrorCode: GATEWAY_TARGET_FAILED, msg: `no device at unit ${unitId}` });
      return;
    }
    router.sync();
    d.stats.requests++;
    if (d.hasFault('silent') || (d.config.silentAtNight && d.state === 'sleeping')) {
      d.stats.unanswered++;
      return;
    }
    const answer = () => {
      const ex = d.fault('exception');
      if (ex) {
        d.stats.exceptions++;
        cb({ modbusErrorCode: ex.code, msg: `simulated exception ${ex.code}` });
        return;
      }
      let words: number[];
      try {
        router.sync();
        words = d.read(kind, address, length);
      } catch (err) {
        d.stats.exceptions++;
        cb(err);
        return;
      }
      d.stats.answered++;
      cb(null, words);
    };
    const slow = d.fault('slow');
    if (slow) setTimeout(answer, slow.delayMs);
    else answer();
  };
  const one = (kind: RegisterKind) => (address: number, unitId: number, cb: (err: unknown, value?: number) => void) =>
    read(kind, address, 1, unitId, (err, words) => cb(err, words?.[0]));
  return {
    getHoldingRegister: one('holding'),
    getInputRegister: one('input'),
    getMultipleHoldingRegisters: (address: number, length: number, unitId: number, cb: Callback) => read('holding', address, length, unitId, cb),
    getMultipleInputRegisters: (address: number, length: number, unitId: number, cb: Callback) => read('input', address, length, unitId, cb),
  } as IServiceVector;
}
