import { splitLargestRemainder } from '../money/split.ts';

/**
 * Splits a signed amount of fen over non-negative weights by largest
 * remainder (the revenue's rule: parties in the order given, ties to the
 * earlier). With no weight at all, everything goes to the last party (the
 * company, which callers list last). The parts sum exactly to `amount`.
 */
export function splitSigned(amount: number, weights: readonly number[]): number[] {
  if (weights.length === 0) throw new RangeError('nothing to split over');
  const w = weights.map((x) => Math.max(0, x));
  const total = w.reduce((a, x) => a + x, 0);
  if (total === 0) return w.map((_, i) => (i === w.length - 1 ? amount : 0));
  const parts = splitLargestRemainder(Math.abs(amount), w, total);
  return amount < 0 ? parts.map((p) => -p) : parts;
}
