import type { RegisterType } from './schema.ts';

/**
 * Words (16-bit register values, 0..65535) <-> values, for every register type
 * in the maps. The simulator encodes with it, the gateway decodes with it.
 */

export type WordOrder = 'big' | 'little';
export interface CodecOptions {
  /** 32-bit values: big = high word first (SunSpec, Huawei), little = low word first (Sungrow). */
  wordOrder?: WordOrder;
  /** Registers, for strings (and pads). */
  size?: number;
}

const WIDTH: Record<RegisterType, number> = {
  int16: 1,
  uint16: 1,
  acc16: 1,
  enum16: 1,
  bitfield16: 1,
  sunssf: 1,
  count: 1,
  pad: 1,
  int32: 2,
  uint32: 2,
  acc32: 2,
  bitfield32: 2,
  float32: 2,
  string: 0,
};

/** Registers a value of this type takes. */
export function registerCount(type: RegisterType, size?: number): number {
  if (type === 'string' || type === 'pad') return size ?? 1;
  return WIDTH[type];
}

/**
 * SunSpec's "not implemented" value per type, as the unsigned raw value
 * (strings: all NUL). acc16/acc32 use 0, which SunSpec also calls "not
 * accumulated": a counter that was just reset to 0 reads as not implemented.
 */
export const NOT_IMPLEMENTED_RAW: Partial<Record<RegisterType, number>> = {
  int16: 0x8000,
  uint16: 0xffff,
  acc16: 0,
  enum16: 0xffff,
  bitfield16: 0xffff,
  sunssf: 0x8000,
  pad: 0x8000,
  int32: 0x80000000,
  uint32: 0xffffffff,
  acc32: 0,
  bitfield32: 0xffffffff,
  float32: 0x7fc00000,
};

/** The words a device sends for a point it does not implement. */
export function notImplementedWords(type: RegisterType, opts: CodecOptions = {}): number[] {
  if (type === 'string') return new Array<number>(registerCount(type, opts.size)).fill(0);
  const raw = NOT_IMPLEMENTED_RAW[type];
  if (raw === undefined) throw new RangeError(`type ${type} has no not-implemented value`);
  return rawToWords(raw, registerCount(type, opts.size), opts.wordOrder);
}

/** True when the words are the SunSpec not-implemented marker for the type (NaN for float32). */
export function isNotImplemented(type: RegisterType, words: readonly number[], opts: CodecOptions = {}): boolean {
  if (type === 'string') return words.every((w) => w === 0);
  if (type === 'float32') return Number.isNaN(decode('float32', words, opts));
  const raw = NOT_IMPLEMENTED_RAW[type];
  if (raw === undefined) return false;
  return wordsToRaw(words, registerCount(type), opts.wordOrder) === raw;
}

/** Unsigned raw value of 1 or 2 words. */
export function wordsToRaw(words: readonly number[], count: number, order: WordOrder = 'big'): number {
  if (words.length < count) throw new RangeError(`need ${count} register(s), got ${words.length}`);
  if (count === 1) return words[0]! & 0xffff;
  const [a, b] = order === 'big' ? [words[0]!, words[1]!] : [words[1]!, words[0]!];
  return ((a & 0xffff) * 0x10000 + (b & 0xffff)) >>> 0;
}

function rawToWords(raw: number, count: number, order: WordOrder = 'big'): number[] {
  if (count === 1) return [raw & 0xffff];
  const hi = Math.floor(raw / 0x10000) & 0xffff;
  const lo = raw & 0xffff;
  return order === 'big' ? [hi, lo] : [lo, hi];
}

