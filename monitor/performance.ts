import type { Db } from '../common/ledger/index.ts';
import { dayBounds } from '../common/time.ts';
import type { MonitorConfig } from './config.ts';
import { clearSkyEnergy, performanceFactor } from './expected.ts';
import { distanceKm } from './loss/nearby.ts';
import { deviceKey, type Registry } from './registry.ts';

export interface DayPerformance {
  site: string;
  /** '' for the whole site. */
  device: string;
  day: string;
  actualWh: number;
  expectedWh: number;
  clearSkyWh: number;
  insolationWhM2: number;
  pr: number | null;
  reference: 'sensor' | 'peers' | 'clear_sky';
}

/**
 * Daily performance of each inverter and site from the day's settled energy
 * (ingest's daily_energy) against the clear-sky model:
 * - site: PR = actual / (capacity x clear-sky plane-of-array insolation);
 *   reference 'clear_sky' (a cloudy day lowers it), unless its neighbours'
 *   weather or its own sensor can tell (below).
 * - inverter: expected is its rating x what its peers made per W (the
 *   weather they saw), reference 'peers'; PR = actual / (rating x insolation
 *   scaled by the peers' clearness), so peers performing as the model's
 *   performance factor put it at that factor. With no peers: 'clear_sky'.
 * - a site whose irradiance sensor covered the day: both against the
 *   sensor's insolation instead (reference 'sensor').
 */
export interface NearbyOptions {
  /** Sites this close share their weather. */
  km: number;
  /** The nearby sites must agree: (highest - lowest) / highest share of their clear day at most this. */
  agreement: number;
  /** At least this many of them. */
  min: number;
}

/**
 * A site's day against the weather its neighbours saw: when the sites within
 * `km` made shares of their clear day that agree within `agreement`, the
 * site's insolation is its clear-sky insolation x their median share
 * (reference 'peers'; a site doing as they do has the model's performance
 * factor). Otherwise the row keeps its clear-sky reference.
 */
function againstNeighbours(rows: DayPerformance[], registry: Registry, near: NearbyOptions): DayPerformance[] {
  const sites = rows.filter((r) => r.device === '' && r.clearSkyWh > 0);
  const share = new Map(sites.map((r) => [r.site, r.actualWh / r.clearSkyWh]));
  return rows.map((r) => {
    if (r.device !== '' || r.clearSkyWh <= 0 || r.reference === 'sensor') return r;
    const here = registry.sites.get(r.site)!;
    const shares = sites.filter((o) => o.site !== r.site && distanceKm(here, registry.sites.get(o.site)!) <= near.km).map((o) => share.get(o.site)!);
    if (shares.length < Math.max(1, near.min) || Math.max(...shares) <= 0 || (Math.max(...shares) - Math.min(...shares)) / Math.max(...shares) > near.agreement) return r;
    const sorted = [...shares].sort((a, b) => a - b);
    const m = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
    // the same rating under median x the insolation: the clear-sky PR / median
    return { ...r, expectedWh: Math.round(r.clearSkyWh * median), insolationWhM2: r.insolationWhM2 * median, pr: r.pr === null || median <= 0 ? r.pr : r.pr / median, reference: 'peers' };
  });
}

/** A site's plane-of-array insolation over [from, to) measured by its irradiance sensor, Wh/m2, if it has one that covered the day. */
export type SensorInsolation = (site: string, from: number, to: number) => number | undefined;

/**
 * A site whose irradiance sensor covered the day: its insolation is the
 * sensor's, for the site and each inverter (reference 'sensor'): expected =
 * rating x insolation/1000 x performance factor, PR = actual / (rating x
 * insolation/1000).
 */
function againstSensor(rows: DayPerformance[], registry: Registry, geometry: MonitorConfig['geometry'], insolationOf: SensorInsolation): DayPerformance[] {
  return rows.map((r) => {
    const site = registry.sites.get(r.site)!;
    const { start, end } = dayBounds(r.day, site.timeZone);
    const insolation = insolationOf(r.site, start, end);
    if (insolation === undefined || insolation <= 0) return r;
    const rated = r.device === '' ? measuredRatedOf(registry, r.site, rows) : (registry.devices.get(deviceKey(r.site, r.device))?.ratedW ?? 0);
    const ratedInsolationWh = (rated * insolation) / 1000;
    return { ...r, insolationWhM2: insolation, expectedWh: Math.round(ratedInsolationWh * performanceFactor(r.site, geometry)), pr: ratedInsolationWh > 0 ? r.actualWh / ratedInsolationWh : null, reference: 'sensor' };
  });
}

/** The rating of the site's inverters that have a row that day (the site row's actual is theirs). */
function measuredRatedOf(registry: Registry, site: string, rows: DayPerformance[]): number {
  const measured = new Set(rows.filter((r) => r.site === site && r.device !== '').map((r) => r.device));
  return [...registry.devices.values()].filter((d) => d.site === site && measured.has(d.id)).reduce((s, d) => s + (d.ratedW ?? 0), 0);
}

