import { describe, expect, it } from 'vitest';
import { textOf } from './text.ts';

describe('textOf', () => {
  it('writes scalars as String() does', () => {
    expect([textOf('s1'), textOf(42), textOf(true), textOf(null), textOf(undefined), textOf(10n)]).toEqual(['s1', '42', 'true', 'null', 'undefined', '10']);
  });

  it('writes mappings and lists as JSON, not [object Object]', () => {
    expect(textOf({ a: 1 })).toBe('{"a":1}');
    expect(textOf([1, 'x'])).toBe('[1,"x"]');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(textOf(cycle)).toBe('[object Object]');
  });
});
