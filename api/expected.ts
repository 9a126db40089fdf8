import { getPosition } from 'suncalc';
import { dayBounds } from '../common/time.ts';
import { clearSkyEnergy } from '../monitor/index.ts';

/**
 * "Expected energy today" for a site: the year's yield (kWh per kWp) spread
 * over the days in proportion to how much sun each day gets at the site's
 * latitude (the sum of sin(sun altitude) over the day, a clear-sky shape).
 * So a December day expects less than a June day, and a year of expected
 * days adds up to capacity x yield. Without coordinates: yield / 365 a day.
 */
const STEP_MS = 30 * 60_000;
const DAY_MS = 86_400_000;
const dayWeights = new Map<string, number>();
const yearMeans = new Map<string, number>();

function dayWeight(day: string, lat: number, lon: number): number {
  const key = `${day}|${lat.toFixed(1)}|${lon.toFixed(1)}`;
  let w = dayWeights.get(key);
  if (w === undefined) {
    // local solar midnight, near enough from the longitude
    const start = Date.parse(`${day}T00:00:00Z`) - (lon / 15) * 3_600_000;
    w = 0;
    for (let t = start + STEP_MS / 2; t < start + DAY_MS; t += STEP_MS) w += Math.max(0, Math.sin((getPosition(new Date(t), lat, lon).altitude * Math.PI) / 180)); // suncalc 2: degrees
    if (dayWeights.size > 50_000) dayWeights.clear();
    dayWeights.set(key, w);
  }
  return w;
}

function yearMean(year: number, lat: number, lon: number): number {
  const key = `${year}|${lat.toFixed(1)}|${lon.toFixed(1)}`;
  let m = yearMeans.get(key);
  if (m === undefined) {
    let sum = 0;
    let n = 0;
    for (let t = Date.UTC(year, 0, 3); t < Date.UTC(year + 1, 0, 1); t += 7 * DAY_MS) {
      sum += dayWeight(new Date(t).toISOString().slice(0, 10), lat, lon);
      n++;
    }
    m = sum / n;
    yearMeans.set(key, m);
  }
  return m;
}

export function expectedDayWh(capacityW: number, yieldKwhPerKwp: number, day: string, lat?: number | null, lon?: number | null): number {
  const flat = ((capacityW / 1000) * yieldKwhPerKwp * 1000) / 365;
  if (lat === undefined || lat === null || lon === undefined || lon === null) return Math.round(flat);
  const mean = yearMean(Number(day.slice(0, 4)), lat, lon);
  return mean > 0 ? Math.round((flat * dayWeight(day, lat, lon)) / mean) : 0;
}

const clearDays = new Map<string, number>();

/**
 * "Expected today" from the monitor's clear-sky model: the site's capacity
 * on a 20-degree south-facing plane under a clear sky (Ineichen-Perez, Hay-
 * Davies; monitor/solar), over the local day. A cloudy day makes less, a
 * clear one about this much: the page shows the percentage uncapped.
 */
export function clearSkyDayWh(capacityW: number, day: string, lat: number, lon: number, timeZone: string): number {
  const key = `${capacityW}|${day}|${lat}|${lon}|${timeZone}`;
  let wh = clearDays.get(key);
  if (wh === undefined) {
    const { start, end } = dayBounds(day, timeZone);
    wh = Math.round(clearSkyEnergy({ id: '', name: '', capacityW, latitude: lat, longitude: lon, timeZone }, { sites: {} }, capacityW, start, end).wh);
    if (clearDays.size > 10_000) clearDays.clear();
    clearDays.set(key, wh);
  }
  return wh;
}
