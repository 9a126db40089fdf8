import { getPosition } from 'suncalc';

/** The sun seen from a place at an instant: apparent (refraction-corrected) zenith and azimuth clockwise from north, degrees. */
export interface SunPosition {
  apparentZenithDeg: number;
  azimuthDeg: number;
}

/** suncalc 2 (Meeus, chapters 12, 16 and 25) gives the apparent altitude in degrees; the zenith is its complement. */
export function sunPosition(t: number, latitude: number, longitude: number): SunPosition {
  const p = getPosition(new Date(t), latitude, longitude);
  return { apparentZenithDeg: 90 - p.altitude, azimuthDeg: p.azimuth };
}
