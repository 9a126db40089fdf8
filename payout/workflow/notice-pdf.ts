import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import PDFDocument from 'pdfkit';
import { SunshareError } from '../../common/errors.ts';
import { formatYuan } from '../money/revenue.ts';
import type { Table } from '../tables/table.ts';

const textOf = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** A font with Chinese glyphs: $SUNSHARE_CJK_FONT ("file" or "file|postscript name" for a collection), else the first fontconfig finds. */
export function cjkFont(): { file: string; family?: string } {
  const given = process.env.SUNSHARE_CJK_FONT;
  const line = given ?? (() => {
    try {
      return execFileSync('fc-list', [':lang=zh', '-f', '%{file}|%{postscriptname}\\n'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()[0];
    } catch {
      return undefined;
    }
  })();
  if (!line) throw new SunshareError('CONFIG_INVALID', 'no font with Chinese glyphs for the printable notice: install fonts-wqy-microhei (or set SUNSHARE_CJK_FONT to a .ttf/.ttc file)');
  const [file, family] = line.split('|') as [string, string | undefined];
  return { file, family: family || undefined };
}

/** The 公示 notice as a printable A4 PDF: the title with its posting period, then the table, page after page. */
export async function writeNoticePdf(table: Table, path: string): Promise<void> {
  const font = cjkFont();
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: table.title ?? table.name } });
  const done = once(doc.pipe(createWriteStream(path)), 'finish');
  if (font.family) doc.registerFont('cjk', font.file, font.family);
  else doc.registerFont('cjk', font.file);
  doc.font('cjk');
  const widths = [80, 150, 60, 140, 85];
  const x0 = doc.page.margins.left;
  const row = (cells: string[], size: number) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 20) doc.addPage();
    const y = doc.y;
    let x = x0;
    cells.forEach((c, i) => {
      doc.fontSize(size).text(c, x, y, { width: widths[i]! - 6, align: i === cells.length - 1 ? 'right' : 'left', lineBreak: false, ellipsis: true });
      x += widths[i]!;
    });
    doc.x = x0;
    doc.y = y + size + 6;
  };
  doc.fontSize(15).text(table.title ?? table.name, { align: 'center' });
  doc.moveDown(0.8);
  row(table.columns.map((c) => c.header), 10);
  let total = 0;
  for (const r of table.rows) {
    row(table.columns.map((c) => (c.kind === 'yuan' ? formatYuan(Number(r[c.key])) : textOf(r[c.key]))), 10);
    total += Number(r.net ?? 0);
  }
  row(['合计', `${table.rows.length} 户`, '', '', formatYuan(total)], 10);
  doc.moveDown(1);
  doc.fontSize(9).text('公示期内如有异议，请向村委会或镇政府反映。', x0);
  doc.end();
  await done;
}
