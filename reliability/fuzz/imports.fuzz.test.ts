import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SunshareError } from '../../common/errors.ts';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { importMeterReads, importRegistry } from '../../payout/index.ts';
import { EXAMPLE_REGISTRY, EXAMPLES_DIR } from '../../payout/testing/index.ts';

const SEED = 424_242;
const CSV_CASES = 250;
const XLSX_CASES = 80;
const TABLES = ['sites', 'devices', 'households', 'allocations', 'tariffs', 'site_policies', 'grid_meter_reads'];

/** One text mutation of a CSV file. */
const csvMutation = fc.oneof(
  fc.record({ op: fc.constant('replace_char' as const), at: fc.nat(), with: fc.oneof(fc.constantFrom('"', ',', '\n', '\r', '\u0000', '\uFEFF', '；', '，', ' '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 })) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('formula_cell' as const), at: fc.nat(), with: fc.constantFrom('=cmd|\' /C calc\'!A0', '+1+1', '-2+3', '@SUM(A1:A9)', '=HYPERLINK("http://evil","x")', "'=1+1", '\t=1') }),
  fc.record({ op: fc.constant('duplicate_row' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('huge_rows' as const), at: fc.integer({ min: 1000, max: 5000 }) }),
  fc.record({ op: fc.constant('random_bytes' as const), bytes: fc.uint8Array({ maxLength: 2000 }) }),
  fc.record({ op: fc.constant('huge_cell' as const), at: fc.integer({ min: 1000, max: 300_000 }) }),
  fc.record({ op: fc.constant('number_forms' as const), at: fc.nat(), with: fc.constantFrom('1e3', '-0', 'NaN', 'Infinity', '0x10', '1,000', '３', '1.23456789', '99999999999999999999', '') }),
);
type CsvMutation = typeof csvMutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: CsvMutation): string | Buffer {
  const lines = text.split('\n');
  switch (m.op) {
    case 'replace_char': {
      const i = m.at % Math.max(1, text.length);
      return text.slice(0, i) + m.with + text.slice(i + 1);
    }
    case 'truncate':
      return text.slice(0, m.at % Math.max(1, text.length));
    case 'formula_cell':
    case 'number_forms': {
      const row = 1 + (m.at % Math.max(1, lines.length - 2));
      const cells = (lines[row] ?? '').split(',');
      cells[m.at % cells.length] = m.with.includes(',') || m.with.includes('"') ? `"${m.with.replaceAll('"', '""')}"` : m.with;
      lines[row] = cells.join(',');
      return lines.join('\n');
    }
    case 'duplicate_row': {
      const row = 1 + (m.at % Math.max(1, lines.length - 2));
      lines.splice(row, 0, lines[row] ?? '');
      return lines.join('\n');
    }
    case 'huge_rows':
      // the same rows over and over: every copy after the first is a duplicate key
      return [lines[0], ...Array.from({ length: m.at }, (_, i) => lines[1 + (i % Math.max(1, lines.length - 2))] ?? '')].join('\n');
    case 'random_bytes':
      return Buffer.from(m.bytes);
    case 'huge_cell':
      return lines[0] + '\n' + 'y'.repeat(m.at) + (lines[1] ?? '').slice(1) + '\n';
  }
}

async function snapshot(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const t of TABLES) parts.push(JSON.stringify(await db.all(`SELECT * FROM ${t} ORDER BY 1, 2`)));
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Runs an import; returns 'ok' or the SunshareError; anything else (a crash) is rethrown. */
async function attempt(p: Promise<unknown>): Promise<'ok' | SunshareError> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof SunshareError) return err;
    throw err;
  }
}

/** Structural attacks on one CSV cell (or on the header), as bytes: what a text format can carry of deep nesting, huge arrays, proto keys, bad UTF-8, huge numbers and MB strings. */
const CELL_ATTACKS: { kind: string; cell: Buffer }[] = [
  { kind: 'deep_nesting', cell: Buffer.from(`"${'[{""a"":'.repeat(100_000)}"`) },
  { kind: 'deep_quotes', cell: Buffer.from('"'.repeat(200_001)) },
  { kind: 'huge_array_columns', cell: Buffer.from(Array.from({ length: 100_000 }, (_, i) => String(i)).join(',')) },
  { kind: 'proto_value', cell: Buffer.from('__proto__') },
  { kind: 'constructor_value', cell: Buffer.from('constructor') },
  { kind: 'invalid_utf8', cell: Buffer.from([0x69, 0x6e, 0x76, 0xc3, 0x28, 0xff, 0xfe]) },
  { kind: 'utf8_surrogate', cell: Buffer.from([0xed, 0xa0, 0x80]) },
  { kind: 'bom_inside', cell: Buffer.from('\uFEFFx') },
  { kind: 'number_2_53_plus_1', cell: Buffer.from('9007199254740993') },
  { kind: 'number_1e400', cell: Buffer.from('1e400') },
  { kind: 'number_minus_1e400', cell: Buffer.from('-1e400') },
  { kind: 'number_NaN', cell: Buffer.from('NaN') },
  { kind: 'number_Infinity', cell: Buffer.from('Infinity') },
  { kind: 'string_1mb', cell: Buffer.from('x'.repeat(1_048_576)) },
];

