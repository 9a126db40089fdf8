import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { tablesToXlsx, tableToCsv, type Table } from '../tables/table.ts';
import { tablesToPdf, type PdfOptions } from '../tables/pdf.ts';
import type { MonthFilter } from '../period/month.ts';
import { buildReconcileTable } from './reconcile.ts';
import { companyTable, householdTable, noticeTable, siteTable, statementTable } from './tables.ts';
import type { ReportFormat } from './formats.ts';
import { loadReportMonth, type ReportMonth } from './view.ts';

export { DEFAULT_REPORT_FORMAT, REPORT_FORMATS, reportFormat, type ReportFormat } from './formats.ts';
export interface ReportOptions extends MonthFilter { format: ReportFormat }

const FILES: Record<string, string> = { 户明细: 'households', 电站汇总: 'sites', 公司汇总: 'company', 公示: 'notice', 对账单: 'statements' };

export function monthTables(m: ReportMonth, village?: string): Table[] {
  return [householdTable(m), siteTable(m), companyTable(m), noticeTable(m, village), statementTable(m)];
}

async function asFiles(base: string, tables: Table[], format: 'csv' | 'xlsx'): Promise<Map<string, Buffer>> {
  if (format === 'xlsx') return new Map([[`${base}.xlsx`, await tablesToXlsx(tables)]]);
  if (tables.length === 1) return new Map([[`${base}.csv`, tableToCsv(tables[0]!)]]);
  return new Map(tables.map((t) => [`${base}-${FILES[t.name] ?? t.name}.csv`, tableToCsv(t)]));
}

/** The grid company's reads against telemetry for a month. */
export async function buildReconciliation(db: Db, opts: { month: string; site?: string; format: ReportFormat }): Promise<Map<string, Buffer>> {
  if (opts.format === 'pdf') throw new SunshareError('REPORT_FORMAT_UNSUPPORTED', 'the reconciliation comes as xlsx or csv; only the 公示 is printed as PDF');
  const t = await buildReconcileTable(db, opts.month, opts.site);
  return asFiles(`reads-${opts.month}${opts.site ? `-${opts.site}` : ''}`, [t], opts.format);
}

function noticeSection(m: ReportMonth, village: string): { table: Table; opts: PdfOptions } {
  const t = noticeTable(m, village);
  const site = m.filter.site ? ` --site ${m.filter.site}` : '';
  return {
    table: t,
    opts: {
      subtitle: `${village}  ${m.month}  ${t.notes![0]}`,
      footer: [
        `数据来源：${m.month} 村=${village}${m.filter.site ? ` 电站=${m.filter.site}` : ''} 结算批次 ${m.provenance.run_id || '（无）'}（${m.provenance.rows} 行）`,
        `账本摘要 SHA-256 ${m.provenance.digest}  核对：sunshare payout verify --month ${m.month} --village ${village}${site} --digest <摘要>`,
      ],
      widths: { '#': 26, village: 54, name: 54, site_id: 50, site_name: 112, share_w: 42, energy_wh: 60, net_fen: 60, ytd_fen: 64 },
      numbered: true,
    },
  };
}

/** The printable 公示 of one village: an A4 PDF, page header with village, month and page x of y, totals on the last page. */
export async function noticePdf(m: ReportMonth, village: string, fontPath?: string): Promise<Buffer> {
  return tablesToPdf([noticeSection(m, village)], fontPath);
}

/** The villages of a month's report (of the filter), in order. */
async function villagesOf(db: Db, f: MonthFilter): Promise<string[]> {
  if (f.village) return [f.village];
  return [...new Set((await loadReportMonth(db, f)).households.map((h) => h.village))].sort();
}

/** Every village's 公示 in one PDF, each from a new page with its own page numbering and its own digest. */
export async function noticesPdf(db: Db, f: MonthFilter, fontPath?: string): Promise<Buffer> {
  const sections = [];
  for (const v of await villagesOf(db, f)) sections.push(noticeSection(await loadReportMonth(db, { ...f, village: v }), v));
  return tablesToPdf(sections, fontPath);
}

/**
 * The month's payout report as files, name -> bytes: one XLSX workbook with a
 * sheet per table, or one CSV per table, or (pdf) the printable 公示 of each
 * village in the report (of --village alone when given; the digest on each
 * is the one for that village).
 */
export async function buildReport(db: Db, opts: ReportOptions & { fontPath?: string }): Promise<Map<string, Buffer>> {
  const base = `payout-${opts.month}${opts.site ? `-${opts.site}` : ''}${opts.village ? `-${opts.village}` : ''}`;
  if (opts.format === 'pdf') {
    const files = new Map<string, Buffer>();
    for (const v of await villagesOf(db, opts)) {
      const m = await loadReportMonth(db, { ...opts, village: v });
      files.set(`notice-${opts.month}${opts.site ? `-${opts.site}` : ''}-${v}.pdf`, await noticePdf(m, v, opts.fontPath));
    }
    return files;
  }
  const m = await loadReportMonth(db, opts);
  return asFiles(base, monthTables(m, opts.village), opts.format);
}

/** One household's statement for a month. */
export async function buildStatement(db: Db, opts: ReportOptions & { household: string }): Promise<Map<string, Buffer>> {
  if (opts.format === 'pdf') throw new SunshareError('REPORT_FORMAT_UNSUPPORTED', 'a statement comes as xlsx or csv; only the 公示 is printed as PDF');
  const t = await statementFor(db, opts);
  return asFiles(`statement-${opts.month}-${opts.household}`, [t], opts.format);
}

/** The statement table of one household (HOUSEHOLD_NOT_FOUND when the registry does not know it). */
export async function statementFor(db: Db, opts: MonthFilter & { household: string }): Promise<Table> {
  const known = await db.q.selectFrom('households').select('id').where('id', '=', opts.household).executeTakeFirst();
  if (!known) throw new SunshareError('HOUSEHOLD_NOT_FOUND', `no household "${opts.household}" in the registry`);
  return statementTable(await loadReportMonth(db, opts), opts.household);
}
