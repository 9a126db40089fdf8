import type { GeometryConfig, MonitorConfig } from './config.ts';
import type { SiteInfo } from './registry.ts';
import { clearSkyPoa, type ArrayGeometry } from './solar/model.ts';
import { sunPosition } from './solar/sun.ts';

const DEFAULT_GEOMETRY: GeometryConfig = { tiltDeg: 20, azimuthDeg: 180, altitudeM: 100, linkeTurbidity: 3.5, albedo: 0.2, performanceFactor: 0.85 };

/** A site's array geometry: its registry location, and tilt, azimuth and sky from the monitor config (the site's entry over the default). */
export function siteGeometry(site: SiteInfo, cfg: MonitorConfig['geometry']): (ArrayGeometry & { performanceFactor: number }) | undefined {
  if (site.latitude === null || site.longitude === null) return undefined;
  const g = { ...DEFAULT_GEOMETRY, ...cfg.default, ...cfg.sites[site.id] };
  return { ...g, latitude: site.latitude, longitude: site.longitude, skyModel: 'haydavies', perezEnhancement: false };
}

/** The site's performance factor (DC to AC at 1000 W/m2) from the config, with or without a location. */
export function performanceFactor(site: string, cfg: MonitorConfig['geometry']): number {
  return cfg.sites[site]?.performanceFactor ?? cfg.default?.performanceFactor ?? DEFAULT_GEOMETRY.performanceFactor;
}

/** Expected AC power of `ratedW` under a measured plane-of-array irradiance, W: rating x POA/1000 x performance factor, at most the rating. */
export function sensorPowerW(ratedW: number, poaWm2: number, factor: number): number {
  return Math.min(ratedW, ((ratedW * poaWm2) / 1000) * factor);
}

/** Clear-sky AC power of `ratedW` of the site's inverters at data time t, W. */
export function clearSkyPowerW(site: SiteInfo | undefined, cfg: MonitorConfig['geometry'], ratedW: number, t: number): number {
  const g = site && siteGeometry(site, cfg);
  if (!g) return 0;
  return Math.min(ratedW, ((ratedW * clearSkyPoa(t, g).poa.global) / 1000) * g.performanceFactor);
}

/** The sun at least 5 degrees up (below that, inverters barely feed in and comparisons mean nothing). */
export function isDaylight(site: SiteInfo | undefined, t: number): boolean {
  if (!site || site.latitude === null || site.longitude === null) return true;
  return sunPosition(t, site.latitude, site.longitude).apparentZenithDeg < 85;
}

/** Clear-sky expected energy of a site's `ratedW` over [from, to), Wh, by 5-minute steps; and the plane-of-array insolation, Wh/m2. */
export function clearSkyEnergy(site: SiteInfo, cfg: MonitorConfig['geometry'], ratedW: number, from: number, to: number): { wh: number; insolationWhM2: number } {
  const g = siteGeometry(site, cfg);
  if (!g) return { wh: 0, insolationWhM2: 0 };
  const step = 5 * 60_000;
  let wh = 0;
  let insolation = 0;
  for (let t = from + step / 2; t < to; t += step) {
    const poa = clearSkyPoa(t, g).poa.global;
    insolation += (poa * step) / 3_600_000;
    wh += (Math.min(ratedW, ((ratedW * poa) / 1000) * g.performanceFactor) * step) / 3_600_000;
  }
  return { wh, insolationWhM2: insolation };
}
