import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { createLogger } from '../../common/log.ts';
import { buildApp, createToken, payoutServiceFor } from '../../api/index.ts';
import { exportRegistry, importRegistry, runSettlement } from '../../payout/index.ts';
import { EXAMPLE_REGISTRY, putEnergy } from '../../payout/testing/index.ts';

/** The logger of common/log.ts, writing into a string this test can search. */
function capturingLogger() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { log: createLogger('sec', 'trace', stream), text: () => text };
}

const FORMULAS = ['=HYPERLINK("http://evil.example","点我")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1,2)'];
const FORMULA_START = /^[=+\-@\t\r]/;

async function xlsxCells(body: Buffer): Promise<{ text: string; formula: boolean }[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const out: { text: string; formula: boolean }[] = [];
  wb.eachSheet((ws) =>
    ws.eachRow((row) =>
      row.eachCell((c) => {
        const v = c.value as unknown;
        const formula = typeof v === 'object' && v !== null && ('formula' in v || 'sharedFormula' in v);
        out.push({ text: typeof v === 'string' ? v : String(c.text), formula });
      }),
    ),
  );
  return out;
}

describe('personal data and spreadsheet safety in exports, reports, API responses and logs', () => {
  let db: Db;
  let app: FastifyInstance;
  let personal: string[];
  const tokens: Record<string, string> = {};
  const logs = capturingLogger();

  beforeAll(async () => {
    db = await openLedger(':memory:');
    await importRegistry(db, EXAMPLE_REGISTRY);
    const hh = await db.all<{ id: string }>('SELECT id FROM households ORDER BY id LIMIT 4');
    for (const [i, h] of hh.entries()) await db.run(`UPDATE households SET ${['name', 'village', 'town', 'name'][i]} = ? WHERE id = ?`, [FORMULAS[i], h.id]);
    const rows = await db.all<{ id_card: string | null; bank_account: string | null }>('SELECT id_card, bank_account FROM households');
    personal = rows.flatMap((r) => [r.id_card, r.bank_account]).filter((v): v is string => !!v && v.length >= 15);
    expect(personal.length).toBeGreaterThan(10);
    for (let d = 1; d <= 3; d++) await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', `2017-07-0${d}`, 1_200_000 + d * 1000);
    await runSettlement(db, { from: '2017-07-01', to: '2017-07-03', now: new Date('2017-07-10T00:00:00Z') });
    for (const role of ['viewer', 'finance', 'admin'] as const) tokens[role] = (await createToken(db, role, `sec-${role}`)).token;
    app = await buildApp({ db, log: logs.log, payout: await payoutServiceFor(db, logs.log), authFailuresPerMinute: 3 });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('masked registry exports (CSV and XLSX) hold no ID card or bank account number and no live formula', async () => {
    const csv = await exportRegistry(db, 'csv');
    for (const [name, body] of csv) {
      const text = body.toString('utf8');
      for (const p of personal) expect(text, `${name} leaks ${p}`).not.toContain(p);
      const cells = parse(body, { bom: true, relax_column_count: true }).flat();
      expect(cells.filter((c) => FORMULA_START.test(c)), name).toEqual([]);
    }
    expect(csv.get('households.csv')!.toString()).toContain(`'${FORMULAS[0]!.slice(0, 10)}`);
    const cells = await xlsxCells((await exportRegistry(db, 'xlsx')).get('registry.xlsx')!);
    expect(cells.filter((c) => c.formula)).toEqual([]);
    expect(cells.filter((c) => FORMULA_START.test(c.text))).toEqual([]);
    for (const p of personal) expect(cells.some((c) => c.text.includes(p))).toBe(false);
  });

  it('the finance export is unmasked only when asked for, and is recorded', async () => {
    const before = (await db.all('SELECT * FROM finance_exports')).length;
    const files = await exportRegistry(db, 'csv', { finance: { by: 'finance-officer-1' } });
    expect(personal.some((p) => files.get('households.csv')!.toString().includes(p))).toBe(true);
    const rows = await db.all<{ exported_by: string }>('SELECT * FROM finance_exports');
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)!.exported_by).toBe('finance-officer-1');
  });

  /** The printed 公示's words, read back by poppler's pdftotext. */
  const pdfText = (pdf: Buffer): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'sunshare-pdf-')), 'report.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  };

  it('every payout report (CSV, XLSX and the printed PDF) is formula-safe and masks personal data', async () => {
    const list = (await app.inject({ url: '/reports', headers: { authorization: `Bearer ${tokens.finance}` } })).json<{ items: { kind: string; formats: string[] }[] }>();
    expect(list.items.length).toBeGreaterThan(2);
    let checked = 0;
    for (const r of list.items) {
      for (const format of r.formats) {
        const res = await app.inject({ url: `/reports/${r.kind}?month=2017-07&format=${format}`, headers: { authorization: `Bearer ${tokens.finance}` } });
        expect(res.statusCode, `${r.kind}.${format}: ${res.body.slice(0, 200)}`).toBe(200);
        const cells =
          format === 'xlsx'
            ? await xlsxCells(res.rawPayload)
            : format === 'pdf'
              ? pdfText(res.rawPayload).split(/\s+/).map((text) => ({ text, formula: false }))
              : parse(res.rawPayload, { bom: true, relax_column_count: true }).flat().map((text) => ({ text, formula: false }));
        expect(cells.filter((c) => c.formula), `${r.kind}.${format}`).toEqual([]);
        // a printed page runs no formulas: a name that starts with "=" is printed as it is
        if (format !== 'pdf') expect(cells.filter((c) => FORMULA_START.test(c.text) && !/^-\d/.test(c.text)), `${r.kind}.${format}`).toEqual([]);
        for (const p of personal) expect(cells.some((c) => c.text.includes(p)), `${r.kind}.${format} leaks ${p}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('API responses mask ID cards and bank accounts, for every role', async () => {
    for (const role of ['viewer', 'finance', 'admin']) {
      const res = await app.inject({ url: '/households?limit=500', headers: { authorization: `Bearer ${tokens[role]}` } });
      expect(res.statusCode).toBe(200);
      for (const p of personal) expect(res.body).not.toContain(p);
    }
  });

  it('tokens are stored hashed; failures are rate-limited per address; nothing secret or personal reaches the log', async () => {
    const stored = JSON.stringify(await db.all('SELECT * FROM api_tokens'));
    for (const t of Object.values(tokens)) expect(stored).not.toContain(t.slice(4));
    const ip = '203.0.113.9';
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ url: '/sites', headers: { authorization: `Bearer ssk_guess-${i}` }, remoteAddress: ip })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    expect((await app.inject({ url: '/sites', headers: { authorization: `Bearer ${tokens.viewer}` }, remoteAddress: ip })).statusCode).toBe(429);
    // log objects that carry secrets the way components log them
    logs.log.info({ config: { mqtt: { password: 'hunter2-mqtt' }, influx: { token: 'influx-token-xyz' } } }, 'config loaded');
    logs.log.warn({ household: { id_card: personal[0], bank_account: personal[1] } }, 'bad household');
    const text = logs.text();
    expect(text.length).toBeGreaterThan(100);
    for (const secret of [...Object.values(tokens), ...Object.values(tokens).map((t) => t.slice(4)), 'hunter2-mqtt', 'influx-token-xyz', ...personal]) expect(text, `log leaks ${secret}`).not.toContain(secret);
  });

  it('redacts a secret however deep it sits in a logged object', () => {
    logs.log.info({ deploy: { ingest: { mqtt: { password: 'deep-secret-1' } } } }, 'deep config');
    expect(logs.text()).not.toContain('deep-secret-1');
  });
});
