import type { LastingFault } from '../faults.ts';

const DAY_MS = 86_400_000;

/** Sun azimuth in [from, to) clockwise from north; a sector may wrap through north (from > to). */
const inSector = (az: number, from: number, to: number): boolean => (from <= to ? az >= from && az < to : az >= from || az < to);

/**
 * The fraction of its DC power an array keeps under the faults that degrade
 * it: a failed string, soiling (growing with the days since it started), and
 * shading while the sun is in a sector. 1 with none of them.
 */
export function arrayFactor(faults: Iterable<LastingFault>, since: ReadonlyMap<string, number>, t: number, sunAzimuthDeg: number): number {
  let k = 1;
  for (const f of faults) {
    if (f.kind === 'string_failure') k *= 1 - f.fraction;
    else if (f.kind === 'soiling') k *= Math.max(f.floor, 1 - (f.percentPerDay / 100) * ((t - (since.get('soiling') ?? t)) / DAY_MS));
    else if (f.kind === 'shading' && inSector(sunAzimuthDeg, f.fromAzimuthDeg, f.toAzimuthDeg)) k *= f.factor;
  }
  return k;
}

/** What a drifting meter counts per Wh that really passed it. */
export function meterGain(faults: Iterable<LastingFault>, since: ReadonlyMap<string, number>, t: number): number {
  for (const f of faults) if (f.kind === 'meter_drift') return 1 + (f.percentPerDay / 100) * ((t - (since.get('meter_drift') ?? t)) / DAY_MS);
  return 1;
}
