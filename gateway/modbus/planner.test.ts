import { describe, expect, it } from 'vitest';
import { planReads, RegisterImage, type RegisterRange } from './planner.ts';

const h = (address: number, count: number): RegisterRange => ({ table: 'holding', address, count });
const i = (address: number, count: number): RegisterRange => ({ table: 'input', address, count });

describe('planReads', () => {
  const cases: { name: string; ranges: RegisterRange[]; maxGap: number; want: RegisterRange[] }[] = [
    { name: 'nothing', ranges: [], maxGap: 8, want: [] },
    { name: 'one range', ranges: [h(100, 2)], maxGap: 8, want: [h(100, 2)] },
    { name: 'adjacent ranges merge', ranges: [h(100, 2), h(102, 1), h(103, 2)], maxGap: 0, want: [h(100, 5)] },
    { name: 'unsorted input', ranges: [h(103, 2), h(100, 2), h(102, 1)], maxGap: 0, want: [h(100, 5)] },
    { name: 'small gap is filled', ranges: [h(100, 2), h(106, 2)], maxGap: 4, want: [h(100, 8)] },
    { name: 'gap too large splits', ranges: [h(100, 2), h(107, 2)], maxGap: 4, want: [h(100, 2), h(107, 2)] },
    { name: 'overlapping and contained ranges', ranges: [h(100, 10), h(102, 2), h(108, 4)], maxGap: 0, want: [h(100, 12)] },
    { name: 'duplicates', ranges: [h(5, 2), h(5, 2)], maxGap: 0, want: [h(5, 2)] },
    { name: 'tables never mix', ranges: [h(100, 2), i(102, 2)], maxGap: 8, want: [h(100, 2), i(102, 2)] },
    { name: 'block limit of 125', ranges: [h(0, 100), h(100, 30)], maxGap: 0, want: [h(0, 100), h(100, 30)] },
    { name: 'exactly 125 fits', ranges: [h(0, 100), h(100, 25)], maxGap: 0, want: [h(0, 125)] },
    {
      name: 'SunSpec walk: common + inverter + mppt',
      ranges: [h(40002, 2), h(40004, 66), h(40070, 2), h(40072, 50), h(40122, 2), h(40124, 48)],
      maxGap: 8,
      want: [h(40002, 122), h(40124, 48)],
    },
    {
      name: 'Huawei-like sparse map',
      ranges: [h(30000, 15), h(30015, 10), h(30073, 2), h(32080, 2), h(32085, 1), h(32087, 1), h(32106, 2)],
      maxGap: 8,
      want: [h(30000, 25), h(30073, 2), h(32080, 8), h(32106, 2)],
    },
  ];
  for (const c of cases) it(c.name, () => expect(planReads(c.ranges, c.maxGap)).toEqual(c.want));

  it('refuses a single value longer than one request', () => {
    expect(() => planReads([h(0, 126)], 0)).toThrow(/cannot be read in one request/);
  });

  it('every requested register is inside exactly one block, and blocks stay within 125', () => {
    const ranges = Array.from({ length: 200 }, (_, k) => h((k * 7919) % 3000, 1 + (k % 4)));
    const blocks = planReads(ranges, 6);
    for (const b of blocks) expect(b.count).toBeLessThanOrEqual(125);
    for (const r of ranges) {
      const inside = blocks.filter((b) => b.table === r.table && r.address >= b.address && r.address + r.count <= b.address + b.count);
      expect(inside.length).toBe(1);
    }
  });
});

describe('RegisterImage', () => {
  it('returns the words of a range read in a block, undefined for unread registers', () => {
    const img = new RegisterImage();
    img.put(h(10, 4), [1, 2, 3, 4]);
    expect(img.get('holding', 11, 2)).toEqual([2, 3]);
    expect(img.get('holding', 13, 2)).toBeUndefined();
    expect(img.get('input', 10, 1)).toBeUndefined();
  });
});
