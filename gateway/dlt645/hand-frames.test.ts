import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { socatAvailable, startPtyPair, type PtyPair } from '../../common/testing/index.ts';
import { parseGatewayConfig } from '../config.ts';
import { DevicePoller } from '../device-poller.ts';
import { ModbusLine } from '../modbus/line.ts';
import { Dlt645Client } from './client.ts';
import { Dlt645Port } from './port.ts';
import { Dlt645Reader } from './reader.ts';

/**
 * The gateway's client over a pty against a scripted "meter" that checks each request against
 * bytes worked out by hand from DL/T 645-2007 and answers with hand-made bytes (no code of the
 * module under test makes either). The arithmetic is in the comments.
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// read 02010100 (phase A voltage) at 000000123456: address 56 34 12 00 00 00; DI 00 01 01 02 +33 = 33 34 34 35
// CS = 68+56+34+12+00+00+00+68 (364) + 11 (17) + 04 + (51+52+52+53 = 208) = 593 = 2 x 256 + 81 -> 51
const READ_VOLTAGE = 'FE FE FE FE 68 56 34 12 00 00 00 68 11 04 33 34 34 35 51 16';
// reply 220.5 V: 2205 -> 05 22 +33 -> 38 55; CS = 364 + 145 + 6 + 208 + 141 = 864 = 3 x 256 + 96 -> 60
const VOLTAGE_REPLY = '68 56 34 12 00 00 00 68 91 06 33 34 34 35 38 55 60 16';

describe.skipIf(!socatAvailable())('DL/T 645 client against hand-made frames over a pty', () => {
  let pty: PtyPair;
  let meter: SerialPort;
  let line: ModbusLine;
  let client: Dlt645Client;
  let answer: (request: Buffer) => Buffer | undefined = () => undefined;
  let received = Buffer.alloc(0);

  beforeAll(async () => {
    pty = await startPtyPair();
    meter = new SerialPort({ path: pty.a, baudRate: 2400, parity: 'even', autoOpen: false });
    await new Promise<void>((resolve, reject) => meter.open((err) => (err ? reject(err) : resolve())));
    meter.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (received.length >= hex(READ_VOLTAGE).length) {
        const reply = answer(received);
        received = Buffer.alloc(0);
        if (reply) meter.write(reply);
      }
    });
    const settings = { baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 } as const;
    line = new ModbusLine(`rtu:${pty.b}`, { transport: 'rtu', path: pty.b, ...settings }, 0, silentLogger);
    client = new Dlt645Client(line, new Dlt645Port(pty.b, settings, 4));
  });
  afterAll(async () => {
    await line?.close();
    await new Promise<void>((r) => (meter?.isOpen ? meter.close(() => r()) : r()));
    await pty?.close();
  });

  it('sends exactly the hand-made request and decodes the hand-made reply', async () => {
    let got: Buffer | undefined;
    answer = (req) => {
      got = req;
      return hex(VOLTAGE_REPLY);
    };
    expect([...(await client.readData('000000123456', '02010100', 1000))]).toEqual([0x05, 0x22]);
    expect(got).toEqual(hex(READ_VOLTAGE));
  });

  it('takes the good frame after noise, a preamble and a damaged frame', async () => {
    const damaged = hex(VOLTAGE_REPLY);
    damaged[damaged.length - 2] = 0x00; // checksum wrong
    answer = () => Buffer.concat([hex('00 13 FE FE'), damaged, hex('FE FE FE FE'), hex(VOLTAGE_REPLY)]);
    expect([...(await client.readData('000000123456', '02010100', 1000))]).toEqual([0x05, 0x22]);
  });

  it('only damaged frames: DLT645_BAD_FRAME saying what was wrong', async () => {
    const damaged = hex(VOLTAGE_REPLY);
    damaged[damaged.length - 2] = 0x00;
    answer = () => damaged;
    const err = await failure(client.readData('000000123456', '02010100', 300));
    expect(err.code).toBe('DLT645_BAD_FRAME');
    expect(err.message).toContain('checksum 00, computed 60');
  });

  it('a value that is not BCD is left out, flagged, counted and named; the device stays healthy', async () => {
    // phase A voltage FF FF (not BCD): +33 -> 32 32; CS = 364 + 145 + 6 + 208 + (50+50 = 100) = 823 = 3 x 256 + 55 -> 37
    answer = () => hex('68 56 34 12 00 00 00 68 91 06 33 34 34 35 32 32 37 16');
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-645map-'));
    try {
      const mapFile = join(dir, 'one-point.yaml');
      writeFileSync(mapFile, 'id: one-point\nprotocol: dlt645-2007\nmanufacturer: test\ndescription: one point\nkind: meter\npoints:\n  - { name: VoltageA, di: "02010100", format: "XXX.X", units: V, field: ac_voltage_v }\n');
      const cfg = parseGatewayConfig({ site: 's', gateway: 'g', mqtt: { url: 'mqtt://127.0.0.1:1' }, spool: { dir }, devices: [{ id: 'm', protocol: 'dlt645', transport: 'rtu', path: pty.b, profile: mapFile, dlt645: { address: '000000123456' } }] });
      const reader = new Dlt645Reader(client, mapFile, { address: '000000123456', timeoutMs: 1000, reversed: false });
      const poller = new DevicePoller(cfg.devices[0]!, reader, { pollIntervalMs: 1000, backoffMaxMs: 1000, stamp: () => Date.now() }, silentLogger);
      const r = await poller.poll();
      expect(r).toBeDefined();
      expect(r).not.toHaveProperty('ac_voltage_v');
      expect(r!.quality).toEqual(['not_finite']);
      expect(poller.counters.rejectedValues).toBe(1);
      expect(poller.health()).toMatchObject({ ok: true, lastError: 'values left out: VoltageA (DI 02010100): byte 1 (0xFF) of FF FF is not BCD' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a tariff counter: reverse active energy, tariff 3 (00020300), 1234.56 kWh, feeds export_energy_wh_t3', async () => {
    // read 00020300 at 000000123456: DI 00 03 02 00 +33 = 33 36 35 33 (209); CS = 364 + 17 + 4 + 209 = 594 = 2 x 256 + 82 -> 52
    const request = 'FE FE FE FE 68 56 34 12 00 00 00 68 11 04 33 36 35 33 52 16';
    // reply XXXXXX.XX: 123456 -> 00 12 34 56, least significant byte first 56 34 12 00, +33 -> 89 67 45 33 (360);
    // CS = 364 + 145 (91) + 8 + 209 + 360 = 1086 = 4 x 256 + 62 -> 3E
    const reply = '68 56 34 12 00 00 00 68 91 08 33 36 35 33 89 67 45 33 3E 16';
    let got: Buffer | undefined;
    answer = (req) => {
      got = req;
      return hex(reply);
    };
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-645map-'));
    try {
      const mapFile = join(dir, 'tariff.yaml');
      writeFileSync(mapFile, 'id: tariff\nprotocol: dlt645-2007\nmanufacturer: test\ndescription: one tariff counter\nkind: meter\npoints:\n  - { name: ReverseActiveT3, di: "00020300", format: "XXXXXX.XX", units: kWh, field: export_energy_wh_t3 }\n');
      const d = await new Dlt645Reader(client, mapFile, { address: '000000123456', timeoutMs: 1000, reversed: false }).read();
      expect(got).toEqual(hex(request));
      expect(d.values).toEqual({ export_energy_wh_t3: 1_234_560 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reply for another data identifier is not taken for the answer', async () => {
    // 02010200 (phase B): DI 00 02 01 02 +33 = 33 35 34 35 (209); CS = 364 + 145 + 6 + 209 + 141 = 865 -> 61
    answer = () => hex('68 56 34 12 00 00 00 68 91 06 33 35 34 35 38 55 61 16');
    const err = await failure(client.readData('000000123456', '02010100', 300));
    expect(err.code).toBe('DLT645_BAD_FRAME');
    expect(err.message).toContain('the reply is for DI 02010200');
  });
});

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code: string };
  }
  throw new Error('expected a rejection');
}
