import { sql, type Insertable, type Updateable } from 'kysely';
import type { AllocationsTable, Db, DevicesTable, HouseholdsTable, SitePoliciesTable, SitesTable, TariffsTable } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { checkTimeZone, DEFAULT_TIME_ZONE } from '../../common/index.ts';
import { bookedByStartDay, crossCheck } from './check.ts';
import { KEYS, KINDS, TABLES, withTariffId, type Kind } from './kinds.ts';
import { checkFields, type Parsed } from './parse.ts';

/**
 * The registry service: payout/registry is the only writer of sites, devices,
 * households, allocations, tariffs and site_policies (common/ledger/README.md),
 * and every write (import, API, seed) goes through applyRegistry with the same
 * checks. The API's single-row writes first name the commonest rules with
 * their own codes (SITE_TIME_ZONE_INVALID, SITE_CAPACITY_BELOW_ALLOCATED...).
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

/** Registry rows of any kinds, typed by field (the importer's parsed rows, or the API's and the seeder's). */
export type Changes = Partial<Record<Kind, Record<string, unknown>[]>>;

export interface ApplyOptions {
  /** upsert by key (the importer, PATCH) or plain insert (new rows: POST, the seeder) */
  mode: 'upsert' | 'insert';
  /** where the rows came from, for messages ("sites.csv", "POST /sites") */
  source: string;
  /** problems already found (the importer's bad cells; given: the message says "nothing imported"): nothing is written while any remains */
  problems?: string[];
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

/**
 * The one way registry rows are written, by the importer, the API and the
 * seeder alike. In one transaction: every field is checked by the same rules
 * as an imported cell (`kinds.ts`), then the rows against each other and the
 * ledger (`crossCheck`: unknown sites and households, backwards dates,
 * overlapping or overbooked allocations, capacity under what is allocated,
 * overlapping tariffs). Any problem: REGISTRY_INVALID listing them all, and
 * nothing is written. Otherwise the rows are written, parents first.
 */
export async function applyRegistry(db: Db, changes: Changes, opts: ApplyOptions): Promise<Record<Kind, number>> {
  const problems = [...(opts.problems ?? [])];
  const parsed: Parsed = { sites: [], devices: [], households: [], allocations: [], tariffs: [], policies: [] };
  for (const kind of KINDS) {
    (changes[kind] ?? []).forEach((r, i) => {
      const where = typeof r._where === 'string' ? r._where : `${opts.source} ${kind} row ${i + 1}`;
      parsed[kind].push(checkFields(kind, withTariffId(kind, r), where, problems));
    });
  }
  return db.transaction(async (tx) => {
    await lockRegistry(tx);
    await crossCheck(tx, parsed, problems);
    if (problems.length > 0) {
      throw new SunshareError('REGISTRY_INVALID', `nothing ${opts.problems ? 'imported' : 'written'}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${opts.source}`, { details: problems });
    }
    for (const kind of KINDS) {
      const rows = parsed[kind].map(({ _where, ...r }) => r);
      if (rows.length === 0) continue;
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const updates = cols.filter((c) => !KEYS[kind].includes(c));
      const values = rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] === undefined ? null : r[c]])));
      for (let i = 0; i < values.length; i += CHUNK) {
        // the columns are FIELDS keys (checked against the schema in kinds.ts) or the API's typed extras (latitude, profile...)
        const insert = tx.q.insertInto(TABLES[kind]).values(values.slice(i, i + CHUNK));
        await (opts.mode === 'insert' || updates.length === 0
          ? insert.execute()
          : insert.onConflict((oc) => oc.columns(KEYS[kind] as never).doUpdateSet((eb) => Object.fromEntries(updates.map((c) => [c, eb.ref(`excluded.${c}` as never)])))).execute());
      }
    }
    return Object.fromEntries(KINDS.map((k) => [k, parsed[k].length])) as Record<Kind, number>;
  });
}

export async function createSite(db: Db, site: NewSite): Promise<void> {
  checkSite(site);
  await db.transaction(async (tx) => {
    await lockRegistry(tx);
    if (await tx.q.selectFrom('sites').select('id').where('id', '=', site.id).executeTakeFirst()) {
      throw new SunshareError('SITE_EXISTS', `site "${site.id}" already exists; PATCH /sites/${site.id} changes it`);
    }
    await applyRegistry(tx, { sites: [{ ...site, _where: `site ${site.id}` }] }, { mode: 'insert', source: `site ${site.id}` });
  });
}

export async function updateSite(db: Db, id: string, change: SiteChange): Promise<void> {
  checkSite(change);
  await db.transaction(async (tx) => {
    await lockRegistry(tx);
    const current = await tx.q.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    if (!current) throw new SunshareError('SITE_NOT_FOUND', `there is no site "${id}"; GET /sites lists them`);
    if (change.capacity_w !== undefined) {
      const allocated = await maxAllocatedW(tx, id);
      if (change.capacity_w < allocated) {
        throw new SunshareError('SITE_CAPACITY_BELOW_ALLOCATED', `site "${id}" has ${allocated / 1000} kW allocated to households; its capacity cannot go below that (${change.capacity_w / 1000} kW)`);
      }
    }
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    await applyRegistry(tx, { sites: [{ ...current, ...defined, id, _where: `site ${id}` }] }, { mode: 'upsert', source: `site ${id}` });
  });
}

export async function createDevice(db: Db, device: NewDevice): Promise<void> {
  if (device.kind !== 'inverter' && device.kind !== 'meter') {
    throw new SunshareError('DEVICE_KIND_INVALID', `"${device.kind}" is not a device kind (inverter or meter)`);
  }
  await db.transaction(async (tx) => {
    await lockRegistry(tx);
    if (!(await tx.q.selectFrom('sites').select('id').where('id', '=', device.site_id).executeTakeFirst())) {
      throw new SunshareError('SITE_NOT_FOUND', `there is no site "${device.site_id}"; register it first with POST /sites`);
    }
    if (await tx.q.selectFrom('devices').select('id').where('site_id', '=', device.site_id).where('id', '=', device.id).executeTakeFirst()) {
      throw new SunshareError('DEVICE_EXISTS', `device "${device.id}" already exists at site "${device.site_id}"`);
    }
    await applyRegistry(tx, { devices: [{ ...device, _where: `device ${device.site_id}/${device.id}` }] }, { mode: 'insert', source: `device ${device.site_id}/${device.id}` });
  });
}

/**
 * Registry writes one at a time. SQLite's BEGIN IMMEDIATE already serializes
 * them; PostgreSQL runs at read committed, where two writes could each pass
 * crossCheck against the state before the other (a capacity cut beside an
 * import of allocations) and together break a rule. The lock lasts until the
 * outermost transaction ends.
 */
async function lockRegistry(tx: Db): Promise<void> {
  if (tx.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('sunshare.registry'))`.execute(tx.q);
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

/** Inserts new registry rows through applyRegistry: the importer's checks, one transaction, nothing written while any problem remains. */
export async function insertRegistry(db: Db, rows: RegistryRows): Promise<void> {
  await applyRegistry(db, rows, { mode: 'insert', source: 'the registry rows' });
}
