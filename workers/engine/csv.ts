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

/**
 * RFC 4180 CSV: comma-separated, fields quoted with `"` (a doubled `""` inside is one quote, and a quoted field
 * may span lines), records ended by LF or CRLF, blank lines skipped. A quote left open is a problem of the
 * line it opened on, and what follows it is lost; every other record is kept as it is.
 */
export function parseCsv(text: string): CsvText {
  const records: CsvRecord[] = [];
  const problems: FileProblem[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  for (let at = text.charCodeAt(0) === 0xfeff ? 1 : 0; at < text.length; at++) {
    const char = text[at]!;
    if (quoted) {
      if (char !== '"') {
        if (char === '\n') line++;
        field += char;
      } else if (text[at + 1] === '"') {
        field += '"';
        at++;
      } else {
        quoted = false;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n') {
      endRecord();
      recordLine = ++line;
    } else if (char !== '\r' || text[at + 1] !== '\n') {
      field += char;
    }
  }
  if (quoted) problems.push({ line: recordLine, message: 'a quoted field opened on this line is never closed' });
  else if (field !== '' || fields.length > 0) endRecord();
  const header = records.shift()?.fields ?? [];
  return { header, records, problems };
}
