import { describe, expect, it } from 'vitest';
import { addressBytes, addressString, BROADCAST_ADDRESS } from './address.ts';
import { decodeBcd, decodeValue, diBytes, encodeBcd, encodeValue, parseBcdFormat } from './bcd.ts';
import { CONTROL, encodeFrame, errorStatusText, parseFrame, type Frame } from './frame.ts';

/**
 * Fixtures worked out by hand from DL/T 645-2007's definitions (frame layout, +0x33, BCD least
 * significant byte first, CS = sum mod 256 from the first 68 through the data), NOT produced by
 * this module. Each comment shows the arithmetic. The first two are also published walk-throughs
 * of the standard (the read of 00010000 at address 000102030425, and the broadcast read-address
 * frame ending DF 16).
 */
const bytes = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const F = {
  // read 00010000 (forward active total) at 000102030425, with the 4-byte FE preamble:
  // address LSB first 25 04 03 02 01 00; DI0..DI3 = 00 00 01 00, +33 -> 33 33 34 33
  // CS = 68+25+04+03+02+01+00+68+11+04+33+33+34+33 = 104+37+4+3+2+1+0+104+17+4+51+51+52+51 = 481 = 0x1E1 -> E1
  readForwardRequest: 'FE FE FE FE 68 25 04 03 02 01 00 68 11 04 33 33 34 33 E1 16',
  // its reply: C = 91, L = 8, DI 33 33 34 33, value 1206.42 kWh = 00120642 -> LSB first 42 06 12 00, +33 -> 75 39 45 33
  // CS = 255 (68 + address + 68) + 0x91 (145) + 8 + 205 (DI) + 117+57+69+51 (294) = 907 = 3 x 256 + 139 -> 8B
  readForwardReply: '68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16',
  // broadcast read address: 68 AA x6 68 13 00; CS = 2 x 104 + 6 x 170 + 19 + 0 = 1247 = 4 x 256 + 223 -> DF
  readAddressRequest: 'FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16',
  // the meter 000102030425 answers 93, L = 6, its address LSB first +33: 58 37 36 35 34 33
  // CS = 255 + 147 + 6 + (88+55+54+53+52+51 = 353) = 761 = 2 x 256 + 249 -> F9
  readAddressReply: '68 25 04 03 02 01 00 68 93 06 58 37 36 35 34 33 F9 16',
  // meter 000000123456 (LSB first 56 34 12 00 00 00; 68+addr+68 = 208 + 86+52+18 = 364)
  // phase A voltage 02010100 -> DI0..3 00 01 01 02 +33 = 33 34 34 35; 220.5 V (XXX.X) = 2205 -> 05 22 +33 = 38 55
  // CS = 364 + 145 + 6 + (51+52+52+53 = 208) + (56+85 = 141) = 864 = 3 x 256 + 96 -> 60
  voltageReply: '68 56 34 12 00 00 00 68 91 06 33 34 34 35 38 55 60 16',
  // total active power 02030000 -> 00 00 03 02 +33 = 33 33 36 35; -12.3456 kW (XX.XXXX, signed) = 123456 -> 56 34 12,
  // sign bit on the most significant byte 12 | 80 = 92; +33 -> 89 67 C5
  // CS = 364 + 145 + 7 + (51+51+54+53 = 209) + (137+103+197 = 437) = 1162 = 4 x 256 + 138 -> 8A
  exportPowerReply: '68 56 34 12 00 00 00 68 91 07 33 33 36 35 89 67 C5 8A 16',
  // phase A current 02020100 -> 00 01 02 02 +33 = 33 34 35 35; 52.345 A (XXX.XXX) = 052345 -> 45 23 05 +33 = 78 56 38
  // CS = 364 + 145 + 7 + (51+52+53+53 = 209) + (120+86+56 = 262) = 987 = 3 x 256 + 219 -> DB
  currentReply: '68 56 34 12 00 00 00 68 91 07 33 34 35 35 78 56 38 DB 16',
  // error reply: C = D1 (reply + error + read), L = 1, status 02 (no requested data) +33 = 35
  // CS = 364 + 209 + 1 + 53 = 627 = 2 x 256 + 115 -> 73
  errorReply: '68 56 34 12 00 00 00 68 D1 01 35 73 16',
  // read 00020000 (reverse active total) at 000000123456, no preamble: DI 00 00 02 00 +33 = 33 33 35 33
  // CS = 364 + 17 + 4 + (51+51+53+51 = 206) = 591 = 2 x 256 + 79 -> 4F
  readReverseRequest: '68 56 34 12 00 00 00 68 11 04 33 33 35 33 4F 16',
};

const parsed = (hex: string): Frame => {
  const r = parseFrame(bytes(hex));
  if (r.kind !== 'frame') throw new Error(`not a frame: ${JSON.stringify(r)}`);
  return r.frame;
};

