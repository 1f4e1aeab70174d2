/**
 * The timeline's geometry: processing time on x, event time on y. Pure functions over the live model, so the
 * component only draws.
 */
import type { JsonValue, QueryInfo, WatermarkReason } from '../../workers/protocol';
import { cell } from './format';
import type { BatchSummary, LatePoint, LiveModel } from './live';
import { parseUtcMs } from './time';

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

/**
 * The watermark over processing time, as steps: each batch's watermark holds until the next batch. `reason` is
 * why it stands there: what the batch before it saw (null for the first batch, before any event).
 */
export interface WatermarkStep {
  x: number;
  y: number;
  batchId: number;
  reason: WatermarkReason | null;
}

export function watermarkSteps(batches: readonly BatchSummary[], x0: number): WatermarkStep[] {
  const steps: WatermarkStep[] = [];
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i]!;
    const next = batches[i + 1];
    if (batch.watermarkMs === null) continue;
    if (next && next.processingMs < x0) continue;
    const reason = batches[i - 1]?.watermarkReason ?? null;
    steps.push({ x: batch.processingMs, y: batch.watermarkMs, batchId: batch.batchId, reason });
  }
  return steps;
}

/** The step whose horizontal run passes within `near` pixels of the point, given where each step is drawn. */
export function stepNear<T extends { x: number; y: number }>(drawn: readonly T[], x: number, y: number, near: number) {
  let at = -1;
  while (at + 1 < drawn.length && drawn[at + 1]!.x <= x) at++;
  const step = drawn[at];
  return step && Math.abs(step.y - y) <= near ? step : null;
}

export function visibleLate(points: readonly LatePoint[], domain: Domain): LatePoint[] {
  return points.filter((point) => point.processingMs >= domain.x0 && point.processingMs <= domain.x1);
}

/** A late row on screen: where it is, and how high the watermark it missed is (CSS pixels). */
export interface LateMark {
  x: number;
  y: number;
  missed: number;
}

/**
 * Where to draw late rows, in device pixels. A batch's late rows share its processing time and the watermark
 * they missed, so one line per batch reaches down to that watermark from the farthest of them; rows that land on
 * the same pixel are marked once, so that thousands of late rows cost what the screen can show.
 */
export function lateMarkPixels(
  marks: readonly LateMark[],
  ratio: number,
): { lines: { x: number; from: number; to: number }[]; points: { x: number; y: number }[] } {
  const lines = new Map<string, { x: number; from: number; to: number }>();
  const points = new Map<string, { x: number; y: number }>();
  for (const mark of marks) {
    const x = Math.round(mark.x * ratio);
    const y = Math.round(mark.y * ratio);
    const to = Math.round(mark.missed * ratio);
    const line = lines.get(`${x},${to}`);
    if (!line || Math.abs(y - to) > Math.abs(line.from - to)) lines.set(`${x},${to}`, { x, from: y, to });
    points.set(`${x},${y}`, { x, y });
  }
  return { lines: [...lines.values()], points: [...points.values()] };
}

/** A tick every `step` from the first multiple at or after `from`. */
export function ticks(from: number, to: number, step: number, offset = 0): number[] {
  const out: number[] = [];
  if (step <= 0) return out;
  for (let v = Math.ceil((from - offset) / step) * step + offset; v <= to + 1e-9 && out.length < 200; v += step)
    out.push(v);
  return out;
}

/** One session window the query emitted: its event-time range, its key, and when it was read and emitted. */
export interface SessionSpan {
  id: number;
  startMs: number;
  endMs: number;
  /** Processing time of the first batch that read events as late as the session's start. */
  openedMs: number;
  /** Processing time of the batch that last emitted the session. */
  emittedMs: number;
  key: string;
}

/** At most this many sessions are drawn, the newest. */
export const MAX_SESSIONS = 400;

/**
 * The session windows among the query's result rows that overlap the domain, newest last: read from
 * `window_start`/`window_end`, `session_start`/`session_end` or a `window`/`session_window` struct.
 */
export function sessionSpans(model: LiveModel, domain: Domain): SessionSpan[] {
  const results = model.results;
  const range = sessionRangeReader(results.columns);
  if (!range) return [];
  const keyIndexes = results.keyColumns
    .map((name) => results.columns.indexOf(name))
    .filter((i) => i >= 0 && !/^(window|session)(_start|_end)?$/i.test(results.columns[i]!));
  const emittedAt = new Map(model.batches.map((batch) => [batch.batchId, batch.processingMs]));
  const openedAt = firstBatchReaching(model.batches);
  const spans: SessionSpan[] = [];
  for (let i = results.rows.length - 1; i >= 0 && spans.length < MAX_SESSIONS; i--) {
    const row = results.rows[i]!;
    const times = range(row.values);
    const emittedMs = emittedAt.get(row.lastBatch);
    if (!times || emittedMs === undefined || emittedMs > domain.x1) continue;
    if (times.endMs < domain.y0 || times.startMs > domain.y1) continue;
    const key = keyIndexes.map((k) => cell(row.values[k] ?? null)).join(', ');
    spans.push({
      id: row.id,
      ...times,
      openedMs: Math.min(openedAt(times.startMs) ?? emittedMs, emittedMs),
      emittedMs,
      key,
    });
  }
  return spans.reverse();
}

/** For an event time, the processing time of the first batch whose newest event reached it. */
function firstBatchReaching(batches: readonly BatchSummary[]): (eventMs: number) => number | null {
  const reach: number[] = [];
  let newest = -Infinity;
  for (const batch of batches) {
    const max = batch.progress.eventTime.max;
    newest = Math.max(newest, (max ? parseUtcMs(max) : null) ?? -Infinity);
    reach.push(newest);
  }
  return (eventMs) => {
    let lo = 0;
    let hi = reach.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (reach[mid]! >= eventMs) hi = mid;
      else lo = mid + 1;
    }
    return lo < batches.length ? batches[lo]!.processingMs : null;
  };
}

function sessionRangeReader(
  columns: string[],
): ((values: JsonValue[]) => { startMs: number; endMs: number } | null) | null {
  const lower = columns.map((name) => name.toLowerCase());
  const pair = (start: string, end: string) => {
    const s = lower.indexOf(start);
    const e = lower.indexOf(end);
    return s >= 0 && e >= 0 ? [s, e] : null;
  };
  const columnsPair = pair('window_start', 'window_end') ?? pair('session_start', 'session_end');
  if (columnsPair) {
    const [s, e] = columnsPair as [number, number];
    return (values) => range(values[s], values[e]);
  }
  const struct = lower.findIndex((name) => name === 'window' || name === 'session_window');
  if (struct < 0) return null;
  return (values) => {
    const value = values[struct];
    return value && typeof value === 'object' && !Array.isArray(value) ? range(value.start, value.end) : null;
  };
}

function range(start: JsonValue | undefined, end: JsonValue | undefined): { startMs: number; endMs: number } | null {
  const startMs = typeof start === 'string' ? parseUtcMs(start) : null;
  const endMs = typeof end === 'string' ? parseUtcMs(end) : null;
  return startMs === null || endMs === null ? null : { startMs, endMs };
}
