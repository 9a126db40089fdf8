import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { SunshareError } from '../../common/errors.ts';
import { textOf } from '../../common/text.ts';
import { formatKwh, formatYuan } from '../money/revenue.ts';
import { sumRow, TOTAL_LABEL, type Column, type Table } from './table.ts';

/**
 * A table printed on A4 for a notice board: the Chinese font embedded (a
 * subset of WenQuanYi Micro Hei), on every page a header (title, subtitle,
 * page x of y), the column heads, the page's rows and their 本页小计, and a
 * footer (the provenance); the 合计 row on the last page. Rows per page are
 * fixed, so "of y" is known before the first page is drawn, and every cell's
 * text is shrunk to fit its column rather than cut off.
 */
export const CJK_FONT_PATH = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
export const CJK_FONT_FAMILY = 'WenQuanYi Micro Hei';
export const CJK_FONT_PACKAGE = 'fonts-wqy-microhei';
/** the face inside the .ttc collection, by its PostScript name */
const CJK_FONT_FACE = 'WenQuanYiMicroHei';

export interface PdfOptions {
  /** printed on the left of the header line, e.g. the village and month */
  subtitle: string;
  /** small print at the foot of every page */
  footer: string[];
  /** column key -> width in points; the rest share what is left */
  widths?: Record<string, number>;
  /** a numbering column first (序号) */
  numbered?: boolean;
  fontPath?: string;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 36;
const ROW_H = 16;
const FONT_SIZE = 9;
const SUBTOTAL_LABEL = '本页小计';

function cellText(col: Column, v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (col.kind ?? 'text') {
    case 'yuan':
      return formatYuan(Number(v));
    case 'kwh':
    case 'kw':
      return formatKwh(Number(v));
    default:
      return textOf(v);
  }
}

export function pagesFor(rows: number): { perPage: number; pages: number } {
  const top = MARGIN + 62 + ROW_H; // title, subtitle, column heads
  const bottom = A4.height - MARGIN - 30; // footer
  const perPage = Math.floor((bottom - top) / ROW_H) - 2; // room for 本页小计 and 合计
  return { perPage, pages: Math.max(1, Math.ceil(rows / perPage)) };
}

export async function tableToPdf(table: Table, opts: PdfOptions): Promise<Buffer> {
  return tablesToPdf([{ table, opts }], opts.fontPath);
}

/** Several tables in one document, each starting on a new page with its own page numbering (a notice per village). */
export async function tablesToPdf(sections: { table: Table; opts: PdfOptions }[], fontPath = CJK_FONT_PATH): Promise<Buffer> {
  if (!existsSync(fontPath)) {
    throw new SunshareError('REPORT_FONT_MISSING', `the printable notice needs the Chinese font ${fontPath} (${CJK_FONT_FAMILY}), from the Debian package ${CJK_FONT_PACKAGE}; it is not installed`);
  }
  const usable = A4.width - 2 * MARGIN;
  const first = sections[0]?.table;
  const doc = new PDFDocument({ size: 'A4', margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 8 }, autoFirstPage: false, info: { Title: first?.title ?? first?.name ?? '', Creator: 'Sunshare' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('cjk', fontPath, CJK_FONT_FACE);

  /** Writes text in a box, shrinking the font until it fits the width. */
  const fit = (text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center', size = FONT_SIZE) => {
    let s = size;
    doc.font('cjk').fontSize(s);
    while (s > 4 && doc.widthOfString(text) > width - 4) doc.fontSize((s -= 0.5));
    doc.text(text, x + 2, y + (ROW_H - s) / 2 - 1, { width: width - 4, align, lineBreak: false });
  };
  for (const { table, opts } of sections) drawTable(doc, fit, usable, table, opts);
  if (sections.length === 0) doc.addPage();
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

type Fit = (text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center', size?: number) => void;

function drawTable(doc: PDFKit.PDFDocument, fit: Fit, usable: number, table: Table, opts: PdfOptions): void {
  const columns: Column[] = [...(opts.numbered ? [{ key: '#', header: '序号' } satisfies Column] : []), ...table.columns];
  const fixed = columns.reduce((a, c) => a + (opts.widths?.[c.key] ?? 0), 0);
  const free = columns.filter((c) => opts.widths?.[c.key] === undefined);
  const widths = columns.map((c) => opts.widths?.[c.key] ?? (usable - fixed) / Math.max(1, free.length));
  const rows = table.rows.map((r, i) => ({ ...r, '#': i + 1 }));
  const { perPage, pages } = pagesFor(rows.length);
  const drawRow = (r: Record<string, unknown>, y: number, bold = false) => {
    let x = MARGIN;
    columns.forEach((c, i) => {
      const numeric = c.kind !== undefined && c.kind !== 'text';
      fit(c.key === '#' && typeof r['#'] !== 'number' ? '' : cellText(c.key === '#' ? { key: '#', header: '', kind: 'int' } : c, r[c.key]), x, y, widths[i]!, numeric || c.key === '#' ? 'right' : 'left');
      x += widths[i]!;
    });
    doc.moveTo(MARGIN, y + ROW_H).lineTo(MARGIN + usable, y + ROW_H).lineWidth(bold ? 0.8 : 0.3).strokeColor(bold ? '#000' : '#999').stroke();
  };
  const labelKey = columns.find((c) => c.key !== '#')!.key;

  for (let p = 0; p < pages; p++) {
    doc.addPage();
    fit(table.title ?? table.name, MARGIN, MARGIN, usable, 'center', 15);
    fit(opts.subtitle, MARGIN, MARGIN + 24, usable * 0.7, 'left', 9);
    fit(`第 ${p + 1} 页 / 共 ${pages} 页`, MARGIN + usable * 0.7, MARGIN + 24, usable * 0.3, 'right', 9);
    let y = MARGIN + 62;
    let x = MARGIN;
    columns.forEach((c, i) => {
      fit(c.header, x, y, widths[i]!, 'center');
      x += widths[i]!;
    });
    doc.moveTo(MARGIN, y).lineTo(MARGIN + usable, y).lineWidth(0.8).strokeColor('#000').stroke();
    doc.moveTo(MARGIN, y + ROW_H).lineTo(MARGIN + usable, y + ROW_H).lineWidth(0.8).stroke();
    y += ROW_H;
    const pageRows = rows.slice(p * perPage, (p + 1) * perPage);
    for (const r of pageRows) {
      drawRow(r, y);
      y += ROW_H;
    }
    drawRow(sumRow(columns, pageRows, labelKey, SUBTOTAL_LABEL), y, true);
    y += ROW_H;
    if (p === pages - 1) drawRow(table.total ?? sumRow(columns, rows, labelKey, TOTAL_LABEL), y, true);
    opts.footer.forEach((line, i) => fit(line, MARGIN, A4.height - MARGIN - 28 + i * 10, usable, 'left', 6.5));
  }
}
