import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyGain, applyScale, bitNames, decode, encode, isNotImplemented, notImplementedWords, toGainRaw, toScaledRaw, toSi, wordsToRaw } from './codec.ts';

describe('codec: hand-computed words', () => {
  it.each([
    ['int16', -1, [0xffff]],
    ['int16', -32768, [0x8000]],
    ['uint16', 65535, [0xffff]],
    ['sunssf', -2, [0xfffe]],
    ['int32', -2, [0xffff, 0xfffe]],
    ['uint32', 0x12345678, [0x1234, 0x5678]],
    ['acc32', 0x100000005, [0x0000, 0x0005]],
    ['float32', 1.5, [0x3fc0, 0x0000]],
    ['bitfield32', 1 << 16, [0x0001, 0x0000]],
  ] as const)('%s %d -> %j', (type, value, words) => {
    expect(encode(type, value)).toEqual(words);
    if (type !== 'acc32') expect(decode(type, words)).toBe(value);
  });

  it('little word order puts the low word first (Sungrow)', () => {
    expect(encode('uint32', 0x12345678, { wordOrder: 'little' })).toEqual([0x5678, 0x1234]);
    expect(decode('uint32', [0x5678, 0x1234], { wordOrder: 'little' })).toBe(0x12345678);
    expect(decode('int32', [0xfffe, 0xffff], { wordOrder: 'little' })).toBe(-2);
  });

  it('strings are two bytes per register, NUL padded', () => {
    expect(encode('string', 'SunS', { size: 2 })).toEqual([0x5375, 0x6e53]);
    expect(encode('string', 'AB', { size: 3 })).toEqual([0x4142, 0, 0]);
    expect(decode('string', [0x4142, 0x4300, 0])).toBe('ABC');
    expect(() => encode('string', 'TOO LONG', { size: 2 })).toThrow(/needs 8 bytes/);
  });

  it('rejects values a type cannot hold', () => {
    expect(() => encode('int16', 40000)).toThrow(/int16 cannot hold 40000/);
    expect(() => encode('uint16', -1)).toThrow(RangeError);
    expect(() => encode('uint32', 1.5)).toThrow(RangeError);
  });

  it('scale factors and gains', () => {
    expect(applyScale(2305, -1)).toBe(230.5);
    expect(applyScale(5001, -2)).toBe(50.01);
    expect(applyScale(12, 3)).toBe(12000);
    expect(toScaledRaw(230.54, -1)).toBe(2305);
    expect(toScaledRaw(12345, 1)).toBe(1235);
    expect(applyGain(123456, 100)).toBe(1234.56);
    expect(toGainRaw(1234.56, 100)).toBe(123456);
    expect(toSi(1234.56, 'kWh')).toBeCloseTo(1234560, 6);
    expect(toSi(3, 'V')).toBe(3);
  });

  it('bit names', () => {
    expect(bitNames(0b1000_0001, [{ bit: 7, name: 'OVER_TEMP' }])).toEqual(['BIT_0', 'OVER_TEMP']);
    expect(bitNames(2 ** 31)).toEqual(['BIT_31']);
  });
});

describe('codec: not implemented', () => {
  it.each([
    ['int16', [0x8000]],
    ['uint16', [0xffff]],
    ['sunssf', [0x8000]],
    ['enum16', [0xffff]],
    ['int32', [0x8000, 0x0000]],
    ['uint32', [0xffff, 0xffff]],
    ['acc32', [0, 0]],
    ['bitfield32', [0xffff, 0xffff]],
    ['float32', [0x7fc0, 0x0000]],
  ] as const)('%s marker %j', (type, words) => {
    expect(notImplementedWords(type)).toEqual(words);
    expect(isNotImplemented(type, words)).toBe(true);
  });

  it('real values are not markers, any NaN is', () => {
    expect(isNotImplemented('int16', [0x7fff])).toBe(false);
    expect(isNotImplemented('uint32', [0xffff, 0xfffe])).toBe(false);
    expect(isNotImplemented('float32', [0x7f80, 0x0001])).toBe(true);
    expect(isNotImplemented('string', [0, 0, 0])).toBe(true);
    expect(isNotImplemented('string', [0x4100])).toBe(false);
  });
});

describe('codec: round trips (property)', () => {
  const orders = fc.constantFrom('big' as const, 'little' as const);
  it('int16/uint16/int32/uint32', () => {
    fc.assert(fc.property(fc.integer({ min: -0x8000, max: 0x7fff }), (v) => decode('int16', encode('int16', v)) === v));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (v) => decode('uint16', encode('uint16', v)) === v));
    fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), orders, (v, o) => decode('int32', encode('int32', v, { wordOrder: o }), { wordOrder: o }) === v));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), orders, (v, o) => decode('uint32', encode('uint32', v, { wordOrder: o }), { wordOrder: o }) === v));
  });
  it('acc32 wraps like a counter', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (v) => decode('acc32', encode('acc32', v)) === v % 2 ** 32));
  });
  it('float32 keeps float32 precision', () => {
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => Object.is(decode('float32', encode('float32', v)), Math.fround(v))));
  });
  it('scaled values survive raw and back within half a step', () => {
    fc.assert(
      fc.property(fc.double({ min: -3000, max: 3000, noNaN: true }), fc.integer({ min: -3, max: 3 }), (v, sf) => Math.abs(applyScale(toScaledRaw(v, sf), sf) - v) <= 10 ** sf / 2 + 1e-9),
    );
  });
  it('wordsToRaw matches encode for 32-bit values', () => {
    expect(wordsToRaw([0xabcd, 0x1234], 2, 'big')).toBe(0xabcd1234);
  });
});
