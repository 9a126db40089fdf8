import { SunshareError } from '../../errors.ts';

/**
 * DL/T 645-2007 values: packed BCD (two decimal digits a byte), least significant byte first on the
 * wire, every data byte sent +0x33 (and taken -0x33 on receipt). Signed quantities (power, current,
 * power factor) carry their sign in the top bit of the most significant byte.
 */

/** A value format as the standard writes it: `XXXXXX.XX` = 8 digits, 2 after the point, 4 bytes. */
export interface BcdFormat {
  bytes: number;
  decimals: number;
  signed: boolean;
}

const FORMAT = /^(X+)(?:\.(X+))?$/;

/** Parses `XXX.XXX` into bytes and decimals; the digit count must be even (whole bytes). */
export function parseBcdFormat(format: string, signed = false): BcdFormat {
  const m = FORMAT.exec(format);
  const digits = m ? m[1]!.length + (m[2]?.length ?? 0) : 0;
  if (!m || digits % 2 !== 0 || digits === 0 || digits > 16) {
    throw new SunshareError('DEVICE_MAP_INVALID', `DL/T 645 format "${format}" is not X digits with an optional point, an even number of them (whole bytes), at most 16`);
  }
  return { bytes: digits / 2, decimals: m[2]?.length ?? 0, signed };
}

/** Unsigned packed BCD, least significant byte first. */
export function encodeBcd(value: number, bytes: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value >= 10 ** (2 * bytes)) {
    throw new SunshareError('DLT645_VALUE_INVALID', `${value} does not fit ${bytes} BCD byte(s) (${2 * bytes} decimal digits)`);
  }
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    const two = v % 100;
    out[i] = ((two / 10) | 0) * 16 + (two % 10);
    v = Math.floor(v / 100);
  }
  return out;
}

/** The number a packed BCD field (least significant byte first) holds, or a DLT645_VALUE_INVALID naming the byte. */
export function decodeBcd(bytes: Uint8Array): number {
  let v = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i]!;
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) throw new SunshareError('DLT645_VALUE_INVALID', `byte ${i} (0x${hex(b)}) of ${hexBytes(bytes)} is not BCD`);
    v = v * 100 + hi * 10 + lo;
  }
  return v;
}

/** A value in a format: BCD of round(|value| x 10^decimals), sign in the top bit when the format is signed. */
export function encodeValue(value: number, f: BcdFormat): Uint8Array {
  const scaled = Math.round(Math.abs(value) * 10 ** f.decimals);
  // the largest magnitude the field holds (signed: the top digit is at most 7, its top bit is the sign)
  const limit = f.signed ? 8 * 10 ** (2 * f.bytes - 1) - 1 : 10 ** (2 * f.bytes) - 1;
  const out = encodeBcd(Math.min(scaled, limit), f.bytes);
  if (f.signed && value < 0 && scaled > 0) out[f.bytes - 1]! |= 0x80;
  return out;
}

/** The value of a field in a format (the sign bit cleared and applied for signed formats). */
export function decodeValue(bytes: Uint8Array, f: BcdFormat): number {
  if (bytes.length !== f.bytes) throw new SunshareError('DLT645_VALUE_INVALID', `${hexBytes(bytes)}: ${bytes.length} byte(s), the format needs ${f.bytes}`);
  let negative = false;
  let b = bytes;
  if (f.signed && (bytes[bytes.length - 1]! & 0x80) !== 0) {
    negative = true;
    b = Uint8Array.from(bytes);
    b[b.length - 1]! &= 0x7f;
  }
  const v = decodeBcd(b) / 10 ** f.decimals;
  return negative ? -v : v;
}

/** Adds 0x33 to each byte (what the sender does to the data field). */
export const scramble = (data: Uint8Array): Uint8Array => data.map((b) => (b + 0x33) & 0xff);
/** Takes 0x33 from each byte (what the receiver does). */
export const unscramble = (data: Uint8Array): Uint8Array => data.map((b) => (b - 0x33) & 0xff);

/** A data identifier `DI3DI2DI1DI0` (8 hex digits, as the standard prints it) as sent: DI0 first. */
export function diBytes(di: string): Uint8Array {
  if (!/^[0-9A-Fa-f]{8}$/.test(di)) throw new SunshareError('DLT645_VALUE_INVALID', `data identifier "${di}" is not 8 hex digits (DI3 DI2 DI1 DI0)`);
  return Uint8Array.from([6, 4, 2, 0].map((i) => parseInt(di.slice(i, i + 2), 16)));
}

export const diString = (bytes: Uint8Array): string => [...bytes].reverse().map(hex).join('');

export const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');
export const hexBytes = (bytes: Uint8Array): string => [...bytes].map(hex).join(' ');
