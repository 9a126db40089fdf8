/** One counter read as the ledger keeps it: integer Wh, and the device serial when known. */
export interface CounterRead {
  ts: number;
  wh: number;
  serial: string;
}

export type IncrementKind = 'delta' | 'reset' | 'rollover' | 'replacement';

/**
 * Counter widths a lifetime energy register wraps at, in Wh after the
 * gateway's scaling (16- and 32-bit accumulators, the latter with SunSpec
 * scale factors up to 10^3).
 */
export const ROLLOVER_MODULI = [2 ** 16, 2 ** 32, 2 ** 32 * 10, 2 ** 32 * 100, 2 ** 32 * 1000];

/** A wrap is only believed when the energy across it is below this share of the counter range. */
const ROLLOVER_MAX_SHARE = 0.01;

/**
 * Energy between two consecutive reads of one counter and how it was obtained:
 * - delta: the counter went up (or stayed): the difference;
 * - replacement: the serial changed: the swap pair counts 0 Wh, because the new
 *   device's starting value is unknown (a refurbished unit may start anywhere);
 * - rollover: the counter wrapped at a register width: modulus - a + b;
 * - reset: the counter went back to (near) zero: b, the energy since the reset.
 */
export function increment(a: CounterRead, b: CounterRead): { wh: number; kind: IncrementKind } {
  if (a.serial !== '' && b.serial !== '' && a.serial !== b.serial) return { wh: 0, kind: 'replacement' };
  if (b.wh >= a.wh) return { wh: b.wh - a.wh, kind: 'delta' };
  for (const m of ROLLOVER_MODULI) {
    if (a.wh < m && b.wh < m && m - a.wh + b.wh < m * ROLLOVER_MAX_SHARE) return { wh: m - a.wh + b.wh, kind: 'rollover' };
  }
  return { wh: b.wh, kind: 'reset' };
}
