import ModbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { SunshareError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { monotonicMs } from '../clock.ts';
import type { RegisterTable } from './planner.ts';

/**
 * One Modbus connection: a TCP socket to an inverter or Modbus gateway, or
 * one RS-485 serial line shared by several unit ids. Requests go through one
 * queue, strictly one at a time, with an optional pause between them; every
 * request has a timeout (modbus-serial has none by default). On any error
 * other than a Modbus exception reply the connection is closed and reopened
 * for the next request, since a late reply would otherwise be taken for the
 * answer to the next question.
 *
 * Another protocol on the same RS-485 line (DL/T 645 meters) goes through the
 * same queue with exclusive(): the Modbus client gives the port up first, the
 * other protocol opens it with its own settings, and the next Modbus request
 * takes it back (closing the other protocol's port, reopening with Modbus's).
 */
export type LineTarget =
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'rtu'; path: string; baudRate: number; parity: 'none' | 'even' | 'odd'; dataBits: 7 | 8; stopBits: 1 | 2 };

export interface LineStats {
  requests: number;
  errors: number;
  opens: number;
}

/** A Modbus exception reply (the device answered, with an error code: 6 = busy). */
export class ModbusException extends Error {
  readonly modbusCode: number;

  constructor(modbusCode: number, message: string) {
    super(message);
    this.modbusCode = modbusCode;
    this.name = 'ModbusException';
  }
}

/**
 * Silence kept on a serial line when it switches between Modbus and another protocol: Modbus RTU
 * servers (modbus-serial's waits 30 ms) cut frames at a gap, and would glue a DL/T 645 frame to
 * the next Modbus request that follows it closer than that.
 */
export const PROTOCOL_SWITCH_QUIET_MS = 40;

// modbus-serial is CommonJS: its module.exports is the client class.
const ModbusClient = ModbusSerial as unknown as typeof ModbusRTU;

const EXCEPTION_NAMES: Record<number, string> = { 1: 'illegal function', 2: 'illegal data address', 3: 'illegal data value', 4: 'device failure', 5: 'acknowledge', 6: 'device busy', 10: 'gateway path unavailable', 11: 'gateway target failed to respond' };

export class ModbusLine {
  private client: ModbusRTU | undefined;
  private opening: Promise<ModbusRTU> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastRequestEnd = 0;
  private closed = false;
  /** Closes the port another protocol holds (set by exclusive(), cleared when Modbus takes the port back). */
  private foreignRelease: (() => Promise<void>) | undefined;
  readonly stats: LineStats = { requests: 0, errors: 0, opens: 0 };

  readonly name: string;
  private readonly target: LineTarget;
  /** Quiet time between two requests on this line, ms. */
  readonly pauseMs: number;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly connectDelayMs: number;

  /** `connectDelayMs`: quiet time after each (re)connect before the first request (Huawei's SDongle and SmartLogger drop requests sent too soon). */
  constructor(name: string, target: LineTarget, pauseMs: number, log: Logger, connectTimeoutMs = 3000, connectDelayMs = 0) {
    this.name = name;
    this.target = target;
    this.pauseMs = pauseMs;
    this.log = log;
    this.connectTimeoutMs = connectTimeoutMs;
    this.connectDelayMs = connectDelayMs;
  }

  /** Reads `count` registers; queued behind every other request on this line. */
  read(unit: number, table: RegisterTable, address: number, count: number, timeoutMs: number): Promise<number[]> {
    const job = this.queue.then(() => this.execute(unit, table, address, count, timeoutMs));
    this.queue = job.catch(() => undefined);
    return job;
  }

  /**
   * Runs one exchange of another protocol on this line, queued behind every other request and
   * paced like them. The Modbus client closes its port first (and waits for it to close);
   * `release` closes the other protocol's port when Modbus needs the line again. Errors count
   * in the line's stats.
   */
  exclusive<T>(job: () => Promise<T>, release: () => Promise<void>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new SunshareError('MODBUS_READ_FAILED', `line ${this.name} is closed`);
      await this.pace(this.foreignRelease === release ? 0 : PROTOCOL_SWITCH_QUIET_MS);
      this.stats.requests++;
      try {
        if (this.foreignRelease !== release) {
          await this.releaseForeign();
          await this.dropAndWait();
          this.foreignRelease = release;
        }
        return await job();
      } catch (err) {
        this.stats.errors++;
        throw err;
      } finally {
        this.lastRequestEnd = monotonicMs();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async pace(minQuietMs = 0): Promise<void> {
    const wait = this.lastRequestEnd + Math.max(this.pauseMs, minQuietMs) - monotonicMs();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  private async releaseForeign(): Promise<void> {
    const release = this.foreignRelease;
    this.foreignRelease = undefined;
    if (release) await release();
  }

  private async execute(unit: number, table: RegisterTable, address: number, count: number, timeoutMs: number): Promise<number[]> {
    if (this.closed) throw new SunshareError('MODBUS_READ_FAILED', `line ${this.name} is closed`);
    await this.pace(this.foreignRelease ? PROTOCOL_SWITCH_QUIET_MS : 0);
    this.stats.requests++;
    try {
      await this.releaseForeign();
      const client = await this.open();
      client.setID(unit);
      client.setTimeout(timeoutMs);
      const res = table === 'holding' ? await client.readHoldingRegisters(address, count) : await client.readInputRegisters(address, count);
      // modbus-serial trusts the reply's byte count: a wrong one yields too many registers or bytes read past the data.
      if (res.data.length !== count || res.buffer.length !== count * 2) throw new SunshareError('MODBUS_READ_FAILED', `reply has ${res.buffer.length} data bytes, expected ${count * 2}`);
      return res.data;
    } catch (err) {
      this.stats.errors++;
      const code = (err as { modbusCode?: number }).modbusCode;
      if (typeof code === 'number') throw new ModbusException(code, `unit ${unit}: Modbus exception ${code} (${EXCEPTION_NAMES[code] ?? 'unknown'}) reading ${count} at ${address}`);
      this.drop();
      throw new SunshareError('MODBUS_READ_FAILED', `unit ${unit} on ${this.name}: ${(err as Error).message} reading ${count} at ${address}`, { cause: err });
    } finally {
      this.lastRequestEnd = monotonicMs();
    }
  }

  private open(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return Promise.resolve(this.client);
    this.opening ??= this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connect(): Promise<ModbusRTU> {
    this.drop();
    const client = new ModbusClient();
    this.stats.opens++;
    const t = this.target;
    if (t.transport === 'tcp') await client.connectTCP(t.host, { port: t.port, timeout: this.connectTimeoutMs });
    else await client.connectRTUBuffered(t.path, { baudRate: t.baudRate, parity: t.parity, dataBits: t.dataBits, stopBits: t.stopBits });
    if (this.connectDelayMs > 0) await new Promise((r) => setTimeout(r, this.connectDelayMs));
    this.client = client;
    this.log.debug({ line: this.name }, 'modbus line opened');
    return client;
  }

  private drop(): void {
    void this.dropAndWait();
  }

  /** Closes the Modbus client's port; resolves once it is closed (a serial port can then be opened again). */
  private dropAndWait(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return Promise.resolve();
    return new Promise<void>((resolve) => {
      try {
        c.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.releaseForeign().catch(() => undefined);
    await this.dropAndWait();
  }
}
