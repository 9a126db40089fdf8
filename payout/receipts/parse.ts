import { SunshareError } from '../../common/errors.ts';
import type { ReceiptsTable } from '../../common/ledger/index.ts';
import { isDate, isMonth } from '../../common/index.ts';
import { parseKwh } from '../money/revenue.ts';
import { readSheets } from '../tables/read.ts';

/**
 * One row of a receipts file: a grid statement or a subsidy disbursement, the
 * `receipts` row it becomes (site_id '' = a subsidy batch over every site,
 * split by what accrued) and where in the file it stands.
 */
export type ReceiptInput = Omit<ReceiptsTable, 'kind' | 'source' | 'imported_at'> & { kind: 'grid' | 'subsidy'; where: string };

export const RECEIPT_COLUMNS = ['kind', 'site_id', 'period_from', 'period_to', 'kwh', 'amount_yuan', 'reference', 'received_on'] as const;

/** "1234.5" yuan -> 123450 fen exactly (at most 2 decimals, not negative). */
export function parseYuan(text: string): number | undefined {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/**
 * Reads receipts files (CSV or XLSX; columns RECEIPT_COLUMNS) and checks
 * every row; throws RECEIPTS_INVALID listing every problem (file, line,
 * column) when any remains.
 */
export async function parseReceipts(files: readonly string[], sites: ReadonlySet<string>): Promise<ReceiptInput[]> {
  const problems: string[] = [];
  const out: ReceiptInput[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const sheet of await readSheets(file)) {
      for (const col of RECEIPT_COLUMNS) if (!sheet.headers.includes(col)) problems.push(`${sheet.source}: missing column "${col}"`);
      for (const { line, cells } of sheet.rows) {
        const where = `${sheet.source} line ${line}`;
        const bad = (col: string, why: string) => problems.push(`${where} column ${col}: ${why}`);
        const kind = cells.kind ?? '';
        const site = cells.site_id ?? '';
        const from = cells.period_from ?? '';
        const to = cells.period_to ?? '';
        const amount = parseYuan(cells.amount_yuan ?? '');
        const reference = cells.reference ?? '';
        const receivedOn = cells.received_on ?? '';
        const kwhText = cells.kwh ?? '';
        const wh = kwhText === '' ? null : (parseKwh(kwhText) ?? undefined);
        if (kind !== 'grid' && kind !== 'subsidy') bad('kind', `"${kind}" is not grid or subsidy`);
        if (site !== '' && !sites.has(site)) bad('site_id', `unknown site "${site}"`);
        if (site === '' && kind === 'grid') bad('site_id', 'a grid statement names its site');
        if (!isMonth(from)) bad('period_from', `"${from}" is not a month YYYY-MM`);
        if (!isMonth(to)) bad('period_to', `"${to}" is not a month YYYY-MM`);
        if (isMonth(from) && isMonth(to) && from > to) bad('period_to', `${to} is before period_from ${from}`);
        if (kind === 'grid' && from !== to) bad('period_to', 'a grid statement covers one month');
        if (kind === 'grid' && wh === null) bad('kwh', 'a grid statement gives the kWh it bills');
        if (wh === undefined) bad('kwh', `"${kwhText}" is not a non-negative number of kWh (at most 3 decimals)`);
        if (amount === undefined) bad('amount_yuan', `"${cells.amount_yuan ?? ''}" is not an amount of yuan (at most 2 decimals, not negative)`);
        if (reference === '') bad('reference', 'empty: every receipt has its bank or statement reference');
        if (!isDate(receivedOn)) bad('received_on', `"${receivedOn}" is not a date YYYY-MM-DD`);
        const id = `${kind}/${site}/${reference}`;
        const first = seen.get(id);
        if (first) problems.push(`${where}: the same receipt (${id}) as ${first}`);
        seen.set(id, where);
        if (amount === undefined || wh === undefined || (kind !== 'grid' && kind !== 'subsidy')) continue;
        out.push({ id, kind, site_id: site, period_from: from, period_to: to, energy_wh: kind === 'grid' ? wh : null, amount_fen: amount, reference, received_on: receivedOn, where });
      }
    }
  }
  if (problems.length > 0) throw new SunshareError('RECEIPTS_INVALID', `nothing imported: ${problems.length} problem(s) in ${files.join(', ')}`, { details: problems });
  return out;
}
