import { SerialPort } from 'serialport';
import { BROADCAST_ADDRESS, CONTROL, encodeFrame, parseFrame, REPLY_BIT, type Frame } from '../../common/devices/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { Listener } from '../modbus/servers.ts';
import type { Dlt645Meter } from './meter.ts';

/** Bits a byte takes on the wire at 8E1: start, 8 data, parity, stop. */
export const BITS_PER_BYTE_8E1 = 11;

/** Time `bytes` take on a line at `baudRate`, 8E1, ms. */
export const dlt645WireMs = (bytes: number, baudRate: number): number => (bytes * BITS_PER_BYTE_8E1 * 1000) / baudRate;

export interface Dlt645ListenOptions {
  baudRate: number;
  /** Brings the physics up to the current sim time before an answer. */
  sync: () => unknown;
  /**
   * Delay each answer by the time the request and the reply would take on a real line at
   * `baudRate` (a pty pair moves bytes at once): for benchmarks against the line-rate bound.
   */
  emulateWireTime?: boolean;
}

/**
 * DL/T 645-2007 meters on one serial device (an RS-485 adapter, or one end of a socat pty pair):
 * requests are routed by address; the broadcast read-address request is answered only when one
 * meter is on the line (the standard's precondition: several would answer at once). A meter that
 * is not on the line, or a damaged request, gets silence, as on a real bus.
 */
export async function listenDlt645(path: string, meters: readonly Dlt645Meter[], opts: Dlt645ListenOptions): Promise<Listener> {
  const byAddress = new Map(meters.map((m) => [m.address, m]));
  const port = new SerialPort({ path, baudRate: opts.baudRate, parity: 'even', dataBits: 8, stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new SunshareError('LISTEN_FAILED', `cannot open serial device ${path} for DL/T 645: ${err.message}`, { cause: err })) : resolve())),
  );
  port.on('error', () => undefined);
  let rx = Buffer.alloc(0);
  let closed = false;

  const reply = (requestBytes: number, answer: Frame | undefined, delayMs: number) => {
    if (!answer) return;
    const bytes = encodeFrame(answer);
    const send = () => {
      if (!closed) port.write(bytes);
    };
    const wait = (opts.emulateWireTime ? dlt645WireMs(requestBytes + bytes.length, opts.baudRate) : 0) + delayMs;
    if (wait > 0) setTimeout(send, wait);
    else send();
  };

  port.on('data', (d: Buffer) => {
    rx = Buffer.concat([rx, d]);
    for (;;) {
      const r = parseFrame(rx);
      if (r.kind === 'incomplete') return;
      if (r.kind === 'invalid') {
        rx = rx.subarray(r.skip);
        continue;
      }
      const requestBytes = r.end; // the request with its preamble, as it took the wire
      rx = rx.subarray(r.end);
      const f = r.frame;
      if ((f.control & REPLY_BIT) !== 0) continue; // another meter's reply (or our own echo)
      opts.sync();
      if (f.control === CONTROL.readAddress && f.address === BROADCAST_ADDRESS) {
        if (meters.length === 1) reply(requestBytes, meters[0]!.answerAddress(), 0);
        continue;
      }
      const meter = byAddress.get(f.address);
      if (!meter) continue;
      const slow = meter.device.fault('slow');
      reply(requestBytes, meter.answer(f), slow?.delayMs ?? 0);
    }
  });

  return {
    description: `dlt645://${path}@${opts.baudRate}`,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        if (port.isOpen) port.close(() => resolve());
        else resolve();
      }),
  };
}
