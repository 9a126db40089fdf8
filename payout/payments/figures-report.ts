import type { Db } from '../../common/ledger/index.ts';
import type { Table } from '../tables/table.ts';
import type { MonthFigures, PartyKind } from './figures.ts';

const KIND_NAMES: Record<PartyKind, string> = { household: '农户', collective: '村集体', company: '公司' };
const MONEY = [
  { key: 'accrued_fen', header: '应得(元)' },
  { key: 'received_fen', header: '已收到(元)' },
  { key: 'advanced_fen', header: '公司垫付(元)' },
  { key: 'paid_fen', header: '已付(元)' },
  { key: 'held_fen', header: '暂挂(元)' },
  { key: 'owed_fen', header: '待付(元)' },
] as const;

/**
 * The month-end figures as report tables: a summary with one row per kind,
 * then households, village collectives and the company each in a table of
 * their own (names from the registry; no account numbers).
 */
export async function figuresTables(db: Db, f: MonthFigures): Promise<Table[]> {
  const names = new Map((await db.q.selectFrom('households').select(['id', 'name', 'village']).execute()).map((h) => [h.id, h]));
  const money = MONEY.map((m) => ({ ...m, kind: 'yuan' as const }));
  const summary: Table = {
    name: '汇总',
    title: `${f.month} 月末 应得 = 已付 + 暂挂 + 待付`,
    columns: [{ key: 'kind', header: '类别' }, { key: 'parties', header: '数量', kind: 'int' }, ...money],
    rows: (['household', 'collective', 'company'] as const).map((k) => ({ kind: KIND_NAMES[k], ...f.totals[k] })),
  };
  const byKind = (['household', 'collective', 'company'] as const).map(
    (k): Table => ({
      name: KIND_NAMES[k],
      title: `${f.month} ${KIND_NAMES[k]}`,
      columns: [{ key: 'id', header: '编号' }, { key: 'name', header: '名称' }, { key: 'village', header: '村' }, ...money],
      rows: f.parties
        .filter((p) => p.kind === k)
        .map((p) => ({ id: p.household_id || 'company', name: names.get(p.household_id)?.name ?? '', village: names.get(p.household_id)?.village ?? '', ...p })),
    }),
  );
  return [summary, ...byKind];
}
