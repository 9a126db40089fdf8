import type { Db } from '../../common/ledger/index.ts';

/** Everything settlement reads for a batch of sites over a date range, loaded in a few range queries. */
export interface SiteRow { id: string; capacity_w: number; time_zone: string; commissioned_on: string | null }
export interface AllocationRow { id: string; household_id: string; site_id: string; share_w: number; valid_from: string; valid_to: string | null }
export interface TariffRow { site_id: string; valid_from: string; valid_to: string | null; grid_rate: number; subsidy_rate: number }
export interface EnergyRow { site_id: string; device_id: string; counter: string; day: string; revision: number; energy_wh: number; method: string; flags: string }
export interface DeviceRow { site_id: string; id: string; kind: string; revenue_meter: number }
export interface PostedRow { id: string; site_id: string; day: string; version: number; inputs_hash: string; flags: string; revenue_fen: number; capacity_w: number }

export interface BatchInputs {
  sites: SiteRow[];
  allocations: Map<string, AllocationRow[]>;
  tariffs: Map<string, TariffRow[]>;
  devices: Map<string, DeviceRow[]>;
  /** key site|day -> current revision per device counter */
  energy: Map<string, EnergyRow[]>;
  /** key site|day -> export Wh of the latest grid company read */
  gridReads: Map<string, number>;
  /** key site|day -> latest posted version */
  posted: Map<string, PostedRow>;
}

export const siteDay = (site: string, day: string) => `${site}|${day}`;

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** The sites a settlement run covers (all, or `only` these), with what settling needs of each. */
export async function sitesToSettle(db: Db, only?: readonly string[]): Promise<SiteRow[]> {
  const rows: SiteRow[] = await db.q.selectFrom('sites').select(['id', 'capacity_w', 'time_zone', 'commissioned_on']).orderBy('id').execute();
  return only && only.length > 0 ? rows.filter((r) => only.includes(r.id)) : rows;
}

export async function loadBatch(db: Db, sites: SiteRow[], from: string, to: string): Promise<BatchInputs> {
  const lo = sites[0]!.id;
  const hi = sites[sites.length - 1]!.id;
  const inBatch = new Set(sites.map((s) => s.id));
  // the range may hold sites outside the batch (when only some sites are settled)
  const keep = <T extends { site_id: string }>(rows: T[]) => (inBatch.size === 0 ? rows : rows.filter((r) => inBatch.has(r.site_id)));
  const allocations: AllocationRow[] = keep(
    await db.q
      .selectFrom('allocations')
      .select(['id', 'household_id', 'site_id', 'share_w', 'valid_from', 'valid_to'])
      .where('site_id', '>=', lo)
      .where('site_id', '<=', hi)
      .where('valid_from', '<=', to)
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', from)]))
      .execute(),
  );
  const tariffs: TariffRow[] = keep(
    await db.q
      .selectFrom('tariffs')
      .select(['site_id', 'valid_from', 'valid_to', 'grid_rate', 'subsidy_rate'])
      .where('site_id', '>=', lo)
      .where('site_id', '<=', hi)
      .orderBy('site_id').orderBy('valid_from')
      .execute(),
  );
  const devices: DeviceRow[] = keep(
    await db.q.selectFrom('devices').select(['site_id', 'id', 'kind', 'revenue_meter']).where('site_id', '>=', lo).where('site_id', '<=', hi).execute(),
  );
  const energyRows: EnergyRow[] = await db.q
    .selectFrom('daily_energy')
    .select(['site_id', 'device_id', 'counter', 'day', 'revision', 'energy_wh', 'method', 'flags'])
    .where('site_id', '>=', lo)
    .where('site_id', '<=', hi)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .orderBy('site_id').orderBy('device_id').orderBy('counter').orderBy('day').orderBy('revision')
    .execute();
  // in key order (the primary key's: no sort), the last row of each device counter and day is its latest
  // revision; grouped per site by day first, so only one key is built per site-day
  const energy = new Map<string, EnergyRow[]>();
  let site = '';
  let byDay = new Map<string, EnergyRow[]>();
  const flush = () => {
    for (const [day, list] of byDay) energy.set(siteDay(site, day), list);
    byDay = new Map<string, EnergyRow[]>();
  };
  for (let i = 0; i < energyRows.length; i++) {
    const r = energyRows[i]!;
    const n = energyRows[i + 1];
    if (n && n.day === r.day && n.device_id === r.device_id && n.counter === r.counter && n.site_id === r.site_id) continue;
    if (r.site_id !== site) {
      flush();
      site = r.site_id;
    }
    if (inBatch.size > 0 && !inBatch.has(r.site_id)) continue;
    const list = byDay.get(r.day);
    if (list) list.push(r);
    else byDay.set(r.day, [r]);
  }
  flush();
  const gridRows = keep(
    await db.q
      .selectFrom('grid_meter_reads')
      .select(['site_id', 'day', 'revision', 'export_wh'])
      .where('site_id', '>=', lo)
      .where('site_id', '<=', hi)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .execute(),
  );
  const gridReads = new Map<string, { revision: number; wh: number }>();
  for (const r of gridRows) {
    const k = siteDay(r.site_id, r.day);
    const seen = gridReads.get(k);
    if (!seen || seen.revision < r.revision) gridReads.set(k, { revision: r.revision, wh: r.export_wh });
  }
  const postedRows: PostedRow[] = keep(
    await db.q
      .selectFrom('settlements')
      .select(['id', 'site_id', 'day', 'version', 'inputs_hash', 'flags', 'revenue_fen', 'capacity_w'])
      .where('site_id', '>=', lo)
      .where('site_id', '<=', hi)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .execute(),
  );
  const posted = new Map<string, PostedRow>();
  for (const r of postedRows) {
    const k = siteDay(r.site_id, r.day);
    const seen = posted.get(k);
    if (!seen || seen.version < r.version) posted.set(k, r);
  }
  // allocation id order is the split's tie-break: sorted here per site (cheaper than ORDER BY in SQL)
  const bySite = groupBy(allocations, (r) => r.site_id);
  for (const list of bySite.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    sites,
    allocations: bySite,
    tariffs: groupBy(tariffs, (r) => r.site_id),
    devices: groupBy(devices, (r) => r.site_id),
    energy,
    gridReads: new Map([...gridReads].map(([k, v]) => [k, v.wh])),
    posted,
  };
}
