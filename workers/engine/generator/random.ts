/**
 * Counter-based randomness: every value is a pure function of (seed, stream, index, field), so any event can
 * be generated on its own, in any order and any chunking. No state is carried from one event to the next.
 *
 * The mixing function is the 32-bit finaliser of MurmurHash3 (a bijection on 32-bit words with full avalanche),
 * applied in two rounds per event and once more per field.
 */

export const TWO_32 = 4294967296;
const GOLDEN = 0x9e3779b9 | 0;

/** MurmurHash3's 32-bit finaliser; returns an unsigned 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit key from a seed (a non-negative safe integer) and a stream number. */
function streamKey(seed: number, stream: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  return fmix32(lo ^ fmix32((hi + Math.imul(stream + 1, GOLDEN)) | 0));
}

/** One independent random stream of a seed: `base(i)` hashes the index, `field(base, f)` derives field `f`. */
export class RandomStream {
  private readonly k0: number;
  private readonly k1: number;

  constructor(seed: number, stream: number) {
    this.k0 = streamKey(seed, stream);
    this.k1 = fmix32(this.k0 ^ 0x5bd1e995);
  }

  /** The hash of index `i` (a non-negative safe integer) in this stream. */
  base(i: number): number {
    const lo = i >>> 0;
    const hi = i >= TWO_32 ? Math.floor(i / TWO_32) : 0;
    return fmix32((fmix32(lo ^ this.k0) + Math.imul(hi ^ this.k1, GOLDEN)) | 0);
  }

  /** Shorthand for a uniform number in [0, 1) for (index, field). */
  unit(i: number, f: number): number {
    return field(this.base(i), f) / TWO_32;
  }
}

/** Field `f` (a small integer) of an index hash: an unsigned 32-bit integer. */
export function field(base: number, f: number): number {
  return fmix32((base + Math.imul(f + 1, GOLDEN)) | 0);
}

/** 2^-32: multiplying by it is exactly dividing by 2^32, and cheaper. */
const INVERSE_TWO_32 = 1 / TWO_32;

/** Field `f` of an index hash as a uniform number in [0, 1). */
export function unitField(base: number, f: number): number {
  return fmix32((base + Math.imul(f + 1, GOLDEN)) | 0) * INVERSE_TWO_32;
}

/** Equal slices of [0, 1) whose first pick `WeightedChoice` remembers. */
const SLICES = 256;

/** Picks indices with probabilities proportional to fixed weights, from uniform numbers in [0, 1). */
export class WeightedChoice {
  /** Normalised cumulative weights, ascending; the last is 1. */
  private readonly cumulative: Float64Array;
  /** The pick at the lower end of each slice: a pick in the slice is this one or a later one. */
  private readonly sliceStart: Int32Array;

  constructor(weights: readonly number[]) {
    const total = weights.reduce((a, b) => a + b, 0);
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum / total;
    });
    this.cumulative[weights.length - 1] = 1;
    this.sliceStart = Int32Array.from({ length: SLICES }, (_, slice) => this.scan(0, slice / SLICES));
  }

  /** The first index whose cumulative weight exceeds `u`, the last one if none does. */
  pick(u: number): number {
    return this.scan(this.sliceStart[Math.floor(u * SLICES)]!, u);
  }

  private scan(from: number, u: number): number {
    const cumulative = this.cumulative;
    const last = cumulative.length - 1;
    for (let i = from; i < last; i++) if (u < cumulative[i]!) return i;
    return last;
  }
}
