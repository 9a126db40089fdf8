import { SunshareError } from '../common/errors.ts';
import { loadMonth, monthTables, tablesToXlsx, tableToCsv } from '../payout/index.ts';
import type { ReportKind } from './payout-service.ts';

/**
 * The month's payout report tables as downloads, one kind per table (CSV or
 * a one-sheet workbook) plus the whole workbook. Payout builds the tables;
 * this only adapts them to the API's download route.
 */
const KINDS = [
  { kind: 'households', table: '户明细', description: '户明细 Household payouts' },
  { kind: 'sites', table: '电站汇总', description: '电站汇总 Sites' },
  { kind: 'company', table: '公司汇总', description: '公司汇总 Company summary' },
  { kind: 'notice', table: '公示', description: '公示 Village notice' },
  { kind: 'statements', table: '对账单', description: '对账单 Statements' },
] as const;

export function payoutReports(): ReportKind[] {
  const perTable: ReportKind[] = KINDS.map((k) => ({
    kind: k.kind,
    description: k.description,
    formats: ['csv', 'xlsx'],
    async build(db, req) {
      const month = await loadMonth(db, { month: req.month, site: req.site, village: req.village });
      const table = monthTables(month, req.village).find((t) => t.name === k.table);
      if (!table) throw new SunshareError('INTERNAL', `payout no longer builds the table ${k.table}`);
      const base = `payout-${req.month}${req.site ? `-${req.site}` : ''}${req.village ? `-${req.village}` : ''}-${k.kind}`;
      return req.format === 'xlsx' ? { filename: `${base}.xlsx`, body: await tablesToXlsx([table]) } : { filename: `${base}.csv`, body: tableToCsv(table) };
    },
  }));
  const workbook: ReportKind = {
    kind: 'workbook',
    description: '全部报表 All tables, one sheet each',
    formats: ['xlsx'],
    async build(db, req) {
      const month = await loadMonth(db, { month: req.month, site: req.site, village: req.village });
      const tables = monthTables(month, req.village);
      return { filename: `payout-${req.month}${req.site ? `-${req.site}` : ''}.xlsx`, body: await tablesToXlsx(tables) };
    },
  };
  return [workbook, ...perTable];
}
