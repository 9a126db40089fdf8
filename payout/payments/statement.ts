import type { Db } from '../../common/ledger/index.ts';
import { formatYuan } from '../money/revenue.ts';
import { maskBankAccount } from '../registry/mask.ts';
import type { Table } from '../tables/table.ts';
import { monthFigures, type PartyFigures } from './figures.ts';
import { loadItems, type ItemStatus } from './items.ts';

export interface StatementPayment { reference: string; month: string; payer_account: string; amount_fen: number; carried_fen: number; account: string; status: ItemStatus; reason: string }
export interface PaymentStatement { month: string; household_id: string; figures: PartyFigures; payments: StatementPayment[] }

/**
 * A household's (or collective's) payments up to a month, accounts masked:
 * each with what it carried from an earlier payment that was returned or
 * held, and the reason; beside its accrued, received, advanced, paid, held
 * and owed.
 */
export async function paymentStatement(db: Db, month: string, household: string): Promise<PaymentStatement> {
  const f = await monthFigures(db, month, household);
  const figures = f.parties.find((p) => p.household_id === household) ?? { household_id: household, kind: 'household', accrued_fen: 0, received_fen: 0, advanced_fen: 0, paid_fen: 0, held_fen: 0, owed_fen: 0 };
  const items = await loadItems(db, { through: month, household });
  const lastBy = new Map<string, (typeof items)[number]>();
  const payments = items.map((i) => {
    const before = lastBy.get(i.payer_account);
    lastBy.set(i.payer_account, i);
    const carried = before && (before.status === 'returned' || before.status === 'held') ? before.amount_fen : 0;
    return { reference: i.id, month: i.month, payer_account: i.payer_account, amount_fen: i.amount_fen, carried_fen: carried, account: maskBankAccount(i.account), status: i.status, reason: i.reason };
  });
  return { month, household_id: household, figures, payments };
}

const STATUS: Record<ItemStatus, string> = { awaiting: '待银行回执', held: '暂挂', paid: '已付', returned: '退回' };

/** The statement as a report table: each payment with what it carried and its status and reason; the six figures in the title. */
export function paymentStatementTable(s: PaymentStatement, name: string): Table {
  const f = s.figures;
  return {
    name: '付款明细',
    title: `${name} (${s.household_id}) ${s.month} 应得 ${formatYuan(f.accrued_fen)} 已收到 ${formatYuan(f.received_fen)} 垫付 ${formatYuan(f.advanced_fen)} 已付 ${formatYuan(f.paid_fen)} 暂挂 ${formatYuan(f.held_fen)} 待付 ${formatYuan(f.owed_fen)} (元)`,
    columns: [
      { key: 'month', header: '月份' },
      { key: 'reference', header: '业务参考号' },
      { key: 'payer_account', header: '付款账户' },
      { key: 'account', header: '收款账号' },
      { key: 'amount_fen', header: '金额(元)', kind: 'yuan' },
      { key: 'carried_fen', header: '其中结转(元)', kind: 'yuan' },
      { key: 'status', header: '状态' },
      { key: 'reason', header: '原因' },
    ],
    rows: s.payments.map((p) => ({ ...p, status: STATUS[p.status] })),
  };
}
