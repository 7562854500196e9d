/**
 * Integer arithmetic for the pricing pipeline. Every division of money rounds half to even
 * ("banker's rounding"), so a long run of halves does not drift one way.
 */

/** `round(amount × bps / 10 000)`: a share in basis points (1900 = 19 %). */
export function applyBps(amount: number, bps: number): number {
  return mulDiv(amount, bps, 10_000);
}

/** `round(amount × multiplier / divisor)` half to even, without overflowing doubles. */
export function mulDiv(amount: number, multiplier: number, divisor: number): number {
  if (amount < 0 || multiplier < 0 || divisor <= 0) throw new RangeError('mulDiv takes non-negative amounts');
  const n = BigInt(amount) * BigInt(multiplier);
  const d = BigInt(divisor);
  let q = n / d;
  const twice = (n - q * d) * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return Number(q);
}

/**
 * Splits `total` over `weights` in proportion, as integers that add up to `total` exactly
 * (largest remainder; ties go to the earlier weight). No share exceeds its weight when
 * `total` ≤ the sum of the weights.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total === 0 || sum === 0) return weights.map(() => 0);
  const T = BigInt(total);
  const S = BigInt(sum);
  const shares = weights.map((w) => (T * BigInt(w)) / S);
  const remainders = weights.map((w, i) => ({ i, r: T * BigInt(w) - shares[i] * S }));
  let left = Number(T - shares.reduce((a, b) => a + b, 0n));
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0) break;
    if (shares[i] < BigInt(weights[i])) {
      shares[i] += 1n;
      left -= 1;
    }
  }
  return shares.map(Number);
}
