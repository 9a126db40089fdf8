import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { isMonth, monthDays } from '../../common/index.ts';
import { createHash } from 'node:crypto';
import { withTotal, type Table } from '../tables/table.ts';
import { SITE_COLUMNS } from './tables.ts';

export interface ReadCheck { site_id: string; day: string; grid_wh: number; meter_wh: number | null; inverters_wh: number | null; diff_wh: number | null; diff_permille: number | null }

/**
 * The grid company's reads beside our own telemetry for the same site-days:
 * the revenue meter's export (else the inverters' sum) and the difference,
 * so a drifting meter or a wrong read shows before money is paid on it.
 */
export async function reconcileReads(db: Db, month: string, site?: string): Promise<ReadCheck[]> {
  if (!isMonth(month)) throw new SunshareError('PAYOUT_BAD_MONTH', `--month must be YYYY-MM, got "${month}"`);
  const { first, last } = monthDays(month);
  const reads = await db.q
    .selectFrom('grid_meter_reads')
    .select(['site_id', 'day', 'revision', 'export_wh'])
    .where('day', '>=', first)
    .where('day', '<=', last)
    .$if(!!site, (q) => q.where('site_id', '=', site!))
    .orderBy('site_id').orderBy('day').orderBy('revision')
    .execute();
  const energy = await db.q
    .selectFrom('daily_energy as d')
    .leftJoin('devices as v', (j) => j.onRef('v.site_id', '=', 'd.site_id').onRef('v.id', '=', 'd.device_id'))
    .select(['d.site_id', 'd.device_id', 'd.counter', 'd.day', 'd.revision', 'd.energy_wh', 'v.revenue_meter'])
    .where('d.day', '>=', first)
    .where('d.day', '<=', last)
    .$if(!!site, (q) => q.where('d.site_id', '=', site!))
    .execute();
  const latest = new Map<string, (typeof energy)[number]>();
  for (const e of energy) {
    const k = `${e.site_id}|${e.day}|${e.device_id}|${e.counter}`;
    if ((latest.get(k)?.revision ?? 0) < e.revision) latest.set(k, e);
  }
  const sums = new Map<string, { meter: number | null; inverters: number | null }>();
  for (const e of latest.values()) {
    const k = `${e.site_id}|${e.day}`;
    const s = sums.get(k) ?? { meter: null, inverters: null };
    if (e.counter === 'export_energy_wh' && e.revenue_meter === 1) s.meter = (s.meter ?? 0) + e.energy_wh;
    if (e.counter === 'ac_energy_wh') s.inverters = (s.inverters ?? 0) + e.energy_wh;
    sums.set(k, s);
  }
  const gridLatest = new Map<string, (typeof reads)[number]>();
  for (const r of reads) gridLatest.set(`${r.site_id}|${r.day}`, r);
  return [...gridLatest.values()].map((r) => {
    const s = sums.get(`${r.site_id}|${r.day}`);
    const ours = s?.meter ?? s?.inverters ?? null;
    const diff = ours === null ? null : ours - r.export_wh;
    return {
      site_id: r.site_id,
      day: r.day,
      grid_wh: r.export_wh,
      meter_wh: s?.meter ?? null,
      inverters_wh: s?.inverters ?? null,
      diff_wh: diff,
      diff_permille: diff === null || r.export_wh === 0 ? null : Math.round((diff * 1000) / r.export_wh),
    };
  });
}

/**
 * The reconciliation as a table: sites by number and name, a 合计 row, and
 * the SHA-256 of the figures it shows (no settlement run: it is made from the
 * grid reads and telemetry, before any money).
 */
export async function buildReconcileTable(db: Db, month: string, site?: string): Promise<Table> {
  const rows = await reconcileReads(db, month, site);
  const names = new Map((await db.q.selectFrom('sites').select(['id', 'name']).execute()).map((s) => [s.id, s.name]));
  return reconcileTable(month, rows, names);
}

export function reconcileTable(month: string, rows: ReadCheck[], names: ReadonlyMap<string, string> = new Map()): Table {
  const digest = createHash('sha256');
  for (const r of rows) digest.update(`${r.site_id}|${r.day}|${r.grid_wh}|${r.meter_wh ?? ''}|${r.inverters_wh ?? ''}\n`);
  return withTotal({
    name: '电量核对',
    title: `${month} 电网抄表与遥测电量核对`,
    columns: [
      ...SITE_COLUMNS,
      { key: 'day', header: '日期' },
      { key: 'grid_wh', header: '电网抄表(kWh)', kind: 'kwh', sum: true },
      { key: 'meter_wh', header: '关口表遥测(kWh)', kind: 'kwh', sum: true },
      { key: 'inverters_wh', header: '逆变器合计(kWh)', kind: 'kwh', sum: true },
      { key: 'diff_wh', header: '差额(kWh)', kind: 'kwh', sum: true },
      { key: 'diff_permille', header: '差额(‰)', kind: 'int' },
    ],
    rows: rows.map((r) => ({ ...r, site_name: names.get(r.site_id) ?? '' })),
    notes: [`数据来源：电网抄表与遥测（未经结算）；核对数据摘要 SHA-256 ${digest.digest('hex')}（${rows.length} 行）`],
  });
}
