import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Db } from '../../../common/ledger/index.ts';
import { addDays, monthDays } from '../../../common/index.ts';
import { seedRegistry } from '../../registry/seed.ts';
import { putEnergy } from '../../testing/fixture.ts';
import { approveMonth, draftMonth, postMonth } from '../../workflow/month.ts';
import { payMonth, type BatchResult } from '../batch.ts';
import { exportPaymentFile, type ExportResult } from '../file.ts';
import { importResults, type ResultsOutcome } from '../results.ts';

/** Test and bench scenes for payments: sites with a revenue meter, households, and a month taken through the workflow. */
export const PREPARER = { name: 'preparer-li' };
export const APPROVER = { name: 'approver-wang' };
export const GRID_RATE = 45_300;
export const SUBSIDY_RATE = 52_700;

export async function seedSites(db: Db, sites: number, perSite: number, from: string): Promise<string[]> {
  const ids = Array.from({ length: sites }, (_, i) => `pv${String(i + 1).padStart(3, '0')}`);
  await seedRegistry(
    db,
    ids.map((id, i) => ({ id, name: `光伏站${i + 1}`, capacityW: 3000 * perSite + 3000, village: `村${i % 7}`, town: '东坑镇', commissionedOn: from, devices: [{ id: 'meter', kind: 'meter', revenueMeter: true }] })),
    { tariff: { from, gridRate: GRID_RATE, subsidyRate: SUBSIDY_RATE }, households: { perSite, shareW: 3000, from } },
  );
  return ids;
}

/** Each site's meter exports `wh(site, day)` Wh a day over the month. */
export async function putMonthEnergy(db: Db, sites: readonly string[], month: string, wh: (site: string, day: string) => number): Promise<void> {
  const { first, last } = monthDays(month);
  for (let d = first; d <= last; d = addDays(d, 1)) for (const s of sites) await putEnergy(db, s, 'meter', 'export_energy_wh', d, wh(s, d));
}

export interface MonthRun { batch: BatchResult; files: ExportResult[]; results?: ResultsOutcome }

/**
 * Takes a month through draft -> 公示 (3 days) -> approved -> payment batch ->
 * payment file per payer -> bank results, where `returned(ref, household)`
 * gives a reason for the payments the bank returns.
 */
export async function runMonth(db: Db, month: string, dir: string, o: { returned?: (household: string) => string | undefined; start?: Date } = {}): Promise<MonthRun> {
  const start = o.start ?? new Date(`${monthDays(month).last}T16:00:00Z`); // the next local day, 00:00
  await draftMonth(db, month, PREPARER, start);
  await postMonth(db, month, PREPARER, 3, start);
  const after = new Date(start.getTime() + 3 * 86_400_000);
  await approveMonth(db, month, APPROVER, after);
  const batch = await payMonth(db, month, PREPARER, after);
  const files: ExportResult[] = [];
  for (const payer of batch.payers) {
    if (batch.items === batch.held) break;
    try {
      files.push(await exportPaymentFile(db, { month, payer, format: 'csv', by: 'finance-zhao', out: dir, now: after }));
    } catch (err) {
      if ((err as { code?: string }).code !== 'PAYMENT_FILE_EMPTY') throw err; // every payment of this payer is held
    }
  }
  if (files.length === 0) return { batch, files };
  const results = join(dir, `results-${month}.csv`);
  const lines = ['业务参考号,状态,原因,金额'];
  const people = new Map((await db.q.selectFrom('payment_items').select(['id', 'household_id']).where('month', '=', month).execute()).map((i) => [i.id, i.household_id]));
  for (const f of files) {
    const rows: string[][] = parse(readFileSync(f.path), { bom: true, relax_column_count: true });
    for (const r of rows.slice(2, -1)) {
      const reason = o.returned?.(people.get(r[1]!)!);
      lines.push(`${r[1]},${reason ? '退回' : '成功'},${reason ?? ''},${r[4]}`);
    }
  }
  writeFileSync(results, lines.join('\n'));
  return { batch, files, results: await importResults(db, results, { by: { name: 'finance-zhao' }, now: after }) };
}
