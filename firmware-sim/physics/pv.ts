import { clearSky, type SiteGeometry } from './solar.ts';
import type { Weather } from './weather.ts';

/** What the sun and weather give one site at one instant (shared by all its inverters). */
export interface Environment {
  t: number;
  altitudeDeg: number;
  /** Sun azimuth, degrees clockwise from north. */
  azimuthDeg: number;
  /** Plane-of-array irradiance after clouds, W/m2. */
  poa: number;
  /** Global horizontal irradiance after clouds, W/m2. */
  ghi: number;
  ambientC: number;
}

export function environmentAt(t: number, site: SiteGeometry, weather: Weather): Environment {
  const sky = clearSky(t, site);
  const w = weather.at(t);
  return { t, altitudeDeg: sky.altitudeDeg, azimuthDeg: sky.azimuthDeg, poa: sky.poa * w.clearness, ghi: sky.ghi * w.clearness, ambientC: w.ambientC };
}

/** One inverter and its PV array. */
export interface PvArray {
  /** DC peak power, W (STC). */
  dcPeakW: number;
  /** Inverter rated AC power, W: output is clipped here. */
  ratedAcW: number;
  /** Inverter efficiency, 0..1. */
  efficiency: number;
  /** DC losses before the inverter (soiling, mismatch, wiring), 0..1 kept. */
  dcDerate: number;
  /** Module power temperature coefficient, per degree C (negative). */
  tempCoefficient: number;
}

export type PvState = 'sleeping' | 'starting' | 'mppt' | 'throttled';

export interface PvOutput {
  dcW: number;
  acW: number;
  cellC: number;
  state: PvState;
}

/**
 * Power of one array: irradiance x peak power, derated by cell temperature
 * (cell = ambient + 25 C per 800 W/m2), DC losses, inverter efficiency, and
 * clipped at the rated AC power. Below 0.5 % of rating the inverter does
 * not feed in; with the sun below the horizon it sleeps.
 */
export function pvOutput(env: Environment, pv: PvArray): PvOutput {
  const cellC = env.ambientC + (env.poa / 800) * 25;
  if (env.altitudeDeg <= 0 || env.poa <= 0) return { dcW: 0, acW: 0, cellC, state: 'sleeping' };
  const tempFactor = Math.max(0, 1 + pv.tempCoefficient * (cellC - 25));
  const dcW = pv.dcPeakW * (env.poa / 1000) * tempFactor * pv.dcDerate;
  if (dcW < pv.ratedAcW * 0.005) return { dcW: 0, acW: 0, cellC, state: 'starting' };
  const unclipped = dcW * pv.efficiency;
  if (unclipped > pv.ratedAcW) return { dcW: pv.ratedAcW / pv.efficiency, acW: pv.ratedAcW, cellC, state: 'throttled' };
  return { dcW, acW: unclipped, cellC, state: 'mppt' };
}
