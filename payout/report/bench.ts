import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import { daysFromTo } from '../../common/index.ts';
import { openLedger, type Database } from '../../common/ledger/index.ts';
import { seedRegistry } from '../registry/seed.ts';
import { insertRows } from '../settle/insert.ts';
import { runSettlement } from '../settle/run.ts';
import { buildReport, noticePdf } from './build.ts';
import { ledgerProvenance } from './provenance.ts';
import { loadReportMonth } from './view.ts';

/**
 * Report figures (JSON lines), `node payout/report/bench.ts` (apart from
 * `npm run bench -- payout`, which is settlement's): a county's year
 * (150 sites in 30 villages, 20 households each, settled every day), then
 * December: the whole workbook (which hashes every line payable since
 * January), one village's printed 公示, and the digest alone.
 */
const dir = mkdtempSync(join(tmpdir(), 'sunshare-report-bench-'));
const SITES = 150;
const PER_SITE = 20;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, Math.round(performance.now() - t)];
}

try {
  const db = await openLedger(join(dir, 'county.sqlite'));
  const days = daysFromTo('2017-01-01', '2017-12-31');
  const sites = Array.from({ length: SITES }, (_, i) => ({
    id: `ry-${String(i).padStart(3, '0')}`,
    name: `乳源县光伏扶贫电站${i + 1}号`,
    village: `第${Math.floor(i / 5) + 1}村`,
    capacityW: PER_SITE * 15_000,
    devices: [{ id: 'meter', kind: 'meter' as const, revenueMeter: true }],
  }));
  await seedRegistry(db, sites, { tariff: { from: '2016-01-01', gridRate: 45_300, subsidyRate: 52_700 }, households: { perSite: PER_SITE, shareW: 3000, from: '2017-01-01' } });
  for (const s of sites) {
    const rows: Insertable<Database['daily_energy']>[] = days.map((day, d) => ({
      site_id: s.id, device_id: 'meter', counter: 'export_energy_wh', day, revision: 1, energy_wh: 900_000 + ((d * 7919) % 300_000), method: 'delta', flags: d % 50 === 0 ? 'gap' : '', readings: 96, computed_at: '',
    }));
    await insertRows(db.q, 'daily_energy', rows);
  }
  const [, settleMs] = await timed(() => runSettlement(db, { from: days[0]!, to: days.at(-1)!, now: new Date('2018-01-01T01:00:00Z') }));
  const [workbook, workbookMs] = await timed(() => buildReport(db, { month: '2017-12', format: 'xlsx' }));
  const [month, loadMs] = await timed(() => loadReportMonth(db, { month: '2017-12', village: '第1村' }));
  const [pdf, pdfMs] = await timed(() => noticePdf(month, '第1村'));
  const [p, digestMs] = await timed(() => ledgerProvenance(db, { month: '2017-12' }));
  console.log(
    JSON.stringify({
      bench: 'payout.report_county_december',
      sites: SITES,
      households: SITES * PER_SITE,
      rows_hashed: p.rows,
      workbook_ms: workbookMs,
      workbook_kb: Math.round([...workbook.values()][0]!.length / 1024),
      village_load_ms: loadMs,
      village_pdf_ms: pdfMs,
      village_pdf_kb: Math.round(pdf.length / 1024),
      digest_ms: digestMs,
      settle_year_ms: settleMs,
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
    }),
  );
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
