/** Small statistics over samples, shared by the page, the worker and the runner. */

export interface Percentiles {
  p50: number;
  p99: number;
  mean: number;
  max: number;
  n: number;
}

/** Nearest-rank percentile of sorted samples. */
function rank(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, x) => total + x, 0);
  return {
    p50: round(rank(sorted, 50)),
    p99: round(rank(sorted, 99)),
    mean: round(sorted.length ? sum / sorted.length : NaN),
    max: round(sorted.length ? sorted[sorted.length - 1]! : NaN),
    n: sorted.length,
  };
}

export function median(samples: number[]): number {
  return rank(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}
