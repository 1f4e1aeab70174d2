/**
 * Time helpers for the UI. The engine reports timestamps as UTC strings `YYYY-MM-DD HH:MM:SS[.ffffff]`
 * (or "infinity" for a watermark past every event); the UI works in epoch milliseconds.
 */

const TIMESTAMP = /^(-?\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?Z?$/;

/** Epoch milliseconds of a UTC timestamp string; `Infinity` for "infinity"; null when it is not one. */
export function parseUtcMs(text: string): number | null {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  const match = TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = ''] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return null;
  return fraction ? ms + Number(fraction.padEnd(9, '0')) / 1e6 : ms;
}

/** The watermark in milliseconds, or null when the query has none (or no event has been seen yet). */
export function watermarkMs(watermark: string | null | undefined): number | null {
  if (!watermark) return null;
  const ms = parseUtcMs(watermark);
  // Spark reports 1970-01-01 00:00:00 until the first batch has set a watermark.
  return ms === null || ms === 0 ? null : ms;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `HH:MM:SS` (UTC), with `.f` tenths when `tenths` is set. */
export function clockUtc(ms: number, tenths = false): string {
  if (ms === Infinity) return '∞';
  if (ms === -Infinity) return '−∞';
  const date = new Date(ms);
  const text = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return tenths ? `${text}.${Math.floor(date.getUTCMilliseconds() / 100)}` : text;
}

/** `YYYY-MM-DD` (UTC). */
export function dateUtc(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** A timestamp string shortened for tables: drops the date when it is `date`, and sub-millisecond digits. */
export function shortTimestamp(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,3})\d*)?$/.exec(text);
  if (!match) return text;
  return match[3] ? `${match[2]}.${match[3]}` : match[2]!;
}

/** A duration for people: "850 ms", "12.4 s", "3 min 5 s". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${Number((ms / 1000).toFixed(abs < 10_000 ? 2 : 1))} s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.round((abs % 60_000) / 1000);
  return `${ms < 0 ? '−' : ''}${minutes} min ${seconds} s`;
}

/** A duration in words as the scenario format reads it: 1500 → "1.5 seconds". */
export function intervalText(seconds: number): string {
  const rounded = Math.round(seconds * 1000) / 1000;
  return `${rounded} second${rounded === 1 ? '' : 's'}`;
}
