import type { Profile } from './profile.js';
import { SunSpecProfile } from './sunspec.js';
import { VendorProfile } from './vendor.js';

export type { Profile, Decoded, ReadRegisters } from './profile.js';
export { SunSpecProfile } from './sunspec.js';
export { VendorProfile } from './vendor.js';

/** `sunspec` discovers; anything else names a vendor map (or a path to a map file). */
export function createProfile(name: string): Profile {
  return name === 'sunspec' ? new SunSpecProfile() : new VendorProfile(name);
}