function checkInteger(type: RegisterType, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${type} cannot hold ${value} (integers ${min}..${max})`);
  }
}

/**
 * Encodes a value into words. Integers must fit the type; accumulators
 * (acc16/acc32) wrap around as a real counter does.
 */
export function encode(type: RegisterType, value: number | string, opts: CodecOptions = {}): number[] {
  const order = opts.wordOrder ?? 'big';
  if (type === 'string') {
    const size = registerCount(type, opts.size);
    const bytes = Buffer.alloc(size * 2);
    const text = Buffer.from(String(value), 'utf8');
    if (text.length > bytes.length) throw new RangeError(`string "${String(value)}" needs ${text.length} bytes, ${size} registers hold ${bytes.length}`);
    text.copy(bytes);
    return Array.from({ length: size }, (_, i) => bytes.readUInt16BE(i * 2));
  }
  if (typeof value !== 'number') throw new TypeError(`${type} needs a number, got ${typeof value}`);
  switch (type) {
    case 'int16':
    case 'sunssf':
      checkInteger(type, value, -0x8000, 0x7fff);
      return [value & 0xffff];
    case 'uint16':
    case 'enum16':
    case 'bitfield16':
    case 'count':
    case 'pad':
      checkInteger(type, value, 0, 0xffff);
      return [value];
    case 'acc16':
      checkInteger(type, value, 0, Number.MAX_SAFE_INTEGER);
      return [value % 0x10000];
    case 'int32':
      checkInteger(type, value, -0x80000000, 0x7fffffff);
      return rawToWords(value >>> 0, 2, order);
    case 'uint32':
    case 'bitfield32':
      checkInteger(type, value, 0, 0xffffffff);
      return rawToWords(value, 2, order);
    case 'acc32':
      checkInteger(type, value, 0, Number.MAX_SAFE_INTEGER);
      return rawToWords(value % 0x100000000, 2, order);
    case 'float32': {
      const buf = Buffer.alloc(4);
      buf.writeFloatBE(value);
      return rawToWords(buf.readUInt32BE(0), 2, order);
    }
  }
}

/** Decodes words into a value (strings: trailing NULs and spaces removed). */
export function decode(type: 'string', words: readonly number[], opts?: CodecOptions): string;
export function decode(type: Exclude<RegisterType, 'string'>, words: readonly number[], opts?: CodecOptions): number;
export function decode(type: RegisterType, words: readonly number[], opts?: CodecOptions): number | string;
export function decode(type: RegisterType, words: readonly number[], opts: CodecOptions = {}): number | string {
  if (type === 'string') {
    const size = opts.size ?? words.length;
    const buf = Buffer.alloc(size * 2);
    for (let i = 0; i < size; i++) buf.writeUInt16BE((words[i] ?? 0) & 0xffff, i * 2);
    const end = buf.indexOf(0);
    return buf
      .subarray(0, end === -1 ? buf.length : end)
      .toString('utf8')
      .trimEnd();
  }
  const raw = wordsToRaw(words, registerCount(type), opts.wordOrder);
  switch (type) {
    case 'int16':
    case 'sunssf':
      return raw >= 0x8000 ? raw - 0x10000 : raw;
    case 'int32':
      return raw >= 0x80000000 ? raw - 0x100000000 : raw;
    case 'float32': {
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(raw);
      return buf.readFloatBE(0);
    }
    default:
      return raw;
  }
}

/** SunSpec scale factor: value = raw x 10^sf, computed so 2305 x 10^-1 is exactly 230.5. */
export function applyScale(raw: number, sf: number): number {
  return sf < 0 ? raw / 10 ** -sf : raw * 10 ** sf;
}

/** The integer raw value that represents `value` at scale factor sf (rounded to nearest). */
export function toScaledRaw(value: number, sf: number): number {
  return Math.round(sf < 0 ? value * 10 ** -sf : value / 10 ** sf);
}

/** Vendor gain: value = raw / gain. */
export const applyGain = (raw: number, gain: number): number => raw / gain;
/** The integer raw value a vendor device sends for `value` at its gain. */
export const toGainRaw = (value: number, gain: number): number => Math.round(value * gain);

const SI_FACTOR: Record<string, number> = { kW: 1000, kWh: 1000, kvar: 1000, kVA: 1000, MWh: 1e6, Wh: 1, W: 1 };

/** Converts a value in a map's units (kW, kWh, ...) into the contract's SI units (W, Wh). */
export function toSi(value: number, units: string | undefined): number {
  return value * (units === undefined ? 1 : (SI_FACTOR[units] ?? 1));
}
/** The inverse of toSi. */
export function fromSi(value: number, units: string | undefined): number {
  return value / (units === undefined ? 1 : (SI_FACTOR[units] ?? 1));
}

/** Names of the set bits, from a bitfield's meanings (unnamed bits as BIT_<n>). */
export function bitNames(raw: number, bits: readonly { bit: number; name: string }[] = []): string[] {
  const names: string[] = [];
  for (let b = 0; b < 32; b++) {
    if (Math.floor(raw / 2 ** b) % 2 === 1) names.push(bits.find((m) => m.bit === b)?.name ?? `BIT_${b}`);
  }
  return names;
}
