import type { Registry, SiteInfo } from '../registry.ts';
import type { Fleet } from '../state.ts';

const EARTH_KM = 6371;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance between two sites, km (haversine); Infinity without coordinates. */
export function distanceKm(a: SiteInfo, b: SiteInfo): number {
  if (a.latitude === null || a.longitude === null || b.latitude === null || b.longitude === null) return Infinity;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.sqrt(h));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The weather a dark site would have seen, from the sites around it: the
 * median, over producing sites within `radiusKm`, of their inverters' power
 * now against their clear-sky power now (a clear-sky index, 0..~1.1).
 * Undefined when no nearby site can tell (then the clear sky is the guess).
 */
export function nearbyClearness(
  site: string,
  t: number,
  fleet: Fleet,
  registry: Registry,
  clearSkyW: (site: string, ratedW: number, t: number) => number,
  radiusKm: number,
  freshMs: number,
): number | undefined {
  const here = registry.sites.get(site);
  if (!here) return undefined;
  const ratios: number[] = [];
  for (const other of registry.sites.values()) {
    if (other.id === site || distanceKm(here, other) > radiusKm) continue;
    let acW = 0;
    let ratedW = 0;
    for (const d of fleet.ofSite(other.id)) {
      const rated = registry.devices.get(`${other.id}/${d.device}`)?.ratedW;
      if (d.kind !== 'inverter' || !rated || d.last.ac_power_w === undefined || t - d.last.ts > freshMs) continue;
      acW += Math.max(0, d.last.ac_power_w);
      ratedW += rated;
    }
    const clear = ratedW > 0 ? clearSkyW(other.id, ratedW, t) : 0;
    if (clear > ratedW * 0.02) ratios.push(acW / clear);
  }
  return ratios.length > 0 ? median(ratios) : undefined;
}
