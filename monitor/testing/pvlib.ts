import { readFileSync } from 'node:fs';

/** The pvlib reference values (see pvlib-reference.json for where each number comes from). */
export interface PvlibReference {
  sunPosition: { where: string; latitude: number; longitude: number; time: string; apparentZenith: number; azimuth: number }[];
  ineichen: {
    linkeTurbidity: number;
    rows: { time: string; apparentZenith: number; airmass: number; ghi: number; dni: number; dhi: number; ghiPerez: number; dhiPerez: number }[];
    altitude2000: { apparentZenith: number; airmass: number; linkeTurbidity: number; altitude: number; ghi: number; dni: number; dhi: number };
    dniExtra1370: { apparentZenith: number; airmass: number; linkeTurbidity: number; dniExtra: number; ghi: number; dni: number; dhi: number };
  };
  planeOfArray: {
    site: { latitude: number; longitude: number; altitudeM: number; tiltDeg: number; azimuthDeg: number; linkeTurbidity: number; albedo: number; perezEnhancement: boolean };
    dniExtra: number;
    rows: { time: string; apparentZenith: number; azimuth: number; ghi: number; dni: number; dhi: number; poaDirect: number; skyHayDavies: number; skyIsotropic: number; groundSand: number }[];
  };
}

export const pvlibReference = (): PvlibReference => JSON.parse(readFileSync(new URL('./pvlib-reference.json', import.meta.url), 'utf8')) as PvlibReference;

/** The reference plane-of-array global (Hay-Davies sky, sand albedo) of a row. */
export const poaGlobal = (r: PvlibReference['planeOfArray']['rows'][number]): number => r.poaDirect + r.skyHayDavies + r.groundSand;
