import type { Db } from '../../common/ledger/index.ts';
import { loadMonth, type Month, type MonthFilter } from '../period/month.ts';
import { tablesToXlsx, tableToCsv, type Table } from '../tables/table.ts';
import { reconcileReads, reconcileTable } from './reconcile.ts';
import { companyTable, householdTable, noticeTable, siteTable, statementTable } from './tables.ts';

export type ReportFormat = 'csv' | 'xlsx';
export interface ReportOptions extends MonthFilter { format: ReportFormat }

const FILES: Record<string, string> = { 户明细: 'households', 电站汇总: 'sites', 公司汇总: 'company', 公示: 'notice', 对账单: 'statements' };

export function monthTables(m: Month, village?: string): Table[] {
  return [householdTable(m), siteTable(m), companyTable(m), noticeTable(m, village), statementTable(m)];
}

/** The grid company's reads against telemetry for a month. */
export async function buildReconciliation(db: Db, opts: { month: string; site?: string; format: ReportFormat }): Promise<Map<string, Buffer>> {
  const t = reconcileTable(opts.month, await reconcileReads(db, opts.month, opts.site));
  const name = `reads-${opts.month}${opts.site ? `-${opts.site}` : ''}`;
  return new Map([[`${name}.${opts.format}`, opts.format === 'xlsx' ? await tablesToXlsx([t]) : tableToCsv(t)]]);
}

/**
 * The month's payout report as files: one XLSX workbook with a sheet per
 * table, or one CSV per table (UTF-8 with BOM). Returned as name -> bytes.
 */
export async function buildReport(db: Db, opts: ReportOptions): Promise<Map<string, Buffer>> {
  const m = await loadMonth(db, opts);
  const tables = monthTables(m, opts.village);
  const base = `payout-${opts.month}${opts.site ? `-${opts.site}` : ''}${opts.village ? `-${opts.village}` : ''}`;
  if (opts.format === 'xlsx') return new Map([[`${base}.xlsx`, await tablesToXlsx(tables)]]);
  return new Map(tables.map((t) => [`${base}-${FILES[t.name] ?? t.name}.csv`, tableToCsv(t)]));
}

/** One household's statement for a month. */
export async function buildStatement(db: Db, opts: ReportOptions & { household: string }): Promise<Map<string, Buffer>> {
  const m = await loadMonth(db, opts);
  const t = statementTable(m, opts.household);
  const name = `statement-${opts.month}-${opts.household}`;
  return new Map([[opts.format === 'xlsx' ? `${name}.xlsx` : `${name}.csv`, opts.format === 'xlsx' ? await tablesToXlsx([t]) : tableToCsv(t)]]);
}
