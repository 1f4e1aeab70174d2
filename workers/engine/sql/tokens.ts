/** A lexical token of SQL text, with its place in the text. */
export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'space';
  text: string;
  start: number;
  end: number;
}

const PATTERNS: [Token['kind'], RegExp][] = [
  ['space', /\s+|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y],
  ['string', /[eE]?'(?:[^']|'')*'?/y],
  ['quoted', /"(?:[^"]|"")*"?/y],
  ['number', /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y],
  ['word', /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y],
  ['symbol', /::|<=|>=|<>|!=|\|\||->|=>|[^\s]/y],
];

/** Splits SQL into tokens, keeping whitespace and comments so the text can be rebuilt exactly. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = at;
      const match = pattern.exec(sql);
      if (match && match[0].length > 0) {
        tokens.push({ kind, text: match[0], start: at, end: at + match[0].length });
        at += match[0].length;
        break;
      }
    }
  }
  return tokens;
}

/** The tokens that mean something: no whitespace, no comments. */
export function significant(sql: string): Token[] {
  return tokenize(sql).filter((token) => token.kind !== 'space');
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.text.toUpperCase());
}

export function isSymbol(token: Token | undefined, symbol: string): boolean {
  return token?.kind === 'symbol' && token.text === symbol;
}

/** The name an identifier token stands for: unquoted words fold to lower case, as in DuckDB. */
export function identifierName(token: Token): string {
  return token.kind === 'quoted' ? token.text.slice(1, -1).replaceAll('""', '"') : token.text.toLowerCase();
}

/** Whether two identifiers name the same column: DuckDB (and Spark) resolve names case-insensitively, quoted or not. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether an expression is a reference to the column `name`, bare, quoted or qualified (`e.ts`). */
export function isColumnNamed(expression: Token[], name: string): boolean {
  const last = expression[expression.length - 1];
  const named =
    last !== undefined && (last.kind === 'word' || last.kind === 'quoted') && sameName(identifierName(last), name);
  return named && (expression.length === 1 || (expression.length === 3 && isSymbol(expression[1], '.')));
}

/** The index of the bracket that closes the one at `open`, or -1. */
export function closingBracket(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]!.kind === 'symbol' ? tokens[i]!.text : '';
    if (text === '(' || text === '[') depth++;
    else if (text === ')' || text === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits tokens at top-level commas (outside brackets). */
export function splitTopLevel(tokens: Token[], separator = ','): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'symbol' && (token.text === '(' || token.text === '[')) depth++;
    if (token.kind === 'symbol' && (token.text === ')' || token.text === ']')) depth--;
    if (depth === 0 && isSymbol(token, separator)) parts.push([]);
    else parts[parts.length - 1]!.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

/** The SQL text of a run of significant tokens, taken from the original text. */
export function textOf(sql: string, tokens: Token[]): string {
  if (tokens.length === 0) return '';
  return sql.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end);
}

/** A replacement of the characters `[start, end)` of an SQL text. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits to an SQL text. */
export function applyEdits(sql: string, edits: Edit[]): string {
  let out = '';
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    out += sql.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + sql.slice(at);
}

/** Where an offset of `applyEdits(sql, edits)` was in `sql`: an edit's new text is nowhere in it, but its start is. */
export function offsetBeforeEdits(edits: Edit[], at: number): number | undefined {
  let shift = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    const start = edit.start + shift;
    if (at < start) break;
    if (at < start + edit.text.length) return at === start ? edit.start : undefined;
    shift += edit.text.length - (edit.end - edit.start);
  }
  return at - shift;
}

/** The 1-based line and column of an offset of a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
