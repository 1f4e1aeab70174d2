/**
 * Analysis: what a streaming query's SQL says. Window table functions become window assignment over their
 * streams; the analysis names the streams read, the clauses, the aggregate calls and whether streams are joined.
 */
import type { SourceSpec } from '../scenario';
import { selectClauses, type SelectClauses } from '../sql/select';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  offsetBeforeEdits,
  sameName,
  significant,
  type Token,
} from '../sql/tokens';
import { findTableFunctions, quote, windowedRelation, type TableFunctionCall } from '../sql/windows';
import type { Catalog } from './plan';
import { checkWindowColumn, PlanError } from './rules';

export interface Analysis {
  /** The query, each window table function replaced by its window assignment. */
  sql: string;
  /** Where an offset of `sql` was in the query (undefined inside a window assignment). */
  origin: (at: number) => number | undefined;
  tokens: Token[];
  sources: Map<string, SourceSpec>;
  tableFunctions: TableFunctionCall[];
  /** The streams it reads, by their declared names. */
  used: string[];
  aggregateCalls: AggregateCall[];
  clauses: SelectClauses | null;
  grouped: boolean;
  /** Whether it joins streams: in FROM, or with a subquery of WHERE. */
  joinsStreams: boolean;
  /** The table of the sessions of a session window (a table function's relation reads it). */
  sessions: string;
}

export function analyse(query: string, sources: SourceSpec[], catalog: Catalog, sessions: string): Analysis {
  const byName = new Map(sources.map((source) => [source.name.toLowerCase(), source]));
  const tableFunctions = findTableFunctions(query, significant(query), catalog.durationOf);
  if (
    tableFunctions.length > 2 ||
    (tableFunctions.length === 2 && tableFunctions[0]!.spec.source === tableFunctions[1]!.spec.source)
  )
    throw new PlanError(
      'Only one window table function per stream is supported.',
      'Window each stream once, then join or aggregate.',
      undefined,
      tableFunctions.at(-1)!.start,
    );
  for (const call of tableFunctions) {
    requireSource(byName, call.spec.source, call.start);
    const source = byName.get(call.spec.source)!;
    if (source.processingTime && sameName(source.processingTime, call.spec.timeColumn)) call.spec.processingTime = true;
    checkWindowColumn(call.spec, source);
  }
  const edits = tableFunctions.map((call) => {
    // The relation is named after its stream unless the query names it.
    const next = significant(query.slice(call.end))[0];
    const named =
      isWord(next, 'AS') || (next?.kind === 'word' && !isWord(next, ...CLAUSE_WORDS)) || next?.kind === 'quoted';
    const columns = byName.get(call.spec.source)?.columns.map(([name]) => name);
    const relation = `(${windowedRelation(call.spec, call.spec.kind === 'session' ? sessions : undefined, columns)})`;
    return { start: call.start, end: call.end, text: named ? relation : `${relation} AS ${quote(call.spec.source)}` };
  });
  const sql = applyEdits(query, edits);
  const tokens = significant(sql);
  // Streams by their declared names; a window table function's stream counts as read.
  const used = [...new Set([...tableFunctions.map((call) => call.spec.source), ...streamsUsed(tokens, byName)])].map(
    (name) => byName.get(name)!.name,
  );
  const aggregateCalls = findAggregates(tokens, catalog.aggregateFunctions);
  const clauses = selectClauses(tokens);
  // FROM joins streams, or WHERE reads another in a subquery (Flink's window semi and anti joins).
  const inFrom = clauses
    ? streamsUsed([{ ...clauses.from[0]!, kind: 'symbol', text: ',' }, ...clauses.from], byName)
    : [];
  const inWhere = streamsUsed(clauses?.where ?? [], byName);
  const joinsStreams = used.length >= 2 && (inFrom.length >= 2 || (inFrom.length === 1 && inWhere.length > 0));
  return {
    sql,
    origin: (at) => offsetBeforeEdits(edits, at),
    tokens,
    sources: byName,
    tableFunctions,
    used,
    aggregateCalls,
    clauses,
    grouped: clauses?.groupBy !== undefined || aggregateCalls.length > 0,
    joinsStreams,
    sessions,
  };
}

export function requireSource(byName: Map<string, SourceSpec>, name: string, at: number): void {
  if (!byName.has(name))
    throw new PlanError(
      `There is no stream named ${name}.`,
      `Streams: ${[...byName.values()].map((s) => s.name).join(', ') || 'none'}.`,
      undefined,
      at,
    );
}

