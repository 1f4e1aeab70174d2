/**
 * Zipf-distributed key ranks: rank k (0-based) has probability proportional to 1 / (k + 1)^s.
 * s = 0 is uniform. Sampling is a binary search in a cumulative table built once per (cardinality, s)
 * and shared between generators.
 */

const tables = new Map<string, Float64Array>();
const MAX_CACHED = 16;

/** The cumulative distribution of Zipf(n, s): cdf[k] = P(rank ≤ k); cdf[n - 1] = 1. */
export function zipfCdf(n: number, s: number): Float64Array {
  const key = `${n}:${s}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += s === 0 ? 1 : Math.pow(k + 1, -s);
    cdf[k] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] = cdf[k]! / sum;
  cdf[n - 1] = 1;
  if (tables.size >= MAX_CACHED) tables.delete(tables.keys().next().value!);
  tables.set(key, cdf);
  return cdf;
}

/** Probability of rank k (0-based) under Zipf(n, s), for tests and docs. */
export function zipfProbability(n: number, s: number, k: number): number {
  let sum = 0;
  for (let j = 1; j <= n; j++) sum += Math.pow(j, -s);
  return Math.pow(k + 1, -s) / sum;
}

/** Draws 0-based ranks from Zipf(n, s) given uniform numbers in [0, 1). */
export class ZipfSampler {
  private readonly cdf: Float64Array | undefined;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    this.cdf = s === 0 ? undefined : zipfCdf(n, s);
  }

  rank(u: number): number {
    const cdf = this.cdf;
    if (cdf === undefined) return Math.floor(u * this.n);
    // The first k with cdf[k] > u.
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