/** The file with cell (row 1, column `col`) replaced by the attack's bytes; col -1 attacks the header. */
function attackCsv(text: string, col: number, cell: Buffer, header: 'proto' | 'duplicate' | undefined): Buffer {
  const lines = text.trimEnd().split('\n');
  if (header) {
    const names = lines[0]!.split(',');
    const extra = header === 'proto' ? ['__proto__', 'constructor', 'prototype'] : [names[col]!];
    lines[0] = [...names, ...extra].join(',');
    lines[1] = [lines[1]!, ...extra.map((_, i) => (header === 'proto' ? `{"polluted":${i}}` : 'duplicate'))].join(',');
    return Buffer.from(lines.join('\n') + '\n');
  }
  const cells = lines[1]!.split(',');
  const before = Buffer.from([...lines.slice(0, 1), cells.slice(0, col).join(',')].join('\n') + (col > 0 ? ',' : '\n'.slice(0, 0)));
  const after = Buffer.from((col < cells.length - 1 ? ',' : '') + cells.slice(col + 1).join(',') + '\n' + lines.slice(2).join('\n') + '\n');
  return Buffer.concat([col === 0 ? Buffer.from(lines[0]! + '\n') : before, cell, after]);
}

describe('registry and meter-read imports under malformed files', () => {
  let db: Db;
  let dir: string;
  const counts = { cases: 0, imported: 0, refused: 0, problems: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-fuzz-import-'));
    db = await openLedger(':memory:');
    await importRegistry(db, EXAMPLE_REGISTRY);
  });
  afterAll(async () => {
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A refusal names what is wrong and writes nothing; an accepted file is left in place. */
  async function check(run: () => Promise<unknown>, what: string): Promise<void> {
    const before = await snapshot(db);
    const r = await attempt(run()).catch((err: Error) => {
      throw new Error(`${what}: crashed instead of refusing: ${err.stack ?? err.message}`);
    });
    counts.cases++;
    if (r === 'ok') {
      counts.imported++;
      return;
    }
    counts.refused++;
    counts.problems += r.details.length;
    expect(r.code, what).toMatch(/^(REGISTRY|METER_READS)_/);
    expect(r.message.length + r.details.join('').length, what).toBeGreaterThan(10);
    expect(await snapshot(db), `${what}: a refused import wrote something`).toBe(before);
  }

  it(`refuses ${CSV_CASES} mutated CSV files with reasons and writes nothing from them`, async () => {
    const mutations = fc.sample(fc.tuple(fc.nat({ max: EXAMPLE_REGISTRY.length }), csvMutation), { seed: SEED, numRuns: CSV_CASES });
    for (const [k, [which, m]] of mutations.entries()) {
      const meter = which === EXAMPLE_REGISTRY.length;
      const source = meter ? join(EXAMPLES_DIR, 'meter-reads.csv') : EXAMPLE_REGISTRY[which]!;
      const caseDir = mkdtempSync(join(dir, `c${k}-`));
      const target = join(caseDir, basename(source));
      writeFileSync(target, mutate(readFileSync(source, 'utf8'), m));
      if (meter) await check(() => importMeterReads(db, target), `case ${k} meter-reads ${m.op}`);
      else {
        const files = EXAMPLE_REGISTRY.map((f) => (f === source ? target : f));
        await check(() => importRegistry(db, files), `case ${k} ${basename(source)} ${m.op}`);
      }
      rmSync(caseDir, { recursive: true, force: true });
    }
    console.log(JSON.stringify({ fuzz: 'payout.csv_imports', seed: SEED, ...counts, heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6) }));
  });

  it('survives structural attacks on every column of every import file (and on their headers), writing nothing from a refused one', async () => {
    const start = { ...counts };
    const kinds = new Set<string>();
    const accepted: string[] = [];
    const files = [...EXAMPLE_REGISTRY, join(EXAMPLES_DIR, 'meter-reads.csv')];
    let k = 0;
    for (const source of files) {
      const text = readFileSync(source, 'utf8');
      const columns = text.split('\n')[0]!.split(',');
      const variants: { kind: string; bytes: Buffer }[] = [];
      for (let col = 0; col < columns.length; col++) for (const a of CELL_ATTACKS) variants.push({ kind: `${a.kind}:${columns[col]}`, bytes: attackCsv(text, col, a.cell, undefined) });
      variants.push({ kind: 'proto_header', bytes: attackCsv(text, 0, Buffer.alloc(0), 'proto') });
      for (let col = 0; col < columns.length; col++) variants.push({ kind: `duplicate_header:${columns[col]}`, bytes: attackCsv(text, col, Buffer.alloc(0), 'duplicate') });
      variants.push({ kind: 'huge_array_rows', bytes: Buffer.from(`${columns.join(',')}\n${`${text.split('\n')[1]}\n`.repeat(20_000)}`) });
      for (const v of variants) {
        kinds.add(v.kind.split(':')[0]!);
        const caseDir = mkdtempSync(join(dir, `s${k++}-`));
        const target = join(caseDir, basename(source));
        writeFileSync(target, v.bytes);
        const meter = source.endsWith('meter-reads.csv');
        const importedBefore = counts.imported;
        await check(() => (meter ? importMeterReads(db, target) : importRegistry(db, EXAMPLE_REGISTRY.map((f) => (f === source ? target : f)))), `${basename(source)} ${v.kind}`);
        if (counts.imported > importedBefore) accepted.push(`${basename(source)} ${v.kind}`);
        rmSync(caseDir, { recursive: true, force: true });
      }
    }
    if (process.env.FUZZ_LOG) console.log(accepted.join('\n'));
    // Bytes that are not UTF-8, cells beyond the header and a column named twice are refused, never imported as a guess.
    expect(accepted.filter((a) => /invalid_utf8|utf8_surrogate|huge_array_columns|duplicate_header/.test(a))).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    console.log(JSON.stringify({ fuzz: 'payout.csv_structural', attack_kinds: kinds.size, cases: counts.cases - start.cases, imported: counts.imported - start.imported, refused: counts.refused - start.refused, crashes: 0, heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6) }));
  }, 120_000);

  it(`refuses ${XLSX_CASES} hostile XLSX workbooks (formulas, errors, odd types, corrupt zips)`, async () => {
    const cellValue = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.double(),
      fc.date({ noInvalidDate: true }),
      fc.constantFrom<ExcelJS.CellValue>({ formula: 'A1*2', result: 7 }, { formula: 'HYPERLINK("http://evil","x")', result: 'x' }, { error: '#REF!' } as ExcelJS.CellErrorValue, { richText: [{ text: '=cmd' }] }, { formula: 'NOW()' } as ExcelJS.CellFormulaValue, null, true),
    );
    const cases = fc.sample(fc.tuple(fc.nat({ max: 5 }), fc.array(fc.tuple(fc.nat({ max: 60 }), fc.nat({ max: 7 }), cellValue), { minLength: 1, maxLength: 6 }), fc.option(fc.nat(), { freq: 4 })), { seed: SEED + 1, numRuns: XLSX_CASES });
    const startCounts = { ...counts };
    for (const [k, [which, edits, corruptAt]] of cases.entries()) {
      const wb = new ExcelJS.Workbook();
      for (const file of EXAMPLE_REGISTRY) {
        const ws = wb.addWorksheet(basename(file, '.csv'));
        for (const line of readFileSync(file, 'utf8').trim().split('\n')) ws.addRow(line.split(','));
      }
      const ws = wb.worksheets[which]!;
      for (const [row, col, v] of edits) ws.getCell(1 + (row % (ws.rowCount + 2)), 1 + col).value = v;
      let data = Buffer.from(await wb.xlsx.writeBuffer());
      if (corruptAt !== null) {
        data = Buffer.from(data);
        const i = corruptAt % data.length;
        data[i] = data[i]! ^ 0xff;
      }
      const file = join(dir, `case${k}.xlsx`);
      writeFileSync(file, data);
      await check(() => importRegistry(db, [file]), `xlsx case ${k}`);
    }
    console.log(JSON.stringify({ fuzz: 'payout.xlsx_imports', seed: SEED + 1, cases: counts.cases - startCounts.cases, imported: counts.imported - startCounts.imported, refused: counts.refused - startCounts.refused, heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6) }));
  });
});
