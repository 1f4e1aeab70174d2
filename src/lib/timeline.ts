/**
 * The timeline's geometry: processing time on x, event time on y. Pure functions over the live model, so the
 * component only draws.
 */
import type { QueryInfo } from '../../workers/protocol';
import type { BatchSummary, LatePoint, LiveModel } from './live';

export interface Domain {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface Band {
  from: number;
  to: number;
  /** Alternate bands are shaded. */
  odd: boolean;
}

/** How much processing time the timeline shows at once. */
export function spanMs(intervalMs: number): number {
  return Math.max(30_000, intervalMs * 20);
}

/** The y step that bands and ticks snap to: the window's slide, else a round number. */
export function yUnit(window: QueryInfo['window'] | undefined, range: number): number {
  if (window && window.kind !== 'session' && window.slideMs > 0 && range / window.slideMs <= 40) return window.slideMs;
  return niceStep(range / 6);
}

export function niceStep(raw: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  for (const step of steps) if (step >= raw) return step;
  return Math.ceil(raw / 3_600_000) * 3_600_000;
}

/** The domain that shows the latest `span` of processing time and every event time seen in it. */
export function domainOf(model: LiveModel, span: number, window: QueryInfo['window'] | undefined): Domain | null {
  const last = model.batches.at(-1);
  if (!last) return null;
  const now = Math.max(last.processingMs, model.status?.processingMs ?? 0);
  // The view grows with the run up to `span`, then scrolls.
  const x0 = Math.max(0, now - span);
  const x1 = Math.max(now + span / 30, x0 + Math.min(span, 10_000));
  let lo = Infinity;
  let hi = -Infinity;
  model.forEachDot((p, e) => {
    if (p >= x0 && p <= x1) {
      if (e < lo) lo = e;
      if (e > hi) hi = e;
    }
  });
  for (const late of model.timelineLate) {
    if (late.processingMs >= x0 && late.processingMs <= x1) {
      lo = Math.min(lo, late.eventMs);
      hi = Math.max(hi, late.eventMs);
    }
  }
  for (const batch of model.batches) {
    if (batch.processingMs >= x0 && batch.watermarkMs !== null && Number.isFinite(batch.watermarkMs)) {
      lo = Math.min(lo, batch.watermarkMs);
      hi = Math.max(hi, batch.watermarkMs);
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const unit = yUnit(window, Math.max(hi - lo, 1000));
  const offset = window?.offsetMs ?? 0;
  const y0 = Math.floor((lo - offset) / unit) * unit + offset;
  let y1 = Math.ceil((hi - offset) / unit) * unit + offset;
  if (y1 <= y0) y1 = y0 + unit;
  return { x0, x1, y0, y1 };
}

/** Window boundaries inside the domain (tumbling and hopping windows; session windows have none). */
export function bandsOf(domain: Domain, window: QueryInfo['window'] | undefined): Band[] {
  if (!window || window.kind === 'session') return [];
  const step = window.kind === 'tumble' ? window.sizeMs : window.slideMs;
  if (step <= 0 || (domain.y1 - domain.y0) / step > 200) return [];
  const bands: Band[] = [];
  let k = Math.floor((domain.y0 - window.offsetMs) / step);
  for (let from = k * step + window.offsetMs; from < domain.y1; k++, from = k * step + window.offsetMs) {
    bands.push({ from, to: from + step, odd: Math.abs(k) % 2 === 1 });
  }
  return bands;
}

/** The watermark over processing time, as steps: each batch's watermark holds until the next batch. */
export function watermarkSteps(batches: readonly BatchSummary[], x0: number): { x: number; y: number }[] {
  const steps: { x: number; y: number }[] = [];
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i]!;
    const next = batches[i + 1];
    if (batch.watermarkMs === null) continue;
    if (next && next.processingMs < x0) continue;
    steps.push({ x: batch.processingMs, y: batch.watermarkMs });
  }
  return steps;
}

export function visibleLate(points: readonly LatePoint[], domain: Domain): LatePoint[] {
  return points.filter((point) => point.processingMs >= domain.x0 && point.processingMs <= domain.x1);
}

/** A tick every `step` from the first multiple at or after `from`. */
export function ticks(from: number, to: number, step: number, offset = 0): number[] {
  const out: number[] = [];
  if (step <= 0) return out;
  for (let v = Math.ceil((from - offset) / step) * step + offset; v <= to + 1e-9 && out.length < 200; v += step)
    out.push(v);
  return out;
}
