import { BROADCAST_ADDRESS, CONTROL, diBytes, diString, ERROR_BIT, errorStatusText, NO_REQUESTED_DATA, REPLY_BIT, addressString, type Frame } from '../../common/devices/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { ModbusLine } from '../modbus/line.ts';
import type { Dlt645Port } from './port.ts';

type Exchange = (request: Frame, timeoutMs: number, accept: (f: Frame) => boolean) => Promise<Frame>;

/** Requests made within one turn of the line's queue (Dlt645Client.batch). */
export interface Dlt645Session {
  readData(address: string, di: string, timeoutMs: number): Promise<Uint8Array>;
}

/**
 * DL/T 645-2007 requests on a shared RS-485 line: each exchange goes through the line's strict
 * queue (one request at a time, the line's pause between requests), on the line's DL/T 645 port.
 * batch() makes several requests in one turn of the queue, still one at a time and paced, so a
 * line shared with Modbus devices switches protocol once for a meter's whole read.
 */
export class Dlt645Client {
  private readonly line: ModbusLine;
  private readonly port: Dlt645Port;

  constructor(line: ModbusLine, port: Dlt645Port) {
    this.line = line;
    this.port = port;
  }

  private readonly exchange: Exchange = (request, timeoutMs, accept) => this.line.exclusive(() => this.port.exchange(request, timeoutMs, accept), this.port.release);

  /** Runs `fn` as one turn of the line's queue; its requests are sent one at a time, `pauseMs` apart. */
  batch<T>(fn: (session: Dlt645Session) => Promise<T>): Promise<T> {
    return this.line.exclusive(() => {
      let first = true;
      const direct: Exchange = async (request, timeoutMs, accept) => {
        if (!first && this.line.pauseMs > 0) await new Promise((r) => setTimeout(r, this.line.pauseMs));
        first = false;
        return this.port.exchange(request, timeoutMs, accept);
      };
      return fn({ readData: (address, di, timeoutMs) => this.readDataWith(direct, address, di, timeoutMs) });
    }, this.port.release);
  }

  /**
   * Reads one data identifier (control 0x11) and resolves with its value bytes (least significant
   * first, the +0x33 taken off). An error reply (0xD1) is a DLT645_ERROR_REPLY whose `details` hold
   * the status byte; `noData` is true when the meter does not have that identifier.
   */
  readData(address: string, di: string, timeoutMs: number): Promise<Uint8Array> {
    return this.readDataWith(this.exchange, address, di, timeoutMs);
  }

  private async readDataWith(exchange: Exchange, address: string, di: string, timeoutMs: number): Promise<Uint8Array> {
    const diRaw = diBytes(di);
    const where = `meter ${address} on ${this.port.path}, DI ${di}`;
    const reply = await exchange({ address, control: CONTROL.readData, data: diRaw }, timeoutMs, (f) => f.address === address && (f.control & REPLY_BIT) !== 0 && (f.control & 0x1f) === CONTROL.readData).catch((err: unknown) => {
      throw rewhere(err, where);
    });
    if ((reply.control & ERROR_BIT) !== 0) {
      const status = reply.data[0] ?? 0;
      throw new Dlt645ErrorReply(status, `${where}: the meter answered with an error: ${errorStatusText(status)}`);
    }
    if (reply.data.length < 4 || diString(reply.data.subarray(0, 4)) !== di) {
      throw new SunshareError('DLT645_BAD_FRAME', `${where}: the reply is for DI ${reply.data.length >= 4 ? diString(reply.data.subarray(0, 4)) : '(none)'}`);
    }
    return reply.data.subarray(4);
  }

  /** Reads the address of the one meter on the line (control 0x13 to AAAAAAAAAAAA; reply 0x93). */
  async readAddress(timeoutMs: number): Promise<string> {
    const reply = await this.exchange({ address: BROADCAST_ADDRESS, control: CONTROL.readAddress, data: new Uint8Array() }, timeoutMs, (f) => f.control === (REPLY_BIT | CONTROL.readAddress)).catch((err: unknown) => {
      throw rewhere(err, `read address (broadcast) on ${this.port.path}`);
    });
    if (reply.data.length !== 6) throw new SunshareError('DLT645_BAD_FRAME', `read address on ${this.port.path}: the reply carries ${reply.data.length} data bytes, not 6`);
    return addressString(reply.data);
  }
}

/** An error reply from the meter, with its status byte. */
export class Dlt645ErrorReply extends SunshareError {
  readonly status: number;
  readonly noData: boolean;

  constructor(status: number, message: string) {
    super('DLT645_ERROR_REPLY', message, { details: [`status 0x${status.toString(16).padStart(2, '0')}`] });
    this.status = status;
    this.noData = (status & NO_REQUESTED_DATA) !== 0;
  }
}

function rewhere(err: unknown, where: string): unknown {
  if (err instanceof SunshareError) return new SunshareError(err.code, `${where}: ${err.message}`, { cause: err });
  return new SunshareError('DLT645_TIMEOUT', `${where}: ${(err as Error).message}`, { cause: err });
}
