import { splitLargestRemainder } from '../money/split.ts';

/**
 * Splits a signed amount of fen over non-negative weights by largest
 * remainder. A tie goes to the party that has had least from earlier splits
 * (`given`, the sum of its earlier parts; most, for a negative amount), so
 * parties with equal weights take the spare fen in turn and stay within 1 fen
 * of each other over any number of splits; then to the party listed earlier.
 * With no weight at all, everything goes to the last party (the company,
 * which callers list last). The parts sum exactly to `amount`.
 */
export function splitSigned(amount: number, weights: readonly number[], given?: readonly number[]): number[] {
  if (weights.length === 0) throw new RangeError('nothing to split over');
  const w = weights.map((x) => Math.max(0, x));
  const total = w.reduce((a, x) => a + x, 0);
  if (total === 0) return w.map((_, i) => (i === w.length - 1 ? amount : 0));
  const parts = splitLargestRemainder(Math.abs(amount), w, total, given && (amount < 0 ? given.map((g) => -g) : given));
  return amount < 0 ? parts.map((p) => -p) : parts;
}
