import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { DEFAULT_TIME_ZONE, todayIn } from '../../common/index.ts';
import { formatYuan } from '../money/revenue.ts';
import { checkMonth } from '../workflow/steps.ts';
import { loadTemplate, type PaymentTemplate } from './template.ts';

export type PaymentFormat = 'csv' | 'xlsx';
export interface ExportOptions {
  month: string; payer: string; format: PaymentFormat; template?: string; by: string; out: string; now?: Date; pageSize?: number;
  /** XLSX: payments per sheet before the file goes on in the next sheet (a sheet holds 1,048,576 rows) */
  rowsPerSheet?: number;
}
export interface ExportResult { path: string; name: string; rows: number; total_fen: number; sha256: string; bytes: number; template: string }

/** One payment as the file shows it: the full account number appears here and nowhere else. */
export interface FileRow { seq: number; reference: string; account: string; name: string; amount_fen: number; kind: string }

const fill = (text: string, v: Record<string, string>) => text.replace(/\{(\w+)\}/g, (m, k: string) => v[k] ?? m);

export function amountText(t: PaymentTemplate, fen: number): string {
  return t.amount === 'fen' ? String(fen) : formatYuan(fen);
}

/** The cells of one payment row in the template's column order. */
export function rowCells(t: PaymentTemplate, r: FileRow, vars: Record<string, string>): string[] {
  return rowMaker(t, vars)(r);
}

/** A row writer for the template, its fixed texts filled in once (the national file has millions of rows). */
export function rowMaker(t: PaymentTemplate, vars: Record<string, string>): (r: FileRow) => string[] {
  const cells = t.columns.map((c): ((r: FileRow) => string) => {
    switch (c.value) {
      case 'seq': return (r) => String(r.seq);
      case 'reference': return (r) => r.reference;
      case 'account': return (r) => r.account;
      case 'name': return (r) => r.name;
      case 'amount': return t.amount === 'fen' ? (r) => String(r.amount_fen) : (r) => formatYuan(r.amount_fen);
      case 'kind': return (r) => r.kind;
      default: {
        const text = c.value === 'month' ? vars.month! : c.value === 'payer' ? vars.payer! : fill(c.value.slice('text:'.length), vars);
        return () => text;
      }
    }
  });
  return (r) => cells.map((f) => f(r));
}

