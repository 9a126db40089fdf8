import type { Insertable, Updateable } from 'kysely';
import type { AllocationsTable, Db, DevicesTable, HouseholdsTable, SitePoliciesTable, SitesTable, TariffsTable } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { checkTimeZone, DEFAULT_TIME_ZONE, isValidTimeZone } from '../../common/index.ts';
import { insertRows } from '../settle/insert.ts';
import { bookedByStartDay, crossCheck } from './check.ts';

/**
 * Single-row registry writes (the API's POST/PATCH), with the checks the
 * importer makes: payout/registry is the only writer of sites, devices,
 * households, allocations, tariffs and site_policies (see common/ledger/README.md).
 * Errors are 4xx SunshareErrors with a stable code.
 */
export type NewSite = Insertable<SitesTable>;
export type SiteChange = Omit<Updateable<SitesTable>, 'id'>;
export type NewDevice = Insertable<DevicesTable>;

/** A site as the API and the seeder describe it; left out: empty town and village, the default zone, no position or date. */
export interface SiteInput {
  id: string;
  name: string;
  capacityW: number;
  town?: string;
  village?: string;
  timeZone?: string;
  latitude?: number;
  longitude?: number;
  commissionedOn?: string;
}

export function siteRow(s: SiteInput): NewSite {
  return {
    id: s.id,
    name: s.name,
    town: s.town ?? '',
    village: s.village ?? '',
    capacity_w: s.capacityW,
    time_zone: s.timeZone ?? DEFAULT_TIME_ZONE,
    latitude: s.latitude ?? null,
    longitude: s.longitude ?? null,
    commissioned_on: s.commissionedOn ?? null,
  };
}

function checkSite(s: SiteChange): void {
  if (s.time_zone !== undefined) checkTimeZone(s.time_zone, 'site time zone', 'SITE_TIME_ZONE_INVALID');
  if (s.capacity_w !== undefined && !(Number.isInteger(s.capacity_w) && s.capacity_w > 0)) {
    throw new SunshareError('SITE_CAPACITY_INVALID', `capacity ${String(s.capacity_w)} W is not a positive whole number of W`);
  }
}

/** The most capacity booked on a site on any day, W. */
export async function maxAllocatedW(db: Db, site: string): Promise<number> {
  const spans = await db.q.selectFrom('allocations').select(['share_w', 'valid_from', 'valid_to']).where('site_id', '=', site).execute();
  return Math.max(0, ...bookedByStartDay(spans).map((b) => b.total));
}

export async function createSite(db: Db, site: NewSite): Promise<void> {
  checkSite(site);
  await db.transaction(async (tx) => {
    if (await tx.q.selectFrom('sites').select('id').where('id', '=', site.id).executeTakeFirst()) {
      throw new SunshareError('SITE_EXISTS', `site "${site.id}" already exists; PATCH /sites/${site.id} changes it`);
    }
    await tx.q.insertInto('sites').values(site).execute();
  });
}

export async function updateSite(db: Db, id: string, change: SiteChange): Promise<void> {
  checkSite(change);
  await db.transaction(async (tx) => {
    if (!(await tx.q.selectFrom('sites').select('id').where('id', '=', id).executeTakeFirst())) {
      throw new SunshareError('SITE_NOT_FOUND', `there is no site "${id}"; GET /sites lists them`);
    }
    if (change.capacity_w !== undefined) {
      const allocated = await maxAllocatedW(tx, id);
      if (change.capacity_w < allocated) {
        throw new SunshareError('SITE_CAPACITY_BELOW_ALLOCATED', `site "${id}" has ${allocated / 1000} kW allocated to households; its capacity cannot go below that (${change.capacity_w / 1000} kW)`);
      }
    }
    if (Object.keys(change).length > 0) await tx.q.updateTable('sites').set(change).where('id', '=', id).execute();
  });
}

export async function createDevice(db: Db, device: NewDevice): Promise<void> {
  if (device.kind !== 'inverter' && device.kind !== 'meter') {
    throw new SunshareError('DEVICE_KIND_INVALID', `"${device.kind}" is not a device kind (inverter or meter)`);
  }
  await db.transaction(async (tx) => {
    if (!(await tx.q.selectFrom('sites').select('id').where('id', '=', device.site_id).executeTakeFirst())) {
      throw new SunshareError('SITE_NOT_FOUND', `there is no site "${device.site_id}"; register it first with POST /sites`);
    }
    if (await tx.q.selectFrom('devices').select('id').where('site_id', '=', device.site_id).where('id', '=', device.id).executeTakeFirst()) {
      throw new SunshareError('DEVICE_EXISTS', `device "${device.id}" already exists at site "${device.site_id}"`);
    }
    await tx.q.insertInto('devices').values(device).execute();
  });
}

/** New registry rows of every kind, typed by the schema (the demo's seed). */
export interface RegistryRows {
  sites?: NewSite[];
  devices?: NewDevice[];
  households?: Insertable<HouseholdsTable>[];
  allocations?: Insertable<AllocationsTable>[];
  tariffs?: Insertable<TariffsTable>[];
  policies?: Insertable<SitePoliciesTable>[];
}

/**
 * Inserts new registry rows in one transaction after the importer's checks
 * (time zones, unknown sites and households, overlapping or overbooked
 * allocations, overlapping tariffs): nothing is written while any problem remains.
 */
export async function insertRegistry(db: Db, rows: RegistryRows): Promise<void> {
  const problems: string[] = [];
  for (const s of rows.sites ?? []) if (s.time_zone !== undefined && !isValidTimeZone(s.time_zone)) problems.push(`site ${s.id}: "${s.time_zone}" is not an IANA time zone`);
  const asParsed = <T extends object>(kind: string, list: readonly T[] | undefined) => (list ?? []).map((r, i) => ({ ...r, _where: `${kind} row ${i + 1}` }));
  await crossCheck(
    db,
    {
      sites: asParsed('sites', rows.sites),
      devices: asParsed('devices', rows.devices),
      households: asParsed('households', rows.households),
      allocations: asParsed('allocations', rows.allocations),
      tariffs: asParsed('tariffs', rows.tariffs),
      policies: asParsed('policies', rows.policies),
    },
    problems,
  );
  if (problems.length > 0) throw new SunshareError('REGISTRY_INVALID', `nothing written: ${problems.length} problem(s) in the registry rows`, { details: problems });
  await db.transaction(async (tx) => {
    // parents first: sites and households before what references them
    if (rows.sites?.length) await insertRows(tx.q, 'sites', rows.sites);
    if (rows.households?.length) await insertRows(tx.q, 'households', rows.households);
    if (rows.devices?.length) await insertRows(tx.q, 'devices', rows.devices);
    if (rows.allocations?.length) await insertRows(tx.q, 'allocations', rows.allocations);
    if (rows.tariffs?.length) await insertRows(tx.q, 'tariffs', rows.tariffs);
    if (rows.policies?.length) await insertRows(tx.q, 'site_policies', rows.policies);
  });
}