export async function computeDailyPerformance(
  db: Db,
  registry: Registry,
  geometry: MonitorConfig['geometry'],
  day: string,
  near?: NearbyOptions,
  sensor?: SensorInsolation,
): Promise<DayPerformance[]> {
  const rows = await db.q
    .selectFrom('daily_energy_current')
    .select(['site_id', 'device_id', 'counter', 'energy_wh'])
    .where('day', '=', day)
    .where('counter', '=', 'ac_energy_wh')
    .execute();
  const out: DayPerformance[] = [];
  for (const site of registry.sites.values()) {
    const { start: from, end: to } = dayBounds(day, site.timeZone);
    const inverters = [...registry.devices.values()].filter((d) => d.site === site.id && d.kind === 'inverter' && d.ratedW);
    const energy = new Map(rows.filter((r) => r.site_id === site.id).map((r) => [r.device_id, Number(r.energy_wh)]));
    const measured = inverters.filter((d) => energy.has(d.id));
    if (measured.length === 0) continue;
    const clear = clearSkyEnergy(site, geometry, site.capacityW, from, to);
    const siteActual = measured.reduce((s, d) => s + energy.get(d.id)!, 0);
    const measuredRated = measured.reduce((s, d) => s + d.ratedW!, 0);
    const siteClearWh = (clear.wh * measuredRated) / site.capacityW;
    out.push({
      site: site.id,
      device: '',
      day,
      actualWh: siteActual,
      expectedWh: Math.round(siteClearWh),
      clearSkyWh: Math.round(siteClearWh),
      insolationWhM2: clear.insolationWhM2,
      pr: clear.insolationWhM2 > 0 ? siteActual / ((measuredRated * clear.insolationWhM2) / 1000) : null,
      reference: 'clear_sky',
    });
    for (const d of measured) {
      const peers = measured.filter((p) => p !== d);
      const peerRated = peers.reduce((s, p) => s + p.ratedW!, 0);
      const peerWh = peers.reduce((s, p) => s + energy.get(p.id)!, 0);
      const clearWh = (clear.wh * d.ratedW!) / site.capacityW;
      const expectedWh = peerRated > 0 ? (d.ratedW! * peerWh) / peerRated : clearWh;
      const clearness = peerRated > 0 && siteClearWh > 0 ? peerWh / ((clear.wh * peerRated) / site.capacityW) : 1;
      const insolation = clear.insolationWhM2 * clearness;
      out.push({
        site: site.id,
        device: d.id,
        day,
        actualWh: energy.get(d.id)!,
        expectedWh: Math.round(expectedWh),
        clearSkyWh: Math.round(clearWh),
        insolationWhM2: insolation,
        pr: insolation > 0 ? energy.get(d.id)! / ((d.ratedW! * insolation) / 1000) : null,
        reference: peerRated > 0 ? 'peers' : 'clear_sky',
      });
    }
  }
  const measuredBySensor = sensor ? againstSensor(out, registry, geometry, sensor) : out;
  return near ? againstNeighbours(measuredBySensor, registry, near) : measuredBySensor;
}

const tag = (v: string) => v.replace(/[ ,=\\]/g, (c) => `\\${c}`);

/**
 * InfluxDB line of a day's performance: measurement `performance`, tags site
 * and device (`_site` for the whole site), at the local day's start.
 */
export function performanceLine(r: DayPerformance, dayStartMs: number): string {
  const fields = [`actual_wh=${Math.round(r.actualWh)}i`, `expected_wh=${Math.round(r.expectedWh)}i`, `clear_sky_wh=${Math.round(r.clearSkyWh)}i`, `insolation_wh_m2=${r.insolationWhM2}`, `reference="${r.reference}"`];
  if (r.pr !== null) fields.unshift(`pr=${r.pr}`);
  return `performance,site=${tag(r.site)},device=${tag(r.device || '_site')} ${fields.join(',')} ${dayStartMs}`;
}

/** Stores a day's performance (a day computed again replaces its rows). The only writer of performance_daily. */
export async function recordDailyPerformance(db: Db, rows: readonly DayPerformance[], now = Date.now()): Promise<void> {
  await db.transaction(async (tx) => {
    for (const r of rows) {
      await tx.q.deleteFrom('performance_daily').where('site_id', '=', r.site).where('device_id', '=', r.device).where('day', '=', r.day).execute();
      await tx.q
        .insertInto('performance_daily')
        .values({ site_id: r.site, device_id: r.device, day: r.day, actual_wh: r.actualWh, expected_wh: r.expectedWh, clear_sky_wh: r.clearSkyWh, insolation_wh_m2: r.insolationWhM2, pr: r.pr, reference: r.reference, computed_at: now })
        .execute();
    }
  });
}