/** Encodes CSV text in the template's encoding; refuses a character the encoding cannot hold (it would reach the bank as "?"). */
export function encodeText(t: PaymentTemplate, text: string): Buffer {
  if (t.encoding === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes = iconv.encode(text, 'gbk');
  if (iconv.decode(bytes, 'gbk') !== text) {
    const bad = [...text].find((ch) => iconv.decode(iconv.encode(ch, 'gbk'), 'gbk') !== ch) ?? '?';
    const line = text.split(/\r?\n/).find((l) => l.includes(bad)) ?? '';
    throw new SunshareError('PAYMENT_TEMPLATE_INVALID', `the ${t.name} template writes GBK, which has no "${bad}" (in the row "${line.slice(0, 80)}"): fix the name in the registry or use a UTF-8 template`);
  }
  return bytes;
}

async function write(stream: WriteStream, hash: ReturnType<typeof createHash>, bytes: Buffer): Promise<void> {
  hash.update(bytes);
  if (!stream.write(bytes)) await once(stream, 'drain');
}

/** Pages of a month's payments for one payer account, in reference order (held ones are not in the file). */
async function* pages(db: Db, month: string, payer: string, size: number): AsyncGenerator<FileRow[]> {
  let after = '';
  let seq = 0;
  for (;;) {
    const rows = await db.q
      .selectFrom('payment_items')
      .select(['id', 'account', 'account_name', 'amount_fen', 'beneficiary_kind'])
      .where('month', '=', month)
      .where('payer_account', '=', payer)
      .where('held_reason', '=', '')
      .where('id', '>', after)
      .orderBy('id')
      .limit(size)
      .execute();
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    yield rows.map((r) => ({ seq: ++seq, reference: r.id, account: r.account, name: r.account_name, amount_fen: Number(r.amount_fen), kind: r.beneficiary_kind }));
  }
}

/**
 * Writes the month's bank batch-transfer file for one payer account (CSV or
 * XLSX, laid out by the template), streaming, and records the export: who,
 * when, rows, total and the file's SHA-256. Finance and admin only (the API
 * checks the role; the CLI records --by).
 */
export async function exportPaymentFile(db: Db, o: ExportOptions): Promise<ExportResult> {
  checkMonth(o.month);
  const t = loadTemplate(o.template);
  const totals = await db.q
    .selectFrom('payment_items')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount_fen').as('fen')])
    .where('month', '=', o.month)
    .where('payer_account', '=', o.payer)
    .where('held_reason', '=', '')
    .executeTakeFirst();
  const count = Number(totals?.n ?? 0);
  if (count === 0) {
    const payers = (await db.q.selectFrom('payment_items').select('payer_account').distinct().where('month', '=', o.month).where('held_reason', '=', '').execute()).map((p) => p.payer_account);
    throw new SunshareError('PAYMENT_FILE_EMPTY', `${o.month} has no payment from payer account "${o.payer}" (payer accounts with payments: ${payers.join(', ') || 'none; is the month paid?'})`);
  }
  const total = Number(totals?.fen ?? 0);
  const now = o.now ?? new Date();
  const vars = { month: o.month, payer: o.payer, count: String(count), total: amountText(t, total), date: todayIn(DEFAULT_TIME_ZONE, now) };
  await mkdir(o.out, { recursive: true });
  const name = `payments-${o.month}-${o.payer.replace(/[^\p{L}\p{N}_.-]/gu, '_')}-${t.name}.${o.format}`;
  const path = join(o.out, name);
  const head = t.header.map((r) => r.map((c) => fill(c, vars)));
  const control = t.control.cells.map((c) => fill(c, vars));
  const titles = t.titles ? [t.columns.map((c) => c.title)] : [];
  const top = [...head, ...(t.control.at === 'top' ? [control] : []), ...titles];
  const bottom = t.control.at === 'bottom' ? [control] : [];
  let written = 0;
  let sha256: string;
  let bytes = 0;
  if (o.format === 'csv') {
    const opts = { delimiter: t.delimiter, record_delimiter: t.lineEnding === 'crlf' ? '\r\n' : '\n' } as const;
    const hash = createHash('sha256');
    const stream = createWriteStream(path);
    const put = async (rows: string[][]) => {
      const b = encodeText(t, stringify(rows, opts));
      bytes += b.length;
      await write(stream, hash, b);
    };
    if (t.bom) await write(stream, hash, Buffer.from([0xef, 0xbb, 0xbf])).then(() => (bytes += 3));
    await put(top);
    const cells = rowMaker(t, vars);
    for await (const page of pages(db, o.month, o.payer, o.pageSize ?? 20_000)) {
      await put(page.map(cells));
      written += page.length;
    }
    if (bottom.length) await put(bottom);
    stream.end();
    await once(stream, 'finish');
    sha256 = hash.digest('hex');
  } else {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
    let ws = wb.addWorksheet(o.month);
    for (const r of top) ws.addRow(r).commit();
    const amountAt = t.columns.findIndex((c) => c.value === 'amount');
    const make = rowMaker(t, vars);
    const perSheet = o.rowsPerSheet ?? 1_000_000;
    let inSheet = 0;
    let sheets = 1;
    for await (const page of pages(db, o.month, o.payer, o.pageSize ?? 20_000)) {
      for (const r of page) {
        if (inSheet === perSheet) {
          // the sheet is full: the file goes on in the next one, under the same titles
          ws.commit();
          ws = wb.addWorksheet(`${o.month}-${++sheets}`);
          for (const row of titles) ws.addRow(row).commit();
          inSheet = 0;
        }
        inSheet++;
        const cells: (string | number)[] = make(r);
        cells[amountAt] = t.amount === 'fen' ? r.amount_fen : r.amount_fen / 100;
        const row = ws.addRow(cells);
        if (t.amount === 'yuan') row.getCell(amountAt + 1).numFmt = '0.00';
        row.commit();
      }
      written += page.length;
    }
    for (const r of bottom) ws.addRow(r).commit();
    ws.commit();
    await wb.commit();
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    sha256 = hash.digest('hex');
  }
  if (written !== count) throw new SunshareError('INTERNAL', `payment file ${name}: wrote ${written} rows, the month has ${count}`);
  await db.q
    .insertInto('payment_exports')
    .values({ month: o.month, payer_account: o.payer, format: o.format, template: t.name, exported_by: o.by, exported_at: now.toISOString(), rows: count, total_fen: total, sha256 })
    .execute();
  return { path, name, rows: count, total_fen: total, sha256, bytes, template: t.name };
}
