import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { runSettlement } from '../settle/run.ts';
import { approveMonth, draftMonth, postMonth } from '../workflow/month.ts';
import { payMonth } from './batch.ts';
import { exportPaymentFile, rowMaker } from './file.ts';
import { importResults } from './results.ts';
import { loadTemplate } from './template.ts';
import { APPROVER, PREPARER, putMonthEnergy, seedSites } from './testing/scene.ts';

/**
 * Payment figures (JSON lines), called from payout/bench.ts:
 *  - payout.payments_month_county: 2,944 households (184 sites x 16) on a SQLite file, from
 *    approval to the payment file to the imported bank results; goal total_ms < 2000.
 *  - payout.payment_file_national: a 4,000,000-row payment file (generic template, CSV) on
 *    SQLite, beside a bare write of the same rows with the same library (csv-stringify, fs);
 *    goal file_ms < 60000.
 * PAYOUT_BENCH_SCALE shrinks the national case; PAYOUT_BENCH_ONLY=payments-county|payments-national runs one.
 */
const ms = (t: number) => Math.round(performance.now() - t);

async function countyMonth(dir: string): Promise<void> {
  const db = await openLedger(join(dir, 'payments-county.sqlite'));
  let t = performance.now();
  const sites = await seedSites(db, 184, 16, '2024-01-01');
  await putMonthEnergy(db, sites, '2024-01', (s, d) => 40_000 + ((s.charCodeAt(4) * 31 + Number(d.slice(8))) % 20) * 1000);
  await runSettlement(db, { from: '2024-01-01', to: '2024-01-31', now: new Date('2024-02-01T00:00:00Z') });
  const now = new Date('2024-02-01T02:00:00Z');
  await draftMonth(db, '2024-01', PREPARER, now);
  await postMonth(db, '2024-01', PREPARER, 0, now);
  const setupMs = ms(t);
  t = performance.now();
  await approveMonth(db, '2024-01', APPROVER, now);
  const approveMs = ms(t);
  t = performance.now();
  const batch = await payMonth(db, '2024-01', PREPARER, now);
  const payMs = ms(t);
  t = performance.now();
  const file = await exportPaymentFile(db, { month: '2024-01', payer: 'default', format: 'csv', by: 'bench', out: dir, now });
  const fileMs = ms(t);
  // the bank's answer (not timed): every 100th payment returned
  const rows: string[][] = parse(readFileSync(file.path), { bom: true, relax_column_count: true });
  const results = join(dir, 'county-results.csv');
  writeFileSync(results, ['业务参考号,状态,原因,金额', ...rows.slice(2, -1).map((r, i) => `${r[1]},${i % 100 === 0 ? '退回,账户冻结' : '成功,'},${r[4]}`)].join('\n'));
  t = performance.now();
  const imported = await importResults(db, results, { by: { name: 'bench' }, now });
  const resultsMs = ms(t);
  console.log(
    JSON.stringify({
      bench: 'payout.payments_month_county',
      households: batch.items,
      setup_ms: setupMs,
      approve_ms: approveMs,
      pay_ms: payMs,
      file_ms: fileMs,
      results_ms: resultsMs,
      total_ms: approveMs + payMs + fileMs + resultsMs,
      paid: imported.paid,
      returned: imported.returned,
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
      goal: 'total_ms<2000',
    }),
  );
  await db.close();
}

const account = (i: number) => `6222${String(100_000_000_000_000 + i * 7919).padStart(15, '0')}`;
const NAMES = '赵钱孙李周吴郑王冯陈';
const name = (i: number) => `${NAMES[i % 10]}${NAMES[(i >> 3) % 10]}${NAMES[(i >> 6) % 10]}`;
const ref = (i: number) => `202401${String(i + 1).padStart(7, '0')}`;
const amount = (i: number) => 10_000 + ((i * 7919) % 500_000);

async function nationalFile(dir: string, rows: number): Promise<void> {
  const db = await openLedger(join(dir, 'payments-national.sqlite'));
  let t = performance.now();
  await seedItems(db, rows);
  const seedMs = ms(t);
  t = performance.now();
  const file = await exportPaymentFile(db, { month: '2024-01', payer: 'default', format: 'csv', by: 'bench', out: dir, now: new Date('2024-02-05T00:00:00Z') });
  const fileMs = ms(t);
  t = performance.now();
  const bareBytes = await bareWrite(join(dir, 'bare.csv'), rows);
  const bareMs = ms(t);
  console.log(
    JSON.stringify({
      bench: 'payout.payment_file_national',
      rows: file.rows,
      bytes: file.bytes,
      file_ms: fileMs,
      bare_write_ms: bareMs,
      bare_bytes: bareBytes,
      ratio: Number((fileMs / Math.max(1, bareMs)).toFixed(2)),
      seed_ms: seedMs,
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
      goal: 'file_ms<60000',
    }),
  );
  await db.close();
}

/** The month's payment items written straight into the table (the batch itself is the county figure). */
async function seedItems(db: Db, rows: number): Promise<void> {
  const sql = 'INSERT INTO payment_items (id, month, payer_account, household_id, beneficiary_kind, released_cum_fen, amount_fen, account, account_name, held_reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  for (let i0 = 0; i0 < rows; i0 += 100_000) {
    const chunk: unknown[][] = [];
    for (let i = i0; i < Math.min(rows, i0 + 100_000); i++) chunk.push([ref(i), '2024-01', 'default', `h${i}`, 'household', amount(i), amount(i), account(i), name(i), '', '2024-02-05T00:00:00Z']);
    await db.runMany(sql, chunk);
  }
}

/** The same rows, cells and library without the ledger: csv-stringify in pages of 20,000 to a file. */
async function bareWrite(path: string, rows: number): Promise<number> {
  const t = loadTemplate('generic');
  const vars = { month: '2024-01', payer: 'default' };
  const stream = createWriteStream(path);
  let bytes = 0;
  const opts = { delimiter: t.delimiter, record_delimiter: '\r\n' } as const;
  const cells = rowMaker(t, vars);
  for (let i0 = 0; i0 < rows; i0 += 20_000) {
    const page: string[][] = [];
    for (let i = i0; i < Math.min(rows, i0 + 20_000); i++) page.push(cells({ seq: i + 1, reference: ref(i), account: account(i), name: name(i), amount_fen: amount(i), kind: 'household' }));
    const b = Buffer.from(stringify(page, opts), 'utf8');
    bytes += b.length;
    if (!stream.write(b)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return bytes;
}

export async function paymentsBench(dir: string, scale: number, only: string | undefined): Promise<void> {
  if (!only || only === 'payments' || only === 'payments-county') await countyMonth(dir);
  if (!only || only === 'payments' || only === 'payments-national') await nationalFile(dir, Math.round(4_000_000 / scale));
}
