import { SunshareError } from '../../errors.ts';

/**
 * A meter's communication address: 12 decimal digits (as printed on its nameplate), sent as 6 BCD
 * bytes, least significant first. `AAAAAAAAAAAA` is the wildcard address of "read address"
 * (control 0x13), which only one meter on the line may answer.
 */
export const BROADCAST_ADDRESS = 'AAAAAAAAAAAA';
export const ADDRESS_PATTERN = '^[0-9]{12}$';

export function addressBytes(address: string): Uint8Array {
  if (address !== BROADCAST_ADDRESS && !new RegExp(ADDRESS_PATTERN).test(address)) {
    throw new SunshareError('DLT645_VALUE_INVALID', `meter address "${address}" is not 12 decimal digits`);
  }
  return Uint8Array.from([10, 8, 6, 4, 2, 0].map((i) => parseInt(address.slice(i, i + 2), 16)));
}

/** The address in 6 bytes (least significant first) as 12 characters, most significant first. */
export const addressString = (bytes: Uint8Array): string =>
  [...bytes]
    .reverse()
    .map((b) => b.toString(16).toUpperCase().padStart(2, '0'))
    .join('');
