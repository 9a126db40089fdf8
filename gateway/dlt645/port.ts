import { SerialPort } from 'serialport';
import { encodeFrame, parseFrame, type Frame } from '../../common/devices/index.ts';
import { SunshareError } from '../../common/errors.ts';

export interface SerialSettings {
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

/** A frame that did not parse (noise, a collision): what was wrong, for the error when no good reply follows. */
type Rejected = string;

/**
 * The serial port of one RS-485 line while DL/T 645 has it: opened on first use with the meters'
 * settings (2400 8E1 by default), kept open across DL/T 645 exchanges, closed by release() when
 * the line's Modbus devices need the port (or after a timeout, so a late reply cannot be taken for
 * the answer to the next request).
 */
export class Dlt645Port {
  private port: SerialPort | undefined;
  private rx = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  opens = 0;

  readonly path: string;
  private readonly settings: SerialSettings;
  private readonly preamble: number;

  constructor(path: string, settings: SerialSettings, preamble: number) {
    this.path = path;
    this.settings = settings;
    this.preamble = preamble;
  }

  private async open(): Promise<SerialPort> {
    if (this.port?.isOpen) return this.port;
    const port = new SerialPort({ path: this.path, ...this.settings, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new SunshareError('DLT645_TIMEOUT', `cannot open ${this.path} for DL/T 645: ${err.message}`, { cause: err })) : resolve())),
    );
    port.on('data', (d: Buffer) => {
      this.rx = Buffer.concat([this.rx, d]);
      this.waiter?.();
    });
    port.on('error', () => undefined); // surfaced as a timeout of the exchange in progress
    this.port = port;
    this.opens++;
    return port;
  }

  /**
   * Sends `request` (after the wake-up preamble) and resolves with the first well-formed frame
   * `accept` takes (echoes of our own request and replies to someone else are passed over). No such
   * frame within `timeoutMs`: DLT645_TIMEOUT, or DLT645_BAD_FRAME when only damaged frames came.
   */
  async exchange(request: Frame, timeoutMs: number, accept: (f: Frame) => boolean): Promise<Frame> {
    const port = await this.open();
    this.rx = Buffer.alloc(0);
    const rejected: Rejected[] = [];
    const deadline = performance.now() + timeoutMs;
    await new Promise<void>((resolve, reject) => port.write(encodeFrame(request, this.preamble), (err) => (err ? reject(err) : resolve())));
    try {
      for (;;) {
        const r = parseFrame(this.rx);
        if (r.kind === 'frame') {
          this.rx = this.rx.subarray(r.end);
          if (accept(r.frame)) return r.frame;
          continue;
        }
        if (r.kind === 'invalid') {
          if (!r.reason.startsWith('no frame start')) rejected.push(r.reason); // noise between frames is no damaged frame
          this.rx = this.rx.subarray(r.skip);
          continue;
        }
        const left = deadline - performance.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          this.waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.waiter = undefined;
      }
    } finally {
      this.waiter = undefined;
    }
    await this.release();
    if (rejected.length > 0) throw new SunshareError('DLT645_BAD_FRAME', `no valid reply within ${timeoutMs} ms, only damaged frames (${rejected.slice(0, 3).join('; ')})`);
    throw new SunshareError('DLT645_TIMEOUT', `no reply within ${timeoutMs} ms`);
  }

  /** Closes the port (the Modbus client, or a fresh DL/T 645 open, takes it next). */
  release = async (): Promise<void> => {
    const port = this.port;
    this.port = undefined;
    this.rx = Buffer.alloc(0);
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  };
}
