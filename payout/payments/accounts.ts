import { maskBankAccount } from '../registry/mask.ts';

/**
 * Whether an account can be paid into: a household's bank card (一卡通) is
 * 16-19 digits; a collective's account (对公账户) 8-30 digits. Otherwise the
 * reason it is held, with the account masked.
 */
export function accountProblem(account: string, kind: 'household' | 'collective'): string {
  const a = account.trim();
  if (a === '') return 'no bank account in the registry';
  const [min, max] = kind === 'household' ? [16, 19] : [8, 30];
  if (!/^\d+$/.test(a) || a.length < min || a.length > max) return `bank account ${maskBankAccount(a)} is not ${min}-${max} digits`;
  return '';
}
