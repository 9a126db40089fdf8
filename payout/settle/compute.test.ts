import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputsText } from './compute.ts';

describe('the inputs hash text', () => {
  it('is exactly the JSON.stringify text posted hashes were taken over, whatever the ids hold', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.record({ energy_wh: fc.integer({ min: -1e12, max: 1e12 }), energy_source: fc.constantFrom('grid_read' as const, 'revenue_meter' as const, 'inverters' as const, 'none' as const), flags: fc.array(fc.string({ unit: 'binary' })) }),
        fc.nat(),
        fc.nat(),
        fc.array(fc.record({ id: fc.string({ unit: 'binary' }), household_id: fc.string({ unit: 'binary' }), share_w: fc.nat() })),
        (capacity, energy, grid, subsidy, allocs) => {
          expect(inputsText(capacity, energy, grid, subsidy, allocs)).toBe(JSON.stringify([capacity, energy, grid, subsidy, allocs.map((a) => [a.id, a.household_id, a.share_w])]));
        },
      ),
      { numRuns: 500 },
    );
  });
});
