import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { isDate } from '../../common/index.ts';
import { parseKwh } from '../money/revenue.ts';
import { readSheets } from '../tables/read.ts';

/**
 * The grid company's export reads (CSV or XLSX: site_id, date, export_kwh).
 * All rows are checked first; nothing is written while any problem remains.
 * A read equal to the latest is skipped; a different one is the next revision
 * (so a re-settlement posts adjustments).
 *
 * The site column is `site_id`, as in every registry file; the old name
 * `site` is still read, and `onNote` is told it is deprecated.
 */
export async function importMeterReads(db: Db, file: string, opts: { onNote?: (note: string) => void } = {}): Promise<{ inserted: number; unchanged: number }> {
  const problems: string[] = [];
  const sites = new Set((await db.q.selectFrom('sites').select('id').execute()).map((s) => s.id));
  const reads = new Map<string, { site: string; day: string; wh: number; where: string }>();
  for (const sheet of await readSheets(file)) {
    const siteColumn = !sheet.headers.includes('site_id') && sheet.headers.includes('site') ? 'site' : 'site_id';
    if (siteColumn === 'site') opts.onNote?.(`${sheet.source}: the column "site" is deprecated; name it "site_id", as in the registry files`);
    for (const col of [siteColumn, 'date', 'export_kwh']) if (!sheet.headers.includes(col)) problems.push(`${sheet.source} line 1: missing column "${col}"`);
    for (const { line, cells } of sheet.rows) {
      const where = `${sheet.source} line ${line}`;
      const site = cells[siteColumn] ?? '';
      const day = cells.date ?? '';
      const wh = parseKwh(cells.export_kwh ?? '');
      if (!sites.has(site)) problems.push(`${where} column ${siteColumn}: unknown site "${site}"`);
      if (!isDate(day)) problems.push(`${where} column date: "${day}" is not a date YYYY-MM-DD`);
      if (wh === undefined) problems.push(`${where} column export_kwh: "${cells.export_kwh ?? ''}" is not a non-negative number of kWh (at most 3 decimals)`);
      const key = `${site}/${day}`;
      const first = reads.get(key);
      if (first) problems.push(`${where} column date: second read for site ${site} on ${day} (first at ${first.where})`);
      else if (wh !== undefined) reads.set(key, { site, day, wh, where });
    }
  }
  if (problems.length > 0) throw new SunshareError('METER_READS_INVALID', `nothing imported: ${problems.length} problem(s) in ${file}`, { details: problems });
  let inserted = 0;
  let unchanged = 0;
  const now = new Date().toISOString();
  await db.transaction(async (tx) => {
    for (const r of reads.values()) {
      const latest = await tx.q
        .selectFrom('grid_meter_reads')
        .select(['revision', 'export_wh'])
        .where('site_id', '=', r.site)
        .where('day', '=', r.day)
        .orderBy('revision', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (latest && Number(latest.export_wh) === r.wh) {
        unchanged++;
        continue;
      }
      await tx.q
        .insertInto('grid_meter_reads')
        .values({ site_id: r.site, day: r.day, revision: (latest?.revision ?? 0) + 1, export_wh: r.wh, source: file, imported_at: now })
        .execute();
      inserted++;
    }
  });
  return { inserted, unchanged };
}
