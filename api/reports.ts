import { SunshareError } from '../common/errors.ts';
import { loadReportMonth, monthTables, noticePdf, noticesPdf, statementFor, tablesToXlsx, tableToCsv, type Table } from '../payout/index.ts';
import type { ReportKind, ReportRequest } from './payout-service.ts';

/**
 * The month's payout report tables as downloads, one kind per table (CSV or
 * a one-sheet workbook) plus the whole workbook, and the 公示 as a printable
 * PDF. Payout builds the tables; this only adapts them to the download route.
 */
const KINDS = [
  { kind: 'households', table: '户明细', description: '户明细 Household payouts' },
  { kind: 'sites', table: '电站汇总', description: '电站汇总 Sites' },
  { kind: 'company', table: '公司汇总', description: '公司汇总 Company summary' },
  { kind: 'notice', table: '公示', description: '公示 Village notice (pdf: printable A4, a village per section)' },
  { kind: 'statements', table: '对账单', description: '对账单 Statements (household= for one household)' },
] as const;

const scope = (req: ReportRequest) => `${req.month}${req.site ? `-${req.site}` : ''}${req.village ? `-${req.village}` : ''}`;

async function file(base: string, table: Table, format: ReportRequest['format']): Promise<{ filename: string; body: Buffer }> {
  return format === 'xlsx' ? { filename: `${base}.xlsx`, body: await tablesToXlsx([table]) } : { filename: `${base}.csv`, body: tableToCsv(table) };
}

export function payoutReports(): ReportKind[] {
  const perTable: ReportKind[] = KINDS.map((k) => ({
    kind: k.kind,
    description: k.description,
    formats: k.kind === 'notice' ? ['xlsx', 'csv', 'pdf'] : ['xlsx', 'csv'],
    async build(db, req) {
      const filter = { month: req.month, site: req.site, village: req.village };
      if (k.kind === 'notice' && req.format === 'pdf') {
        // one village's notice, or every village's, each from a new page with its own page numbers and digest
        const body = req.village ? await noticePdf(await loadReportMonth(db, filter), req.village) : await noticesPdf(db, filter);
        return { filename: `notice-${scope(req)}.pdf`, body };
      }
      if (k.kind === 'statements' && req.household) {
        return file(`statement-${req.month}-${req.household}`, await statementFor(db, { ...filter, household: req.household }), req.format);
      }
      const table = monthTables(await loadReportMonth(db, filter), req.village).find((t) => t.name === k.table);
      if (!table) throw new SunshareError('INTERNAL', `payout no longer builds the table ${k.table}`);
      return file(`payout-${scope(req)}-${k.kind}`, table, req.format);
    },
  }));
  const workbook: ReportKind = {
    kind: 'workbook',
    description: '全部报表 All tables, one sheet each',
    formats: ['xlsx'],
    async build(db, req) {
      const tables = monthTables(await loadReportMonth(db, { month: req.month, site: req.site, village: req.village }), req.village);
      return { filename: `payout-${scope(req)}.xlsx`, body: await tablesToXlsx(tables) };
    },
  };
  return [workbook, ...perTable];
}
