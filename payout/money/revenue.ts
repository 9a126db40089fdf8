/**
 * Revenue of one site-day from its energy and tariff, in integer fen.
 *
 * Rates are integer units of 0.00001 yuan/kWh (= 1/1,000,000 fen per Wh), so
 * the exact revenue is energy_wh * rate / 1,000,000 fen. The total is rounded
 * once, half up, on the exact product of the summed rate; the grid part is
 * rounded the same way on its own rate, and the subsidy part is the rest, so
 * grid + subsidy = total exactly.
 */
export const RATE_UNITS_PER_YUAN = 100_000;
const WH_RATE_PER_FEN = 1_000_000n;

export interface Revenue {
  gridFen: number;
  subsidyFen: number;
  totalFen: number;
}

function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

export function siteDayRevenue(energyWh: number, gridRate: number, subsidyRate: number): Revenue {
  for (const [name, v] of [['energy_wh', energyWh], ['grid_rate', gridRate], ['subsidy_rate', subsidyRate]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  const e = BigInt(energyWh);
  const total = roundHalfUp(e * BigInt(gridRate + subsidyRate), WH_RATE_PER_FEN);
  const grid = roundHalfUp(e * BigInt(gridRate), WH_RATE_PER_FEN);
  return { gridFen: Number(grid), subsidyFen: Number(total - grid), totalFen: Number(total) };
}

/** "0.98" (yuan/kWh) -> 98000 rate units; at most 5 decimals, exactly. */
export function parseRate(text: string): number | undefined {
  const m = /^\s*(\d{1,4})(?:\.(\d{1,5}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * RATE_UNITS_PER_YUAN + Number((m[2] ?? '').padEnd(5, '0'));
}

export function formatRate(rate: number): string {
  return `${Math.floor(rate / RATE_UNITS_PER_YUAN)}.${String(rate % RATE_UNITS_PER_YUAN).padStart(5, '0')}`;
}

/** 12345 fen -> "123.45" (yuan), exactly. */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** 1234567 Wh -> "1234.567" (kWh), exactly. */
export function formatKwh(wh: number): string {
  const sign = wh < 0 ? '-' : '';
  const a = Math.abs(wh);
  return `${sign}${Math.floor(a / 1000)}.${String(a % 1000).padStart(3, '0')}`;
}

/** "1234.5" kWh -> 1234500 Wh exactly (at most 3 decimals). */
export function parseKwh(text: string): number | undefined {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,3}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
}
