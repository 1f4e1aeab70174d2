/**
 * Result rows as CSV (RFC 4180).
 *
 *   toCsv(columns, rows) → text: a header line, then one line per row, each line ending in CRLF
 *
 * Fields holding a comma, a double quote, CR or LF are quoted, with quotes doubled. NULL is an empty,
 * unquoted field and the empty string a quoted one (""), so the two stay apart (PostgreSQL's COPY
 * convention). Numbers and booleans are written as JSON writes them; nested values (lists, structs) as
 * JSON text. Nothing is rewritten for spreadsheets: a value starting with "=" stays as it is.
 */
import type { JsonValue } from '../../workers/protocol';

export const CSV_MIME = 'text/csv;charset=utf-8';

const NEEDS_QUOTES = /[",\r\n]/;

function quote(text: string): string {
  return NEEDS_QUOTES.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV field for a result value. */
export function csvField(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return quote(JSON.stringify(value));
}

export function toCsv(columns: readonly string[], rows: readonly (readonly JsonValue[])[]): string {
  const lines = [columns.map((name) => quote(name)).join(',')];
  for (const row of rows) lines.push(columns.map((_name, i) => csvField(row[i])).join(','));
  return lines.join('\r\n') + '\r\n';
}
