import { hash01, valueNoise } from './noise.ts';

/**
 * Seeded weather for a site: each local day is sunny, partly cloudy or
 * overcast with a monthly probability, and the clear-sky index wanders
 * within the day. Defaults are for northern Guangdong (Ruyuan): a wet,
 * cloudy spring, sunnier summer and autumn. Ambient temperature follows the
 * monthly mean with a daily swing peaking mid-afternoon.
 */
export interface Climate {
  /** Probability of a sunny day, January..December. */
  pSunny: readonly number[];
  /** Probability of an overcast day, January..December (the rest is partly cloudy). */
  pOvercast: readonly number[];
  /** Mean ambient temperature, degrees C, January..December. */
  meanTempC: readonly number[];
  /** Half the daily temperature swing, degrees C. */
  dailySwingC: number;
}

export const RUYUAN_CLIMATE: Climate = {
  pSunny: [0.3, 0.2, 0.15, 0.15, 0.2, 0.3, 0.45, 0.45, 0.5, 0.55, 0.45, 0.4],
  pOvercast: [0.35, 0.45, 0.5, 0.45, 0.4, 0.3, 0.15, 0.15, 0.15, 0.1, 0.2, 0.25],
  meanTempC: [10, 12, 15, 20, 24, 27, 28, 28, 26, 22, 17, 12],
  dailySwingC: 4,
};

export type DayKind = 'sunny' | 'partly' | 'overcast';

const KIND_CLEARNESS: Record<DayKind, { base: number; amplitude: number; periodMs: number }> = {
  sunny: { base: 0.78, amplitude: 0.08, periodMs: 60 * 60_000 },
  partly: { base: 0.47, amplitude: 0.28, periodMs: 20 * 60_000 },
  overcast: { base: 0.16, amplitude: 0.07, periodMs: 40 * 60_000 },
};

const DAY_MS = 86_400_000;

/** Local solar time (ms) at a longitude: UTC shifted by 4 minutes per degree. */
export const solarTime = (t: number, longitude: number): number => t + (longitude / 15) * 3_600_000;

export interface WeatherNow {
  kind: DayKind;
  /** Clear-sky index: the fraction of clear-sky irradiance that reaches the modules. */
  clearness: number;
  ambientC: number;
}

export class Weather {
  private readonly seed: number;
  private readonly longitude: number;
  private readonly climate: Climate;

  constructor(
    seed: number,
    longitude: number,
    climate: Climate = RUYUAN_CLIMATE,
  ) {
    this.seed = seed;
    this.longitude = longitude;
    this.climate = climate;
  }

  dayKind(t: number): DayKind {
    const local = solarTime(t, this.longitude);
    const day = Math.floor(local / DAY_MS);
    const month = new Date(local).getUTCMonth();
    const u = hash01(this.seed, 1, day);
    const pSunny = this.climate.pSunny[month] ?? 0.3;
    const pOvercast = this.climate.pOvercast[month] ?? 0.3;
    return u < pSunny ? 'sunny' : u < pSunny + pOvercast ? 'overcast' : 'partly';
  }

  at(t: number): WeatherNow {
    const kind = this.dayKind(t);
    const p = KIND_CLEARNESS[kind];
    const clearness = Math.min(1.05, Math.max(0.05, p.base + p.amplitude * valueNoise(this.seed, 2, t, p.periodMs)));
    const local = solarTime(t, this.longitude);
    const month = new Date(local).getUTCMonth();
    const hour = (local % DAY_MS) / 3_600_000;
    const mean = this.climate.meanTempC[month] ?? 20;
    const swing = this.climate.dailySwingC * (kind === 'overcast' ? 0.5 : 1);
    const ambientC = mean + swing * Math.cos((2 * Math.PI * (hour - 14)) / 24) + valueNoise(this.seed, 3, t, 3 * 3_600_000);
    return { kind, clearness, ambientC };
  }
}
