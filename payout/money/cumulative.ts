/**
 * Cumulative rounding of one posting (a site-day's daily lines, or a
 * restatement's adjustment lines) among the parties of a site.
 *
 * Every party carries its residual r = (fen posted) - (exact share) over the
 * postings of its track so far, kept exactly as a numerator over a common
 * denominator `den`. A posting gives party p an exact amount x (rational; a
 * restatement's x is the new exact share of the day minus the old one). The
 * party is owed o = x - r, and gets floor(o) or floor(o) + 1 fen: so its new
 * residual r' = line - o stays within 1 fen, and the line within 2 fen of x.
 *
 * Who gets the + 1 is largest remainder on o (not on x): the larger
 * fractional part first, then the party listed earlier. That is a common
 * threshold on each party's running exact total, which is what keeps two
 * parties with equal shares within 1 fen of each other over any stretch of
 * postings, not just over one day.
 *
 * Parties that left keep the residual they left with. The residuals of all
 * parties always sum to zero, so those of the parties in a posting sum to
 * minus those of the parties outside it. When that sum is more than the
 * parties in the posting can absorb within 1 fen each (many departures with
 * residuals of one sign; rare, and only on small sites), parties outside it
 * (`spares`, those that left) settle their residual: the one furthest out
 * gets a line of 1 fen or -1 fen, still within 1 fen of its exact total.
 */
export interface PostingParty {
  /** exact amount of this posting, numerator over den */
  x: bigint;
  /** residual before the posting (posted - exact), numerator over den */
  r: bigint;
}

export interface PostingResult {
  amounts: number[];
  /** residuals after the posting, numerators over den */
  residuals: bigint[];
  /** per spare: 0, or the fen (1 or -1) it settles in this posting */
  spares: number[];
  /** fen no one could absorb within 1 fen, given to `sink` (0 unless residuals were already out of bounds) */
  overflow: number;
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

/**
 * Rounds one posting: amounts (plus any spare's settling fen) sum exactly to
 * `total`. `den` > 0; `sink` is the index of the party that takes an
 * overflow (the company); `spares` are the residuals of parties that left.
 */
export function roundPosting(parties: readonly PostingParty[], den: bigint, total: number, spares: readonly bigint[] = [], sink = parties.length - 1): PostingResult {
  if (den <= 0n) throw new RangeError(`den must be positive, got ${den}`);
  if (!Number.isSafeInteger(total)) throw new RangeError(`total must be an integer of fen, got ${total}`);
  const n = parties.length;
  const floors: bigint[] = new Array<bigint>(n);
  const fracs: bigint[] = new Array<bigint>(n);
  const owed: bigint[] = new Array<bigint>(n);
  let floorSum = 0n;
  for (let i = 0; i < n; i++) {
    const p = parties[i]!;
    const o = p.x - p.r;
    const f = floorDiv(o, den);
    owed[i] = o;
    floors[i] = f;
    fracs[i] = o - f * den;
    floorSum += f;
  }
  let k = Number(BigInt(total) - floorSum);
  // parties outside the posting settle what those in it cannot absorb
  const settled = spares.map(() => 0);
  if (k > n || k < 0) {
    const sign = k > n ? 1 : -1;
    const order = spares.map((_, i) => i).filter((i) => (sign > 0 ? spares[i]! < 0n : spares[i]! > 0n)).sort((i, j) => (spares[i] === spares[j] ? i - j : (spares[i]! < spares[j]!) === sign > 0 ? -1 : 1));
    for (const i of order) {
      if (k <= n && k >= 0) break;
      settled[i] = sign;
      k -= sign;
    }
  }
  const wanted = k;
  k = Math.max(0, Math.min(n, k));
  const overflow = wanted - k;
  const up = new Uint8Array(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (fracs[i] === fracs[j] ? i - j : fracs[i]! > fracs[j]! ? -1 : 1));
  for (let j = 0; j < k; j++) up[order[j]!] = 1;
  const amounts: number[] = new Array<number>(n);
  const residuals: bigint[] = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    const a = floors[i]! + BigInt(up[i]!) + (i === sink ? BigInt(overflow) : 0n);
    amounts[i] = Number(a);
    residuals[i] = a * den - owed[i]!;
  }
  return { amounts, residuals, spares: settled, overflow };
}

/**
 * The same rounding in doubles, for postings whose numerators stay below
 * 2^52 (every realistic site-day: revenue x share x den / capacity): x, r,
 * spares and den as numbers, every step exact. Gives the same result as
 * roundPosting (tested against it).
 */
export function roundPostingNumbers(x: readonly number[], r: readonly number[], den: number, total: number, spares: readonly number[] = [], sink = x.length - 1): { amounts: number[]; residuals: number[]; spares: number[]; overflow: number } {
  const n = x.length;
  const floors = new Array<number>(n);
  const fracs = new Array<number>(n);
  const owed = new Array<number>(n);
  let floorSum = 0;
  for (let i = 0; i < n; i++) {
    const o = x[i]! - r[i]!;
    let f = Math.floor(o / den);
    let rem = o - f * den; // exact: integers below 2^53
    if (rem < 0) {
      f--;
      rem += den;
    } else if (rem >= den) {
      f++;
      rem -= den;
    }
    owed[i] = o;
    floors[i] = f;
    fracs[i] = rem;
    floorSum += f;
  }
  let k = total - floorSum;
  const settled = spares.map(() => 0);
  if (k > n || k < 0) {
    const sign = k > n ? 1 : -1;
    const order = spares.map((_, i) => i).filter((i) => (sign > 0 ? spares[i]! < 0 : spares[i]! > 0)).sort((i, j) => (spares[i] === spares[j] ? i - j : (spares[i]! < spares[j]!) === sign > 0 ? -1 : 1));
    for (const i of order) {
      if (k <= n && k >= 0) break;
      settled[i] = sign;
      k -= sign;
    }
  }
  const wanted = k;
  k = Math.max(0, Math.min(n, k));
  const overflow = wanted - k;
  const up = new Uint8Array(n);
  if (k > 0 && k < n) {
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (fracs[i] === fracs[j] ? i - j : fracs[j]! - fracs[i]!));
    for (let j = 0; j < k; j++) up[order[j]!] = 1;
  } else if (k === n) up.fill(1);
  const amounts = new Array<number>(n);
  const residuals = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const a = floors[i]! + up[i]! + (i === sink ? overflow : 0);
    amounts[i] = a;
    residuals[i] = a * den - owed[i]!;
  }
  return { amounts, residuals, spares: settled, overflow };
}

export const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
};
export const lcm = (a: bigint, b: bigint): bigint => (a / gcd(a, b)) * b;
