/**
 * Deterministic randomness as a pure function of (seed, inputs): the same
 * seed gives the same weather at the same instant no matter when or how
 * often the simulator is asked, so a run is reproducible with --seed.
 */

/** 32-bit hash of integers (murmur3-style finalizer over a running mix). */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h ^= Math.imul((v | 0) ^ Math.floor(v / 0x100000000), 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) from integers. */
export const hash01 = (...values: number[]): number => hashInts(...values) / 0x100000000;

/** A stable integer from a string (device ids, seeds given as text). */
export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Smooth value noise in [-1, 1]: random values at knots every `periodMs`, smoothstep between them. */
export function valueNoise(seed: number, stream: number, t: number, periodMs: number): number {
  const x = t / periodMs;
  const i = Math.floor(x);
  const f = x - i;
  const s = f * f * (3 - 2 * f);
  const a = hash01(seed, stream, i) * 2 - 1;
  const b = hash01(seed, stream, i + 1) * 2 - 1;
  return a + (b - a) * s;
}
