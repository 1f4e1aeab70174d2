import type { JsonValue } from '../../workers/protocol';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A count for people: 12,345. */
export function count(n: number): string {
  return integer.format(n);
}

const short = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** A count in a badge: 950, 12.3K, 1.2M. */
export function compact(n: number): string {
  return short.format(n);
}

/** A measure for people: 1,234.57, or 0.0012 for small ones. */
export function number(n: number): string {
  if (Number.isInteger(n)) return integer.format(n);
  if (Math.abs(n) > 0 && Math.abs(n) < 0.01) return n.toPrecision(2);
  return decimal.format(n);
}

/** One result cell as text. */
export function cell(value: JsonValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** "1 row", "2 rows". */
export function plural(n: number, word: string, words = word + 's'): string {
  return `${count(n)} ${n === 1 ? word : words}`;
}

const size = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A size in bytes for people: 512 B, 12.3 KB, 4.5 MB. */
export function bytes(n: number): string {
  if (n < 1024) return `${count(n)} B`;
  if (n < 1024 ** 2) return `${size.format(n / 1024)} KB`;
  if (n < 1024 ** 3) return `${size.format(n / 1024 ** 2)} MB`;
  return `${size.format(n / 1024 ** 3)} GB`;
}
