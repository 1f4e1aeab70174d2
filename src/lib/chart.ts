/** Turns a windowed result table into chart series: windows on x, a measure on y, one series per key. */
import type { JsonValue } from '../../workers/protocol';
import { isWindowColumn, windowStartReader, type ResultRow } from './results';
import { parseUtcMs } from './time';

/** At most this many windows (the latest) and series (the largest) are drawn. */
export const CHART_WINDOWS = 120;
export const CHART_SERIES = 10;

export interface ChartData {
  /** Window starts, epoch ms, ascending. */
  xs: number[];
  series: { label: string; values: (number | null)[] }[];
  /** How many series there were before keeping the largest. */
  totalSeries: number;
}

function numeric(value: JsonValue | undefined): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

function isTimestamp(value: JsonValue | undefined): boolean {
  return typeof value === 'string' && value.length >= 19 && parseUtcMs(value) !== null;
}

/**
 * The x of each row: a window column by name (window_start, a window struct), else the first key column that
 * holds timestamps (a window's start under another name, a session's start).
 */
function xReader(columns: string[], keyColumns: string[], sample: ResultRow | undefined) {
  const named = windowStartReader(columns);
  if (named) return named;
  const at = columns.findIndex((name, i) => keyColumns.includes(name) && isTimestamp(sample?.values[i]));
  if (at < 0) return null;
  return (values: JsonValue[]) => (typeof values[at] === 'string' ? parseUtcMs(values[at]) : null);
}

/** The columns a chart can plot: not keys, not windows, holding numbers. */
export function measureColumns(columns: string[], keyColumns: string[], sample: ResultRow[]): string[] {
  return columns.filter((name, i) => {
    if (keyColumns.includes(name) || isWindowColumn(name)) return false;
    const seen = sample.find((row) => row.values[i] !== null);
    return seen !== undefined && numeric(seen.values[i]) !== null;
  });
}

/** Whether the result has a window (or another time key) to put on x. */
export function chartable(columns: string[], keyColumns: string[], sample: ResultRow | undefined): boolean {
  return xReader(columns, keyColumns, sample) !== null;
}

export function buildChart(
  columns: string[],
  keyColumns: string[],
  rows: readonly ResultRow[],
  measure: string,
): ChartData | null {
  const sample = rows[0];
  const xOf = xReader(columns, keyColumns, sample);
  const m = columns.indexOf(measure);
  if (!xOf || m < 0) return null;
  // One series per value of the keys that are not the window (nor its start or end under other names).
  const seriesKeys = columns
    .map((name, i) => ({ name, i }))
    .filter(({ name, i }) => keyColumns.includes(name) && !isWindowColumn(name) && !isTimestamp(sample?.values[i]))
    .map(({ i }) => i);

  // The latest windows only.
  const windows = new Set<number>();
  for (const row of rows) {
    const x = xOf(row.values);
    if (x !== null && Number.isFinite(x)) windows.add(x);
  }
  const xs = [...windows].sort((a, b) => a - b).slice(-CHART_WINDOWS);
  const column = new Map(xs.map((x, i) => [x, i]));

  const bySeries = new Map<string, { values: (number | null)[]; total: number }>();
  for (const row of rows) {
    const x = xOf(row.values);
    const at = x === null ? undefined : column.get(x);
    const y = numeric(row.values[m]);
    if (at === undefined || y === null) continue;
    const label = seriesKeys.length ? seriesKeys.map((i) => text(row.values[i])).join(' · ') : measure;
    let series = bySeries.get(label);
    if (!series) {
      series = { values: new Array<number | null>(xs.length).fill(null), total: 0 };
      bySeries.set(label, series);
    }
    series.values[at] = y;
    series.total += Math.abs(y);
  }
  const series = [...bySeries.entries()]
    .sort((a, b) => b[1].total - a[1].total)
    .slice(0, CHART_SERIES)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([label, { values }]) => ({ label, values }));
  return { xs, series, totalSeries: bySeries.size };
}

function text(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
