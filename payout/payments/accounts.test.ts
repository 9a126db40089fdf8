import { describe, expect, it } from 'vitest';
import { accountProblem } from './accounts.ts';

describe('accountProblem', () => {
  it('takes a 16-19 digit card for a household and an 8-30 digit account for a collective, masking the account in the reason', () => {
    expect(accountProblem('6222020200112233445', 'household')).toBe('');
    expect(accountProblem(' 6222020200112233 ', 'household')).toBe('');
    expect(accountProblem('', 'household')).toBe('no bank account in the registry');
    expect(accountProblem('44012345678', 'household')).toBe('bank account *******5678 is not 16-19 digits');
    expect(accountProblem('44012345678', 'collective')).toBe('');
    expect(accountProblem('6222-0202-0011-2233', 'household')).toMatch(/^bank account \*+2233 is not 16-19 digits$/);
  });
});
