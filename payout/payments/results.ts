import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { insertRows } from '../settle/insert.ts';
import { parseYuan } from '../receipts/parse.ts';
import { monthSteps, recordStep, stateOf, type Actor } from '../workflow/steps.ts';
import { loadTemplate, type PaymentTemplate } from './template.ts';

export interface ResultsOutcome { paid: number; returned: number; unchanged: number; done: string[] }

async function readRows(file: string, t: PaymentTemplate): Promise<string[][]> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new SunshareError('PAYMENT_RESULTS_INVALID', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (extname(file).toLowerCase() === '.xlsx') {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const rows: string[][] = [];
    ws?.eachRow({ includeEmpty: true }, (row) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (c, col) => (cells[col - 1] = c.text.trim()));
      rows.push(Array.from(cells, (c) => c ?? ''));
    });
    return rows;
  }
  const text = t.encoding === 'gbk' ? iconv.decode(data, 'gbk') : data.toString('utf8');
  try {
    return parse(text, { bom: true, delimiter: t.delimiter, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new SunshareError('PAYMENT_RESULTS_INVALID', `${basename(file)}: not valid CSV with delimiter "${t.delimiter}": ${(err as Error).message}`);
  }
}

/**
 * Imports the bank's result file (the template's `results` columns): each
 * reference paid, or returned with its reason. All rows are checked first;
 * nothing is written while any problem remains. A result imported again is
 * unchanged; a different result for the same payment is refused. A month
 * whose every payment has its result is done.
 */
export async function importResults(db: Db, file: string, o: { template?: string; by: Actor; now?: Date }): Promise<ResultsOutcome> {
  const t = loadTemplate(o.template);
  const rows = await readRows(file, t);
  const r = t.results;
  const headAt = rows.findIndex((row) => row.includes(r.reference));
  const problems: string[] = [];
  if (headAt < 0) throw new SunshareError('PAYMENT_RESULTS_INVALID', `${basename(file)}: no title row with the column "${r.reference}" (template ${t.name})`);
  const head = rows[headAt]!;
  const col = (title: string | undefined) => (title === undefined ? -1 : head.indexOf(title));
  for (const title of [r.status, r.reason, r.amount]) if (title !== undefined && col(title) < 0) problems.push(`${basename(file)} line ${headAt + 1}: missing column "${title}"`);
  if (problems.length) throw new SunshareError('PAYMENT_RESULTS_INVALID', `nothing imported: ${problems.length} problem(s) in ${basename(file)}`, { details: problems });
  const found: { item_id: string; status: 'paid' | 'returned'; reason: string }[] = [];
  const seen = new Map<string, number>();
  let unchanged = 0;
  const months = new Set<string>();
  for (let i = headAt + 1; i < rows.length; i++) {
    const row = rows[i]!;
    const where = `${basename(file)} line ${i + 1}`;
    const ref = row[col(r.reference)] ?? '';
    if (ref === '') continue; // a control or blank row
    const statusText = row[col(r.status)] ?? '';
    const reason = row[col(r.reason)] ?? '';
    const status = r.paid.includes(statusText) ? 'paid' : r.returned.includes(statusText) ? 'returned' : undefined;
    if (!status) problems.push(`${where} column ${r.status}: "${statusText}" is neither paid (${r.paid.join(', ')}) nor returned (${r.returned.join(', ')})`);
    if (status === 'returned' && reason === '') problems.push(`${where} column ${r.reason}: a returned payment needs its reason`);
    if (seen.has(ref)) problems.push(`${where}: ${ref} again (first at line ${seen.get(ref)})`);
    seen.set(ref, i + 1);
    const item = await db.q
      .selectFrom('payment_items as i')
      .leftJoin('payment_results as r', 'r.item_id', 'i.id')
      .select(['i.id', 'i.month', 'i.amount_fen', 'i.held_reason', 'r.status'])
      .where('i.id', '=', ref)
      .executeTakeFirst();
    if (!item) {
      problems.push(`${where} column ${r.reference}: no payment "${ref}"`);
      continue;
    }
    if (item.held_reason !== '') problems.push(`${where}: ${ref} is held (${item.held_reason}) and was in no payment file`);
    if (r.amount !== undefined) {
      const text = row[col(r.amount)] ?? '';
      const fen = t.amount === 'fen' ? (/^\d+$/.test(text) ? Number(text) : undefined) : parseYuan(text);
      if (fen !== Number(item.amount_fen)) problems.push(`${where} column ${r.amount}: "${text}" is not the amount sent for ${ref}`);
    }
    if (!status) continue;
    if (item.status) {
      if (item.status === status) unchanged++;
      else problems.push(`${where}: ${ref} was imported as ${item.status} before; a result is final`);
      continue;
    }
    months.add(item.month);
    found.push({ item_id: ref, status, reason });
  }
  if (problems.length) throw new SunshareError('PAYMENT_RESULTS_INVALID', `nothing imported: ${problems.length} problem(s) in ${basename(file)}`, { details: problems });
  const importedAt = (o.now ?? new Date()).toISOString();
  const done: string[] = [];
  await db.transaction(async (tx) => {
    await insertRows(tx.q, 'payment_results', found.map((f) => ({ ...f, source: basename(file), imported_at: importedAt })), 500);
    for (const month of [...months].sort()) {
      const open = await tx.q
        .selectFrom('payment_items as i')
        .leftJoin('payment_results as r', 'r.item_id', 'i.id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('i.month', '=', month)
        .where('i.held_reason', '=', '')
        .where('r.item_id', 'is', null)
        .executeTakeFirst();
      if (Number(open?.n ?? 0) > 0 || stateOf(await monthSteps(tx, month)) !== 'batch') continue;
      const counts = await tx.q
        .selectFrom('payment_items as i')
        .leftJoin('payment_results as r', 'r.item_id', 'i.id')
        .select((eb) => ['r.status', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('i.amount_fen').as('fen')])
        .where('i.month', '=', month)
        .groupBy('r.status')
        .execute();
      const by = Object.fromEntries(counts.map((c) => [c.status ?? 'held', { count: Number(c.n), fen: Number(c.fen) }]));
      await recordStep(tx, month, 'done', o.by, by, o.now);
      done.push(month);
    }
  });
  return { paid: found.filter((f) => f.status === 'paid').length, returned: found.filter((f) => f.status === 'returned').length, unchanged, done };
}
