/**
 * Which names a SQL text mentions, outside strings and comments: enough to tell whether a query reads a
 * declared stream (then Run plays it live) or not (then Run executes it once).
 */
export function identifiers(sql: string): Set<string> {
  const names = new Set<string>();
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      i = skipQuoted(sql, i, "'");
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"');
      names.add(
        sql
          .slice(i + 1, end - 1)
          .replaceAll('""', '"')
          .toLowerCase(),
      );
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      let end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_$]/.test(sql[end]!)) end++;
      names.add(sql.slice(i, end).toLowerCase());
      i = end;
    } else {
      i++;
    }
  }
  return names;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** The declared streams `sql` mentions. */
export function streamsRead(sql: string, streams: readonly string[]): string[] {
  const names = identifiers(sql);
  return streams.filter((stream) => names.has(stream.toLowerCase()));
}