describe('DL/T 645-2007 frames, against frames worked out by hand', () => {
  it('encodes read-data requests with the preamble, +33 data and the checksum', () => {
    expect(encodeFrame({ address: '000102030425', control: CONTROL.readData, data: diBytes('00010000') }, 4)).toEqual(bytes(F.readForwardRequest));
    expect(encodeFrame({ address: '000000123456', control: CONTROL.readData, data: diBytes('00020000') })).toEqual(bytes(F.readReverseRequest));
  });

  it('encodes the broadcast read-address request', () => {
    expect(encodeFrame({ address: BROADCAST_ADDRESS, control: CONTROL.readAddress, data: new Uint8Array() }, 4)).toEqual(bytes(F.readAddressRequest));
  });

  it('decodes a normal reply: address, control, DI and the value in its format', () => {
    const f = parsed(F.readForwardReply);
    expect(f).toMatchObject({ address: '000102030425', control: 0x91 });
    expect([...f.data.subarray(0, 4)]).toEqual([...diBytes('00010000')]);
    expect(decodeValue(f.data.subarray(4), parseBcdFormat('XXXXXX.XX'))).toBeCloseTo(1206.42, 10);
  });

  it('decodes the read-address reply (the address is in the data too)', () => {
    const f = parsed(F.readAddressReply);
    expect(f.control).toBe(0x93);
    expect(addressString(f.data)).toBe('000102030425');
    expect(f.address).toBe('000102030425');
  });

  it('decodes voltage, signed power and current in their formats', () => {
    expect(decodeValue(parsed(F.voltageReply).data.subarray(4), parseBcdFormat('XXX.X'))).toBeCloseTo(220.5, 10);
    expect(decodeValue(parsed(F.exportPowerReply).data.subarray(4), parseBcdFormat('XX.XXXX', true))).toBeCloseTo(-12.3456, 10);
    expect(decodeValue(parsed(F.currentReply).data.subarray(4), parseBcdFormat('XXX.XXX', true))).toBeCloseTo(52.345, 10);
  });

  it('encodes the same replies byte for byte (what the simulated meter sends)', () => {
    const reply = (address: string, di: string, value: Uint8Array) => encodeFrame({ address, control: 0x91, data: Uint8Array.from([...diBytes(di), ...value]) });
    expect(reply('000102030425', '00010000', encodeValue(1206.42, parseBcdFormat('XXXXXX.XX')))).toEqual(bytes(F.readForwardReply));
    expect(reply('000000123456', '02010100', encodeValue(220.5, parseBcdFormat('XXX.X')))).toEqual(bytes(F.voltageReply));
    expect(reply('000000123456', '02030000', encodeValue(-12.3456, parseBcdFormat('XX.XXXX', true)))).toEqual(bytes(F.exportPowerReply));
    expect(reply('000000123456', '02020100', encodeValue(52.345, parseBcdFormat('XXX.XXX', true)))).toEqual(bytes(F.currentReply));
    expect(encodeFrame({ address: '000000123456', control: 0xd1, data: Uint8Array.of(0x02) })).toEqual(bytes(F.errorReply));
  });

  it('decodes an error reply and names its status bits', () => {
    const f = parsed(F.errorReply);
    expect(f.control).toBe(0xd1);
    expect([...f.data]).toEqual([0x02]);
    expect(errorStatusText(f.data[0]!)).toBe('no requested data');
    expect(errorStatusText(0x05)).toBe('other error, password wrong or not authorized');
  });

  it('skips the preamble and noise before the frame, and waits for a frame still arriving', () => {
    const withNoise = Buffer.concat([bytes('00 FE FE FE'), bytes(F.voltageReply), bytes('FE')]);
    const r = parseFrame(withNoise);
    expect(r).toMatchObject({ kind: 'frame', end: 4 + bytes(F.voltageReply).length });
    expect(parseFrame(bytes(F.voltageReply).subarray(0, 15))).toEqual({ kind: 'incomplete' });
    expect(parseFrame(bytes('FE FE'))).toMatchObject({ kind: 'invalid', skip: 2 });
  });

  it('rejects a wrong checksum, a missing second 68 and a wrong end byte, saying which', () => {
    const badCs = bytes(F.voltageReply);
    badCs[badCs.length - 2] = 0x61;
    expect(parseFrame(badCs)).toEqual({ kind: 'invalid', skip: 1, reason: 'checksum 61, computed 60' });
    const no68 = bytes(F.voltageReply);
    no68[7] = 0x00;
    expect(parseFrame(no68)).toEqual({ kind: 'invalid', skip: 1, reason: 'byte 7 of the frame is 00, not the second 68' });
    const badEnd = bytes(F.voltageReply);
    badEnd[badEnd.length - 1] = 0x17;
    expect(parseFrame(badEnd)).toMatchObject({ kind: 'invalid', reason: 'frame ends with 17, not 16' });
  });
});

describe('BCD and addresses', () => {
  it('packs two digits a byte, least significant byte first', () => {
    expect([...encodeBcd(120642, 4)]).toEqual([0x42, 0x06, 0x12, 0x00]);
    expect(decodeBcd(Uint8Array.of(0x42, 0x06, 0x12, 0x00))).toBe(120642);
    expect([...addressBytes('000000123456')]).toEqual([0x56, 0x34, 0x12, 0, 0, 0]);
    expect([...diBytes('02010100')]).toEqual([0x00, 0x01, 0x01, 0x02]);
  });

  it('names the byte that is not BCD, values that do not fit, and malformed addresses', () => {
    expect(() => decodeBcd(Uint8Array.of(0x12, 0xff))).toThrow('byte 1 (0xFF) of 12 FF is not BCD');
    expect(() => encodeBcd(1_000_000, 3)).toThrow('does not fit 3 BCD byte(s)');
    expect(() => addressBytes('12345')).toThrow('meter address "12345" is not 12 decimal digits');
    expect(() => parseBcdFormat('XXX.XX')).toThrow('even number');
  });

  it('clamps what a signed field cannot hold below its sign bit (simulator side)', () => {
    expect([...encodeValue(99.9999, parseBcdFormat('XX.XXXX', true))]).toEqual([0x99, 0x99, 0x79]);
  });
});