/** Streams read by the tokens; `anywhere`: wherever a stream is named, not only after FROM, JOIN, TABLE or a comma. */
export function streamsUsed(tokens: Token[], byName: Map<string, SourceSpec>, anywhere = false): string[] {
  const used = new Set<string>();
  tokens.forEach((token, i) => {
    if (
      (token.kind === 'word' || token.kind === 'quoted') &&
      byName.has(identifierName(token)) &&
      !isSymbol(tokens[i - 1], '.') &&
      !isSymbol(tokens[i + 1], '(') &&
      !isSymbol(tokens[i + 1], '.')
    ) {
      const previous = tokens[i - 1];
      if (anywhere || isWord(previous, 'FROM', 'JOIN', 'TABLE') || isSymbol(previous, ',') || isSymbol(previous, '('))
        used.add(identifierName(token));
    }
  });
  return [...used];
}

export interface AggregateCall {
  name: string;
  start: number;
  end: number;
  distinct: boolean;
}

/** Aggregate calls, with their FILTER clause; calls followed by OVER are window functions, not aggregates. */
export function findAggregates(tokens: Token[], aggregateFunctions: Set<string>): AggregateCall[] {
  const calls: AggregateCall[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (
      token.kind !== 'word' ||
      !aggregateFunctions.has(token.text.toLowerCase()) ||
      !isSymbol(tokens[i + 1], '(') ||
      isSymbol(tokens[i - 1], '.')
    )
      continue;
    let close = closingBracket(tokens, i + 1);
    if (close < 0) continue;
    if (isWord(tokens[close + 1], 'FILTER') && isSymbol(tokens[close + 2], '('))
      close = closingBracket(tokens, close + 2);
    if (isWord(tokens[close + 1], 'OVER')) continue;
    calls.push({
      name: token.text.toLowerCase(),
      start: token.start,
      end: tokens[close]!.end,
      distinct: isWord(tokens[i + 2], 'DISTINCT'),
    });
    i = close;
  }
  return calls;
}

export const CLAUSE_WORDS = [
  'WHERE',
  'GROUP',
  'HAVING',
  'QUALIFY',
  'WINDOW',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'UNION',
  'EXCEPT',
  'INTERSECT',
];

export const NOT_AN_ALIAS = [
  ...CLAUSE_WORDS,
  'JOIN',
  'LEFT',
  'RIGHT',
  'INNER',
  'FULL',
  'OUTER',
  'CROSS',
  'NATURAL',
  'ON',
  'USING',
  'ASOF',
  'POSITIONAL',
  'SEMI',
  'ANTI',
];

export interface StreamReference {
  source: string;
  alias: string;
  /** Character range of `stream [AS] alias` in the query text; absent for a window table function's relation. */
  range?: { start: number; end: number };
}

/** Where FROM reads the stream: as `stream [AS] alias`, or as a window table function's `(...) [AS] alias`. */
export function streamInFrom(from: Token[], source: string, byName: Map<string, SourceSpec>): StreamReference | null {
  const aliasAfter = (i: number): Token | undefined => {
    const next = isWord(from[i], 'AS') ? from[i + 1] : from[i];
    return next && (next.kind === 'word' || next.kind === 'quoted') && !isWord(next, ...NOT_AN_ALIAS)
      ? next
      : undefined;
  };
  for (let i = 0; i < from.length; i++) {
    const token = from[i]!;
    if (isSymbol(token, '(')) {
      const close = closingBracket(from, i);
      if (streamsUsed(from.slice(i + 1, close), byName).some((name) => name === source.toLowerCase())) {
        const alias = aliasAfter(close + 1);
        return { source, alias: alias ? identifierName(alias) : source };
      }
      i = close;
    } else if (
      (token.kind === 'word' || token.kind === 'quoted') &&
      identifierName(token) === source.toLowerCase() &&
      !isSymbol(from[i - 1], '.')
    ) {
      const alias = aliasAfter(i + 1);
      const end = alias ?? token;
      return {
        source,
        alias: alias ? identifierName(alias) : identifierName(token),
        range: { start: token.start, end: end.end },
      };
    }
  }
  return null;
}

export function withoutAlias(item: Token[]): Token[] {
  const as = item.findIndex((token, i) => isWord(token, 'AS') && i === item.length - 2);
  if (as > 0) return item.slice(0, as);
  return item;
}
