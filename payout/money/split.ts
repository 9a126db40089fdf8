/**
 * Largest-remainder split of an integer amount of fen in proportion to
 * integer weights (W of capacity) over a denominator (the site's capacity).
 *
 * Each party first gets floor(amount * weight / denominator); the fen left
 * over go one each to the parties with the largest remainders. Ties break
 * deterministically: larger remainder first, then (when `tieFirst` is given)
 * the smaller tieFirst, then the party listed earlier (callers list
 * households by allocation id, the company last).
 * The parts always sum exactly to `amount`, and each is within 1 fen of its
 * exact share. Products run in BigInt so nothing rounds above 2^53.
 */
export function splitLargestRemainder(amount: number, weights: readonly number[], denominator: number, tieFirst?: readonly number[]): number[] {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer of fen, got ${amount}`);
  const total = weights.reduce((a, w) => a + w, 0);
  if (total !== denominator) throw new RangeError(`weights sum to ${total}, expected ${denominator}`);
  if (denominator <= 0) throw new RangeError(`denominator must be positive, got ${denominator}`);
  const parts: number[] = new Array<number>(weights.length);
  const remainders: (number | bigint)[] = new Array<number | bigint>(weights.length);
  let given = 0;
  // exact in doubles while amount x denominator stays below 2^53 (every site-day in practice); BigInt beyond
  if (amount * denominator <= Number.MAX_SAFE_INTEGER) {
    for (let i = 0; i < weights.length; i++) {
      const w = checkWeight(weights[i]!, i);
      const p = amount * w;
      let q = Math.floor(p / denominator);
      let r = p - q * denominator; // exact: both terms are integers below 2^53
      // the division itself may round across an integer: correct by one
      if (r < 0) {
        q--;
        r += denominator;
      } else if (r >= denominator) {
        q++;
        r -= denominator;
      }
      parts[i] = q;
      remainders[i] = r;
      given += q;
    }
  } else {
    const a = BigInt(amount);
    const d = BigInt(denominator);
    for (let i = 0; i < weights.length; i++) {
      const p = a * BigInt(checkWeight(weights[i]!, i));
      const q = p / d;
      parts[i] = Number(q);
      remainders[i] = p - q * d;
      given += parts[i]!;
    }
  }
  let left = amount - given;
  if (left > 0) {
    const order = weights.map((_, i) => i).sort((x, y) => {
      const rx = remainders[x]!;
      const ry = remainders[y]!;
      if (rx !== ry) return rx > ry ? -1 : 1;
      return (tieFirst ? tieFirst[x]! - tieFirst[y]! : 0) || x - y;
    });
    for (const i of order) {
      if (left === 0) break;
      parts[i]!++;
      left--;
    }
  }
  return parts;
}

function checkWeight(w: number, i: number): number {
  if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weight ${i} must be a non-negative integer, got ${w}`);
  return w;
}
