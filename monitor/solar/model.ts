import { absoluteAirmass, extraterrestrial, ineichen, pressureAt, relativeAirmass } from './clearsky.ts';
import { sunPosition } from './sun.ts';
import { planeOfArray, type PoaComponents, type SkyModel } from './transpose.ts';

/** Where an array is and how it faces, and the sky it sees on a clear day. */
export interface ArrayGeometry {
  latitude: number;
  longitude: number;
  altitudeM: number;
  tiltDeg: number;
  /** Clockwise from north, 180 = facing south. */
  azimuthDeg: number;
  /** Linke turbidity of a clear day (about 3 for a clean rural sky; higher for haze). */
  linkeTurbidity: number;
  albedo: number;
  skyModel: SkyModel;
  /** Ineichen-Perez with the original paper's enhancement (pvlib's perez_enhancement). */
  perezEnhancement: boolean;
}

export interface ClearSkyPoa {
  apparentZenithDeg: number;
  azimuthDeg: number;
  ghi: number;
  dni: number;
  dhi: number;
  poa: PoaComponents;
}

const DAY_MS = 86_400_000;
const dayOfYear = (t: number): number => {
  const d = new Date(t);
  return Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
};

const DARK: PoaComponents = { global: 0, direct: 0, skyDiffuse: 0, groundDiffuse: 0 };

/** Clear-sky irradiance on the array's plane at an instant: sun position, Ineichen-Perez, then transposition. */
export function clearSkyPoa(t: number, g: ArrayGeometry): ClearSkyPoa {
  const sun = sunPosition(t, g.latitude, g.longitude);
  const am = absoluteAirmass(relativeAirmass(sun.apparentZenithDeg), pressureAt(g.altitudeM));
  const dniExtra = extraterrestrial(dayOfYear(t));
  const sky = ineichen(sun.apparentZenithDeg, am, g.linkeTurbidity, g.altitudeM, dniExtra, g.perezEnhancement);
  const poa = sky.ghi > 0 ? planeOfArray({ plane: g, zenithDeg: sun.apparentZenithDeg, sunAzimuthDeg: sun.azimuthDeg, ...sky, dniExtra, albedo: g.albedo, model: g.skyModel }) : DARK;
  return { ...sun, ...sky, poa };
}
