import { loadDlt645Map } from '../../common/devices/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { Profile } from './profile.ts';
import { SunSpecProfile } from './sunspec.ts';
import { VendorProfile } from './vendor.ts';

export type { Profile, Decoded, ReadRegisters } from './profile.ts';
export { SunSpecProfile } from './sunspec.ts';
export { VendorProfile } from './vendor.ts';
export { checkPlantTotals } from './plant.ts';

/** `sunspec` discovers; anything else names a vendor map (or a path to a map file). */
export function createProfile(name: string): Profile {
  return name === 'sunspec' ? new SunSpecProfile() : new VendorProfile(name);
}

/** Every device's profile loads (map files exist and are valid); all problems at once, with their paths. */
export function checkProfiles(devices: readonly { profile: string; protocol?: string }[], source = 'gateway config'): void {
  const problems: string[] = [];
  devices.forEach((d, i) => {
    try {
      if (d.protocol === 'dlt645') loadDlt645Map(d.profile);
      else createProfile(d.profile);
    } catch (err) {
      const details = (err as { details?: readonly string[] }).details ?? [];
      problems.push(`/devices/${i}/profile: ${(err as Error).message}${details.length ? ` (${details.join('; ')})` : ''}`);
    }
  });
  if (problems.length > 0) throw new SunshareError('CONFIG_INVALID', `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, { details: problems });
}
