import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { textOf } from '../../common/text.ts';
import { formatKwh, formatYuan } from '../money/revenue.ts';

/**
 * A report or export table, written as Excel-safe CSV (UTF-8 with BOM, text
 * cells that could start a formula prefixed with ') or as an XLSX sheet with
 * number formats. Money columns hold integer fen and kWh columns integer Wh;
 * both are rendered exactly.
 */
export type ColumnKind = 'text' | 'yuan' | 'kwh' | 'kw' | 'int';
export interface Column { key: string; header: string; kind?: ColumnKind; width?: number; /** summed in the 合计 row (and per page in print) */ sum?: boolean }
export interface Table {
  name: string;
  columns: Column[];
  rows: Record<string, unknown>[];
  title?: string;
  /** the 合计 row, written after the rows (see withTotal) */
  total?: Record<string, unknown>;
  /** lines written under the table: the flags' legend, the provenance */
  notes?: string[];
}

export const TOTAL_LABEL = '合计';

/** Sums the table's `sum` columns over `rows` into a row labelled in `labelKey`. */
export function sumRow(columns: Column[], rows: Record<string, unknown>[], labelKey: string, label = TOTAL_LABEL): Record<string, unknown> {
  const row: Record<string, unknown> = { [labelKey]: label };
  for (const c of columns) if (c.sum) row[c.key] = rows.reduce<number>((a, r) => a + Number(r[c.key] ?? 0), 0);
  return row;
}

/** The table with its 合计 row: every `sum` column added up over the rows. */
export function withTotal(table: Table, labelKey = table.columns[0]!.key): Table {
  return { ...table, total: sumRow(table.columns, table.rows, labelKey) };
}

const FORMULA_START = /^[=+\-@\t\r]/;
export const neutralise = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);
// Excel turns a long run of digits in a CSV (ID card, bank account) into 4.4E+17; a leading tab keeps it text
const LONG_DIGITS = /^\d{12,}$/;

function textCell(col: Column, v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (col.kind ?? 'text') {
    case 'yuan':
      return formatYuan(Number(v));
    case 'kwh':
      return formatKwh(Number(v));
    case 'kw':
      return formatKwh(Number(v)); // W -> kW with 3 decimals
    case 'int':
      return textOf(v);
    default: {
      const text = textOf(v);
      return LONG_DIGITS.test(text) ? `\t${text}` : neutralise(text);
    }
  }
}

export function tableToCsv(table: Table): Buffer {
  const lines: string[][] = [];
  if (table.title) lines.push([neutralise(table.title)]);
  lines.push(table.columns.map((c) => neutralise(c.header)));
  for (const r of table.rows) lines.push(table.columns.map((c) => textCell(c, r[c.key])));
  if (table.total) lines.push(table.columns.map((c) => textCell(c, table.total![c.key])));
  for (const n of table.notes ?? []) lines.push([neutralise(n)]);
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(stringify(lines, { record_delimiter: '\r\n' }), 'utf8')]);
}

const NUM_FMT: Record<ColumnKind, string | undefined> = { text: undefined, yuan: '#,##0.00', kwh: '#,##0.000', kw: '0.000', int: '0' };

function xlsxCells(table: Table, r: Record<string, unknown>): ExcelJS.CellValue[] {
  return table.columns.map((c) => {
    const v = r[c.key];
    if (v === null || v === undefined) return null;
    switch (c.kind ?? 'text') {
      case 'yuan':
        return Number(v) / 100;
      case 'kwh':
      case 'kw':
        return Number(v) / 1000;
      case 'int':
        return Number(v);
      default:
        return neutralise(textOf(v));
    }
  });
}

/** One sheet per table, streamed row by row (a county's statements are 100,000 rows: the workbook is never whole in memory). */
export async function tablesToXlsx(tables: Table[]): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true });
  wb.creator = 'Sunshare';
  for (const table of tables) {
    const ws = wb.addWorksheet(table.name.slice(0, 31));
    ws.columns = table.columns.map((c) => {
      const fmt = NUM_FMT[c.kind ?? 'text'];
      return { key: c.key, width: c.width ?? Math.max(10, c.header.length * 2), ...(fmt ? { style: { numFmt: fmt } } : {}) };
    });
    const add = (values: ExcelJS.CellValue[], font?: Partial<ExcelJS.Font>) => {
      const row = ws.addRow(values);
      if (font) row.font = font;
      row.commit();
    };
    if (table.title) add([table.title], { bold: true, size: 14 });
    add(table.columns.map((c) => c.header), { bold: true });
    for (const r of table.rows) add(xlsxCells(table, r));
    if (table.total) add(xlsxCells(table, table.total), { bold: true });
    for (const n of table.notes ?? []) add([neutralise(n)], { italic: true, size: 9 });
    ws.commit();
  }
  await wb.commit();
  return Buffer.concat(chunks);
}

/** Several tables as one CSV: each table after the other, separated by an empty line. */
export function tablesToCsv(tables: Table[]): Buffer {
  const parts = tables.map((t, i) => {
    const csv = tableToCsv(t);
    return i === 0 ? csv : Buffer.concat([Buffer.from('\r\n'), csv.subarray(3)]);
  });
  return Buffer.concat(parts);
}
