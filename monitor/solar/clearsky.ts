/**
 * Ineichen-Perez clear-sky irradiance (Ineichen and Perez 2002, as pvlib
 * implements it): global horizontal from the Linke turbidity and the absolute
 * air mass, beam normal as the lesser of the two Ineichen estimates, diffuse
 * as the rest. Inputs and outputs in degrees and W/m2.
 */
const DEG = Math.PI / 180;

export interface ClearSkyIrradiance {
  ghi: number;
  dni: number;
  dhi: number;
}

export const NIGHT: ClearSkyIrradiance = { ghi: 0, dni: 0, dhi: 0 };

/** Relative optical air mass by Kasten and Young (1989), from the apparent zenith; NaN below the horizon. */
export function relativeAirmass(apparentZenithDeg: number): number {
  if (apparentZenithDeg >= 90) return Number.NaN;
  return 1 / (Math.cos(apparentZenithDeg * DEG) + 0.50572 * (96.07995 - apparentZenithDeg) ** -1.6364);
}

/** Standard-atmosphere pressure at an altitude, Pa. */
export const pressureAt = (altitudeM: number): number => 100 * ((44331.514 - altitudeM) / 11880.516) ** (1 / 0.1902632);

/** Absolute air mass: the relative one scaled by the station pressure. */
export const absoluteAirmass = (relative: number, pressurePa: number): number => (relative * pressurePa) / 101325;

/** Extraterrestrial normal irradiance on a day of the year, by Spencer (1971), with a 1366.1 W/m2 solar constant. */
export function extraterrestrial(dayOfYear: number): number {
  const b = (2 * Math.PI * (dayOfYear - 1)) / 365;
  return 1366.1 * (1.00011 + 0.034221 * Math.cos(b) + 0.00128 * Math.sin(b) + 0.000719 * Math.cos(2 * b) + 0.000077 * Math.sin(2 * b));
}

/**
 * `perezEnhancement` multiplies the global by exp(0.01 AM^1.8), the correction
 * of the original Ineichen-Perez paper (pvlib's perez_enhancement=True).
 */
export function ineichen(apparentZenithDeg: number, airmassAbsolute: number, linkeTurbidity: number, altitudeM = 0, dniExtra = 1364, perezEnhancement = false): ClearSkyIrradiance {
  const cosZ = Math.max(Math.cos(apparentZenithDeg * DEG), 0);
  if (cosZ <= 0 || !Number.isFinite(airmassAbsolute)) return NIGHT;
  const tl = linkeTurbidity;
  const fh1 = Math.exp(-altitudeM / 8000);
  const fh2 = Math.exp(-altitudeM / 1250);
  const cg1 = 5.09e-5 * altitudeM + 0.868;
  const cg2 = 3.92e-5 * altitudeM + 0.0387;
  const enhancement = perezEnhancement ? Math.exp(0.01 * airmassAbsolute ** 1.8) : 1;
  const ghi = cg1 * dniExtra * cosZ * Math.max(Math.exp(-cg2 * airmassAbsolute * (fh1 + fh2 * (tl - 1))) * enhancement, 0);
  const b = 0.664 + 0.163 / fh1;
  const bnci = dniExtra * Math.max(b * Math.exp(-0.09 * airmassAbsolute * (tl - 1)), 0);
  const bnci2 = ghi * Math.min(Math.max((1 - (0.1 - 0.2 * Math.exp(-tl)) / (0.1 + 0.882 / fh1)) / cosZ, 0), 1e20);
  const dni = Math.min(bnci, bnci2);
  return { ghi, dni, dhi: ghi - dni * cosZ };
}
