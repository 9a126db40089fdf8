import { getPosition } from 'suncalc';

/** Where the modules are and how they face. */
export interface SiteGeometry {
  latitude: number;
  longitude: number;
  /** Module tilt from horizontal, degrees. */
  tiltDeg: number;
  /** Module azimuth, degrees clockwise from north (180 = facing south). */
  azimuthDeg: number;
}

export interface ClearSky {
  /** Sun altitude above the horizon, degrees. */
  altitudeDeg: number;
  /** Sun azimuth, degrees clockwise from north. */
  azimuthDeg: number;
  /** Global horizontal irradiance, W/m2. */
  ghi: number;
  /** Plane-of-array irradiance on the modules, W/m2. */
  poa: number;
}

const DEG = Math.PI / 180;
const SOLAR_CONSTANT = 1353;
const ALBEDO = 0.2;

/**
 * Clear-sky irradiance at an instant: sun position from suncalc (degrees,
 * azimuth clockwise from north), air mass by Kasten-Young, direct normal by
 * Meinel's 0.7^(AM^0.678), diffuse as a tenth of it, and the transposition
 * onto a tilted plane (beam x cos(incidence) + isotropic sky + ground).
 */
export function clearSky(t: number, site: SiteGeometry): ClearSky {
  const pos = getPosition(new Date(t), site.latitude, site.longitude);
  const alt = pos.altitude;
  if (alt <= 0) return { altitudeDeg: alt, azimuthDeg: pos.azimuth, ghi: 0, poa: 0 };
  const sinAlt = Math.sin(alt * DEG);
  const airMass = 1 / (sinAlt + 0.50572 * (alt + 6.07995) ** -1.6364);
  const dni = SOLAR_CONSTANT * 0.7 ** (airMass ** 0.678);
  const dhi = 0.1 * dni;
  const ghi = dni * sinAlt + dhi;
  const tilt = site.tiltDeg * DEG;
  const cosIncidence = sinAlt * Math.cos(tilt) + Math.cos(alt * DEG) * Math.sin(tilt) * Math.cos((pos.azimuth - site.azimuthDeg) * DEG);
  const poa = dni * Math.max(0, cosIncidence) + (dhi * (1 + Math.cos(tilt))) / 2 + (ghi * ALBEDO * (1 - Math.cos(tilt))) / 2;
  return { altitudeDeg: alt, azimuthDeg: pos.azimuth, ghi, poa };
}
