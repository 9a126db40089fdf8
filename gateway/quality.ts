import { Reading, type QUALITY_FLAGS } from '../common/contract.ts';

type QualityFlag = (typeof QUALITY_FLAGS)[number];
import { validator } from '../common/validate.ts';
import type { Decoded } from './profiles/profile.ts';

/** Power above rating x this is "far above" (clouds' edge effects stay well below it). */
export const POWER_RATING_FACTOR = 1.5;
/** Identical values for this many reads in a row while producing: the device is repeating a frozen frame. */
export const STALE_AFTER_READS = 30;

const readingCheck = validator(Reading);

/**
 * Plausibility per device: values are published as read, with quality flags,
 * never dropped or "fixed" (except a value the contract cannot carry at all,
 * which is left out, flagged and reported as a problem).
 */
export class QualityTracker {
  private lastEnergy: number | undefined;
  private lastSerial: string | undefined;
  private lastFrame = '';
  private sameFrames = 0;

  private readonly configuredRatingW?: number;

  constructor(configuredRatingW?: number) {
    this.configuredRatingW = configuredRatingW;
  }

  /** Builds the reading and its flags; `problems` lists values left out because the contract rejects them. */
  assess(device: string, ts: number, d: Decoded): { reading: Reading; problems: string[] } {
    const flags = new Set<QualityFlag>();
    const reading: Reading = { device, kind: d.kind, ts, ...d.values };
    if (d.serial) reading.serial = d.serial.slice(0, 64);
    if (d.notFinite.length > 0) flags.add('not_finite');

    if (d.serial !== undefined && this.lastSerial !== undefined && d.serial !== this.lastSerial) {
      flags.add('device_replaced');
      this.lastEnergy = undefined; // a new device's counter starts its own series
    }
    if (d.serial !== undefined) this.lastSerial = d.serial;

    const energy = reading.ac_energy_wh;
    if (energy !== undefined) {
      if (this.lastEnergy !== undefined && energy < this.lastEnergy) flags.add('energy_backwards');
      this.lastEnergy = energy;
    }
    const rating = this.configuredRatingW ?? d.ratedPowerW;
    if (rating !== undefined && reading.ac_power_w !== undefined && reading.ac_power_w > rating * POWER_RATING_FACTOR) flags.add('power_above_rating');

    const frame = JSON.stringify(d.values);
    this.sameFrames = frame === this.lastFrame ? this.sameFrames + 1 : 0;
    this.lastFrame = frame;
    if (this.sameFrames >= STALE_AFTER_READS && (reading.ac_power_w ?? 0) > 0) flags.add('stale');

    const problems = this.dropOutOfContract(reading, flags);
    if (flags.size > 0) reading.quality = [...flags];
    return { reading, problems };
  }

  /** Removes fields outside the contract's ranges (ingest would reject the whole batch). */
  private dropOutOfContract(reading: Reading, flags: Set<QualityFlag>): string[] {
    const problems = readingCheck.problems(reading);
    for (const p of problems) {
      const field = /^\/([a-z_]+)/.exec(p)?.[1];
      if (field && field !== 'device' && field !== 'kind' && field !== 'ts') {
        delete (reading as Record<string, unknown>)[field];
        if (field === 'ac_power_w') flags.add('power_above_rating');
        else flags.add('not_finite');
      }
    }
    return problems;
  }
}
