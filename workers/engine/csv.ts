import type { FileProblem } from '../protocol';

/** One record of a CSV file and the line it starts on (1-based, the header being line 1). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvText {
  header: string[];
  records: CsvRecord[];
  problems: FileProblem[];
}

const QUOTE = 34;
const COMMA = 44;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/** Where the unquoted text from `at` ends: at the next comma or line break, or the end. */
function delimiterFrom(text: string, at: number): number {
  let end = at;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code === COMMA || code === NEWLINE) break;
    end++;
  }
  return end;
}

/** The text from `at` to `end`, without the CR of a CRLF line break. */
function unquoted(text: string, at: number, end: number): string {
  const crlf = end > at && text.charCodeAt(end) === NEWLINE && text.charCodeAt(end - 1) === CARRIAGE_RETURN;
  return text.slice(at, crlf ? end - 1 : end);
}

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

/**
 * RFC 4180 CSV: comma-separated, fields quoted with `"` (a doubled `""` inside is one quote, and a quoted field
 * may span lines), records ended by LF or CRLF, blank lines skipped. A quote left open is a problem of the
 * line it opened on, and what follows it is lost; every other record is kept as it is.
 */
export function parseCsv(text: string): CsvText {
  const records: CsvRecord[] = [];
  const problems: FileProblem[] = [];
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  records: while (at < text.length) {
    const record: CsvRecord = { line, fields: [] };
    for (;;) {
      let field = '';
      if (text.charCodeAt(at) === QUOTE) {
        for (let from = at + 1; ;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            problems.push({ line: record.line, message: 'a quoted field opened on this line is never closed' });
            break records;
          }
          field += text.slice(from, close);
          at = close + 1;
          if (text.charCodeAt(at) !== QUOTE) break;
          field += '"';
          from = at + 1;
        }
        line += countLines(field);
      }
      const end = delimiterFrom(text, at);
      field += unquoted(text, at, end);
      record.fields.push(field);
      at = end + 1;
      if (text.charCodeAt(end) !== COMMA) break;
    }
    if (record.fields.length > 1 || record.fields[0] !== '') records.push(record);
    line++;
  }
  const header = records.shift()?.fields ?? [];
  return { header, records, problems };
}
