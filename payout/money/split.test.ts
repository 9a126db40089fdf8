import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRevenue } from '../settle/compute.ts';
import { splitLargestRemainder } from './split.ts';

// allocations of 1..10 kW (in W) on a site of at least their total, and any revenue up to 10 million yuan
const siteArb = fc
  .record({
    shares: fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 }),
    spare: fc.integer({ min: 0, max: 500_000 }),
    revenue: fc.integer({ min: 0, max: 1_000_000_000 }),
    gridPermille: fc.integer({ min: 0, max: 1000 }),
  })
  .map((r) => ({ ...r, capacity: r.shares.reduce((a, s) => a + s, 0) + r.spare }))
  .filter((r) => r.capacity > 0);

/** The parts sum exactly to the amount and each is within 1 fen of its exact share (checked in BigInt). */
function expectExactWithinOneFen(amount: number, weights: number[]): void {
  const capacity = weights.reduce((a, w) => a + w, 0);
  const parts = splitLargestRemainder(amount, weights, capacity);
  expect(parts.reduce((a, p) => a + p, 0)).toBe(amount);
  parts.forEach((p, i) => {
    const diff = BigInt(p) * BigInt(capacity) - BigInt(amount) * BigInt(weights[i]!);
    expect(diff < BigInt(capacity) && diff > -BigInt(capacity)).toBe(true);
  });
}

describe('largest-remainder split', () => {
  it('gives [34, 33, 33] for 100 fen over three equal shares, the first listed winning the tie', () => {
    expect(splitLargestRemainder(100, [1, 1, 1], 3)).toEqual([34, 33, 33]);
  });

  it('sums exactly, keeps every part within 1 fen of its exact share, equal shares within 1 fen', () => {
    fc.assert(
      fc.property(siteArb, ({ shares, spare, revenue, capacity }) => {
        const weights = [...shares, spare];
        const parts = splitLargestRemainder(revenue, weights, capacity);
        expect(parts.reduce((a, p) => a + p, 0)).toBe(revenue);
        parts.forEach((p, i) => {
          // |p - revenue*w/capacity| < 1  <=>  |p*capacity - revenue*w| < capacity, exactly in BigInt
          const diff = BigInt(p) * BigInt(capacity) - BigInt(revenue) * BigInt(weights[i]!);
          expect(diff < BigInt(capacity) && diff > -BigInt(capacity)).toBe(true);
        });
        for (let i = 0; i < shares.length; i++)
          for (let j = i + 1; j < shares.length; j++) if (shares[i] === shares[j]) expect(Math.abs(parts[i]! - parts[j]!)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  it('splits a site-day so households plus company equal the revenue in every column', () => {
    fc.assert(
      fc.property(siteArb, ({ shares, revenue, gridPermille, capacity }) => {
        const grid = Math.floor((revenue * gridPermille) / 1000);
        const allocs = shares.map((s, i) => ({ id: `a${String(i).padStart(3, '0')}`, household_id: `h${i}`, share_w: s }));
        const lines = splitRevenue(allocs, capacity, grid, revenue);
        expect(lines).toHaveLength(shares.length + 1);
        expect(lines.at(-1)!.allocation_id).toBe('');
        expect(lines.reduce((a, l) => a + l.grid_fen + l.subsidy_fen, 0)).toBe(revenue);
        expect(lines.reduce((a, l) => a + l.grid_fen, 0)).toBe(grid);
        lines.forEach((l) => {
          const diff = BigInt(l.grid_fen + l.subsidy_fen) * BigInt(capacity) - BigInt(revenue) * BigInt(l.share_w);
          expect(diff < BigInt(capacity) && diff > -BigInt(capacity)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact near 2^53 on the fast path', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 20, max: 2 ** 26 }), fc.array(fc.integer({ min: 1, max: 2 ** 22 }), { minLength: 2, maxLength: 8 }), (amount, weights) => {
        expectExactWithinOneFen(amount, weights);
      }),
      { numRuns: 500 },
    );
  });

  it('stays exact beyond 2^53 (the BigInt path)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 40, max: 2 ** 52 }), fc.array(fc.integer({ min: 1, max: 2 ** 30 }), { minLength: 1, maxLength: 20 }), (amount, weights) => {
        expectExactWithinOneFen(amount, weights);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses weights that do not add up to the capacity', () => {
    expect(() => splitLargestRemainder(100, [1, 1], 3)).toThrow(/sum to 2, expected 3/);
  });
});
