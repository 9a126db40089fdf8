import { createServer } from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { IServiceVector } from 'modbus-serial';
import { SunshareError } from '../../common/errors.ts';

/** A running Modbus listener. */
export interface Listener {
  readonly description: string;
  close(): Promise<void>;
}

/** A free TCP port on the host (modbus-serial's server treats port 0 as its default 502). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new SunshareError('LISTEN_FAILED', `no free port on ${host}`))));
    });
  });
}

/** Modbus TCP with modbus-serial's ServerTCP, answering every unit id (the vector routes them). */
export function listenTcp(vector: IServiceVector, host: string, port: number): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = new ModbusRTU.ServerTCP(vector, { host, port, unitID: 255 });
    server.on('socketError', () => undefined); // a client that vanishes mid-request is not our problem
    server.once('serverError', (err: Error) =>
      reject(new SunshareError('LISTEN_FAILED', `cannot listen for Modbus TCP on ${host}:${port}: ${err.message}`, { cause: err })),
    );
    server.once('initialized', () =>
      resolve({
        description: `tcp://${host}:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}

/** Modbus RTU on a serial device with modbus-serial's ServerSerial (serialport underneath). */
export function listenRtu(vector: IServiceVector, path: string, baudRate: number): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = new ModbusRTU.ServerSerial(vector, {
      path,
      baudRate,
      unitID: 255,
      openCallback: (err: Error | null) => {
        if (err) reject(new SunshareError('LISTEN_FAILED', `cannot open serial device ${path} for Modbus RTU: ${err.message}`, { cause: err }));
      },
    } as ConstructorParameters<typeof ModbusRTU.ServerSerial>[1]);
    server.on('error', () => undefined);
    server.once('initialized', () =>
      resolve({
        description: `rtu://${path}@${baudRate}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
