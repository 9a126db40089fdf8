import { describe, expect, it } from 'vitest';
import { stateRow } from './rounding-state.ts';

describe('the stored rounding state', () => {
  it('writes residuals as JSON that reads back exactly, whatever the ids hold', () => {
    const residuals = new Map([
      ['hh"1', { r: -314_999, allocation: 'al\\1' }],
      ['户\u0001二', { r: 7, allocation: '分配,2' }],
      ['', { r: 0, allocation: '' }],
    ]);
    const row = stateRow('s1', { seq: 3, year: '2017', month: '2017-06', lastDay: '2017-06-30', den: 315_000n, residuals }, 'run');
    expect(JSON.parse(row.residuals)).toEqual({ 'hh"1': [-314_999, 'al\\1'], '户\u0001二': [7, '分配,2'], '': [0, ''] });
    expect(row).toMatchObject({ site_id: 's1', seq: 3, den: '315000' });
  });

  it('keeps bigint numerators (a denominator beyond doubles) as strings', () => {
    const den = 2n ** 60n;
    const row = stateRow('s1', { seq: 1, year: '2017', month: '2017-06', lastDay: '2017-06-30', den, residuals: new Map([['h', { r: den - 1n, allocation: 'a' }]]) }, 'run');
    expect(JSON.parse(row.residuals)).toEqual({ h: [String(den - 1n), 'a'] });
  });
});
