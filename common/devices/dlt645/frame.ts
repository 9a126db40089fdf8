import { addressBytes, addressString } from './address.ts';
import { hex, scramble, unscramble } from './bcd.ts';

/**
 * DL/T 645-2007 link-layer frames:
 *
 *   [FE x n] 68 A0..A5 68 C L DATA CS 16
 *
 * A0..A5: the address, BCD, least significant byte first. C: control code (bit 7 = sent by the
 * meter, bit 6 = error reply, bit 5 = more frames follow, bits 0-4 = function). L: length of DATA.
 * DATA: each byte +0x33 on the wire. CS: the sum, modulo 256, of every byte from the first 68
 * through the last DATA byte. The FE bytes are a wake-up preamble (usually four) a meter's receiver
 * may need; they are not part of the frame or its checksum.
 */

export const CONTROL = {
  /** Read data by identifier: DATA = DI0..DI3. */
  readData: 0x11,
  /** Read the communication address (to AAAAAAAAAAAA): no DATA. */
  readAddress: 0x13,
} as const;
export const REPLY_BIT = 0x80;
export const ERROR_BIT = 0x40;
export const MORE_BIT = 0x20;
export const PREAMBLE = 0xfe;
export const DEFAULT_PREAMBLE_BYTES = 4;
const START = 0x68;
const END = 0x16;
/** Bytes of a frame besides DATA: 68, 6 address bytes, 68, C, L, CS, 16. */
export const FRAME_OVERHEAD = 12;

/** A frame with its DATA as meant (the +0x33 already taken off). */
export interface Frame {
  /** 12 characters, most significant first, e.g. 000000123456 or AAAAAAAAAAAA. */
  address: string;
  control: number;
  data: Uint8Array;
}

export const checksum = (bytes: Uint8Array): number => bytes.reduce((s, b) => (s + b) & 0xff, 0);

/** The bytes of a frame as sent, after `preamble` wake-up bytes (FE). */
export function encodeFrame(f: Frame, preamble = 0): Buffer {
  const body = Buffer.concat([Buffer.from([START]), addressBytes(f.address), Buffer.from([START, f.control, f.data.length]), scramble(f.data)]);
  return Buffer.concat([Buffer.alloc(preamble, PREAMBLE), body, Buffer.from([checksum(body), END])]);
}

export type Parsed =
  /** A whole frame; `end` = bytes of the buffer it used up (including any preamble or noise before it). */
  | { kind: 'frame'; frame: Frame; end: number }
  /** No whole frame yet: wait for more bytes. */
  | { kind: 'incomplete' }
  /** Bytes that cannot start a valid frame: drop `skip` bytes and look again. */
  | { kind: 'invalid'; skip: number; reason: string };

/**
 * Finds the first frame in `buf`. Preamble bytes and noise before a 68 are skipped; a 68 that does
 * not begin a well-formed frame (second 68, checksum, end byte) is reported with what is wrong, so
 * the caller can drop one byte and look for the next 68.
 */
export function parseFrame(buf: Uint8Array): Parsed {
  const start = buf.indexOf(START);
  if (start < 0) return buf.length > 0 ? { kind: 'invalid', skip: buf.length, reason: `no frame start (68) in ${buf.length} byte(s)` } : { kind: 'incomplete' };
  if (buf.length < start + 10) return { kind: 'incomplete' };
  if (buf[start + 7] !== START) return { kind: 'invalid', skip: start + 1, reason: `byte 7 of the frame is ${hex(buf[start + 7]!)}, not the second 68` };
  const len = buf[start + 9]!;
  const total = FRAME_OVERHEAD + len;
  if (buf.length < start + total) return { kind: 'incomplete' };
  const cs = checksum(buf.subarray(start, start + 10 + len));
  if (buf[start + 10 + len] !== cs) return { kind: 'invalid', skip: start + 1, reason: `checksum ${hex(buf[start + 10 + len]!)}, computed ${hex(cs)}` };
  if (buf[start + total - 1] !== END) return { kind: 'invalid', skip: start + 1, reason: `frame ends with ${hex(buf[start + total - 1]!)}, not 16` };
  return {
    kind: 'frame',
    end: start + total,
    frame: { address: addressString(buf.subarray(start + 1, start + 7)), control: buf[start + 8]!, data: unscramble(buf.subarray(start + 10, start + 10 + len)) },
  };
}

/** Bits of the error status byte (DATA of a reply with the error bit set). */
export const ERROR_STATUS_BITS = ['other error', 'no requested data', 'password wrong or not authorized', 'baud rate cannot be changed', 'too many year time zones', 'too many day periods', 'too many tariffs'] as const;
/** Bit 1: the meter does not have this data identifier. */
export const NO_REQUESTED_DATA = 0x02;

export function errorStatusText(status: number): string {
  const set = ERROR_STATUS_BITS.filter((_, i) => (status & (1 << i)) !== 0);
  return set.length > 0 ? set.join(', ') : `error status 0x${hex(status)}`;
}

/** Bytes on the wire for one frame with `dataBytes` of DATA and `preamble` wake-up bytes. */
export const frameBytes = (dataBytes: number, preamble = 0): number => preamble + FRAME_OVERHEAD + dataBytes;
