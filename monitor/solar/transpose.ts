/**
 * Irradiance on a tilted plane (plane of array) from beam normal, diffuse
 * and global horizontal: beam x cos(angle of incidence), sky diffuse by
 * Hay and Davies (1980) or isotropic, ground-reflected by a uniform albedo.
 * Angles in degrees, azimuths clockwise from north (180 = south).
 */
const DEG = Math.PI / 180;

export interface Plane {
  tiltDeg: number;
  azimuthDeg: number;
}

export interface PoaComponents {
  global: number;
  direct: number;
  skyDiffuse: number;
  groundDiffuse: number;
}

export type SkyModel = 'haydavies' | 'isotropic';

/** cos(angle of incidence) of the sun's rays on the plane (negative: sun behind it). */
export function aoiProjection(plane: Plane, zenithDeg: number, sunAzimuthDeg: number): number {
  const t = plane.tiltDeg * DEG;
  const z = zenithDeg * DEG;
  return Math.cos(t) * Math.cos(z) + Math.sin(t) * Math.sin(z) * Math.cos((sunAzimuthDeg - plane.azimuthDeg) * DEG);
}

export const isotropicSky = (tiltDeg: number, dhi: number): number => (dhi * (1 + Math.cos(tiltDeg * DEG))) / 2;

export function hayDaviesSky(plane: Plane, dhi: number, dni: number, dniExtra: number, zenithDeg: number, sunAzimuthDeg: number): number {
  const cosTt = Math.max(aoiProjection(plane, zenithDeg, sunAzimuthDeg), 0);
  const rb = cosTt / Math.max(Math.cos(zenithDeg * DEG), 0.01745);
  const ai = dni / dniExtra;
  const isotropic = Math.max(dhi * (1 - ai) * 0.5 * (1 + Math.cos(plane.tiltDeg * DEG)), 0);
  const circumsolar = Math.max(dhi * ai * rb, 0);
  return isotropic + circumsolar;
}

export const groundDiffuse = (tiltDeg: number, ghi: number, albedo: number): number => (ghi * albedo * (1 - Math.cos(tiltDeg * DEG))) / 2;

export interface PoaInput {
  plane: Plane;
  zenithDeg: number;
  sunAzimuthDeg: number;
  ghi: number;
  dni: number;
  dhi: number;
  dniExtra: number;
  albedo: number;
  model: SkyModel;
}

export function planeOfArray(i: PoaInput): PoaComponents {
  const direct = Math.max(i.dni * aoiProjection(i.plane, i.zenithDeg, i.sunAzimuthDeg), 0);
  const skyDiffuse = i.model === 'haydavies' ? hayDaviesSky(i.plane, i.dhi, i.dni, i.dniExtra, i.zenithDeg, i.sunAzimuthDeg) : isotropicSky(i.plane.tiltDeg, i.dhi);
  const groundDiffuseW = groundDiffuse(i.plane.tiltDeg, i.ghi, i.albedo);
  return { global: direct + skyDiffuse + groundDiffuseW, direct, skyDiffuse, groundDiffuse: groundDiffuseW };
}
