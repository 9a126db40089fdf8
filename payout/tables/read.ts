import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { SunshareError } from '../../common/errors.ts';

/** A sheet read from CSV or XLSX: header names lower-cased, every cell as trimmed text, with its line number. */
export interface RawSheet { source: string; name: string; rows: { line: number; cells: Record<string, string> }[]; headers: string[] }

// our exports prefix ' to cells that would start a formula; importing them back takes it off
const unneutralise = (text: string): string => (/^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text);

export async function readSheets(file: string): Promise<RawSheet[]> {
  const ext = extname(file).toLowerCase();
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new SunshareError('REGISTRY_FILE', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (ext === '.xlsx') return readXlsx(file, data);
  if (ext === '.csv') return [readCsv(file, data)];
  throw new SunshareError('REGISTRY_FILE', `${file}: only .csv and .xlsx files can be imported`);
}

export function readCsv(file: string, data: Buffer): RawSheet {
  // Bytes that are not UTF-8 would be read as U+FFFD and imported as if typed so.
  if (!isUtf8(data)) {
    const text = data.toString('utf8');
    const line = text.slice(0, Math.max(0, text.indexOf('\uFFFD'))).split('\n').length;
    throw new SunshareError('REGISTRY_FILE', `${basename(file)} line ${line}: not UTF-8 text; save the file as "CSV UTF-8"`);
  }
  let records: string[][];
  try {
    records = parse(data, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new SunshareError('REGISTRY_FILE', `${basename(file)}: not valid CSV: ${(err as Error).message}`);
  }
  const [head = [], ...body] = records;
  const headers = head.map((h) => h.toLowerCase());
  const twice = headers.find((h, i) => h !== '' && headers.indexOf(h) !== i);
  if (twice !== undefined) throw new SunshareError('REGISTRY_FILE', `${basename(file)}: column "${twice}" appears twice in the header`);
  const wide = body.findIndex((r) => r.length > headers.length && r.slice(headers.length).some((c) => c !== ''));
  if (wide >= 0) throw new SunshareError('REGISTRY_FILE', `${basename(file)} line ${wide + 2}: ${body[wide]!.length} cells, but the header names ${headers.length} columns`);
  return {
    source: basename(file),
    name: basename(file, extname(file)),
    headers,
    rows: body.map((r, i) => ({ line: i + 2, cells: Object.fromEntries(headers.map((h, j) => [h, unneutralise(r[j] ?? '')])) })),
  };
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  // an ID card or account typed as a number in Excel has lost its last digits: refuse it rather than import a wrong one
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return `${v} (a number too long for Excel to keep exact; format the cell as text)`;
  if (typeof v === 'object') {
    if ('result' in v) return cellText(v.result);
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
    return '';
  }
  return String(v).trim();
}

async function readXlsx(file: string, data: Buffer): Promise<RawSheet[]> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (err) {
    throw new SunshareError('REGISTRY_FILE', `${basename(file)}: not a readable XLSX workbook: ${(err as Error).message}`);
  }
  return wb.worksheets.map((ws) => {
    const headers: string[] = [];
    ws.getRow(1).eachCell({ includeEmpty: true }, (c, col) => (headers[col - 1] = cellText(c.value).toLowerCase()));
    const rows: RawSheet['rows'] = [];
    ws.eachRow((row, line) => {
      if (line === 1) return;
      const cells: Record<string, string> = {};
      headers.forEach((h, i) => (cells[h] = unneutralise(cellText(row.getCell(i + 1).value))));
      if (Object.values(cells).some((v) => v !== '')) rows.push({ line, cells });
    });
    return { source: `${basename(file)}[${ws.name}]`, name: ws.name, headers, rows };
  });
}
