/**
 * Processing time on the simulated clock. A row's processing time is its micro-batch's: Spark fixes
 * `current_timestamp()` once per micro-batch (MicroBatchExecution's batchTimestampMs, which IncrementalExecution
 * puts in place of every CurrentTimestamp), and Tideline gives Flink's `PROCTIME()` the same value, so that a run
 * replays the same results. The clock is the run's simulated processing time, from PROCESSING_EPOCH_US.
 */
import type { SourceSpec } from '../scenario';
import { parseTimestampMicros } from '../values';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  offsetBeforeEdits,
  significant,
  type Edit,
  type Token,
} from './tokens';
import { QueryShapeError } from './windows';

/**
 * Processing time 0 of a run: the generators' default start, so that at speed 1 a generated row's processing time
 * is close to its event time.
 */
export const PROCESSING_EPOCH_US = parseTimestampMicros('2024-01-01 00:00:00')!;

/** The one-row table that holds the running batch's processing time. */
export const CLOCK_TABLE = 'tideline_processing_time';

/** The running batch's processing time, as SQL. */
export const CLOCK_SQL = `(SELECT t FROM ${CLOCK_TABLE})`;

/** The processing time of the batch at `processingMs` on the simulated clock, in epoch microseconds. */
export function processingUs(processingMs: number): bigint {
  return PROCESSING_EPOCH_US + BigInt(Math.round(processingMs * 1000));
}

/** A query whose views of streams with a processing-time attribute are read as the streams: its text and the attributes. */
interface View {
  sql: string;
  /** The edits of the query that made `sql`. */
  edits: Edit[];
  attributes: Attributed[];
}

/** The query with its processing-time functions read from the clock, and the streams' processing-time attributes. */
export interface ProcessingTime {
  sql: string;
  /** The sources, each with the processing-time attribute a view gives it (`WITH v AS (SELECT *, PROCTIME() AS p ...)`). */
  sources: SourceSpec[];
  /** Whether the query reads the clock. */
  readsClock: boolean;
  /** Where an offset of `sql` was in the query (undefined in rewritten text). */
  origin: (at: number) => number | undefined;
}

/**
 * `PROCTIME()`, `current_timestamp[()]`, `now()` and `current_date[()]` read the batch's processing time. Flink's
 * view of a stream with a processing-time attribute, `WITH v AS (SELECT *, PROCTIME() AS p FROM s) ...`, read only as
 * `TABLE v` in window table functions (or written in place, `inlineProcessingTime`), is the stream `s` with the
 * attribute `p`: a window over `p` is a processing-time window. Spark's `window(current_timestamp(), ...)` is one too,
 * and is left for the window's planner.
 */
export function withProcessingTime(query: string, sources: SourceSpec[]): ProcessingTime {
  const view = processingTimeView(query, sources) ?? inlineProcessingTime(query, sources);
  const sql = view ? view.sql : query;
  const tokens = significant(sql);
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const call = clockCall(tokens, i);
    if (!call) continue;
    const inWindow = isSymbol(tokens[i - 1], '(') && isWord(tokens[i - 2], 'WINDOW');
    if (!inWindow)
      edits.push({
        start: tokens[i]!.start,
        end: tokens[call.last]!.end,
        text: call.date ? `CAST(${CLOCK_SQL} AS DATE)` : CLOCK_SQL,
      });
    i = call.last;
  }
  const withAttribute = (source: SourceSpec) => {
    const given = view?.attributes.find(({ stream }) => identifierName(stream) === source.name.toLowerCase());
    return given ? { ...source, processingTime: identifierName(given.attribute) } : source;
  };
  return {
    sql: applyEdits(sql, edits),
    sources: sources.map(withAttribute),
    readsClock: edits.length > 0 || view !== null || tokens.some((_, i) => clockCall(tokens, i) !== null),
    origin: (at) => {
      const inView = offsetBeforeEdits(edits, at);
      return view && inView !== undefined ? offsetBeforeEdits(view.edits, inView) : inView;
    },
  };
}

/** A call of a processing-time function at token `i`: its last token, and whether it is a date. */
export function clockCall(tokens: Token[], i: number): { last: number; date: boolean } | null {
  const token = tokens[i];
  if (isSymbol(tokens[i - 1], '.') || isSymbol(tokens[i + 1], '.')) return null;
  const called = isSymbol(tokens[i + 1], '(') && isSymbol(tokens[i + 2], ')');
  if (isWord(token, 'PROCTIME', 'NOW') && called) return { last: i + 2, date: false };
  if (isWord(token, 'CURRENT_TIMESTAMP', 'CURRENT_DATE'))
    return { last: called ? i + 2 : i, date: isWord(token, 'CURRENT_DATE') };
  return null;
}

/** A stream given a processing-time attribute: `SELECT *, PROCTIME() AS attribute FROM stream`. */
interface Attributed {
  stream: Token;
  attribute: Token;
}

/**
 * `SELECT *, PROCTIME() AS p FROM s` over one of the sources, as these tokens are: the stream and the attribute. With
 * `anyClock`, Spark's `current_timestamp()` or `now()` in place of `PROCTIME()`.
 */
function attributed(body: Token[], sources: SourceSpec[], anyClock = false): Attributed | null {
  const call = clockCall(body, 3);
  if (!isWord(body[0], 'SELECT') || !isSymbol(body[1], '*') || !isSymbol(body[2], ',') || !call || call.date)
    return null;
  if (!anyClock && !isWord(body[3], 'PROCTIME')) return null;
  const [as, attribute, from, stream, ...rest] = body.slice(call.last + 1);
  if (!isWord(as, 'AS') || !attribute || !isWord(from, 'FROM') || !stream || rest.length) return null;
  if (!sources.some((source) => source.name.toLowerCase() === identifierName(stream))) return null;
  return { stream, attribute };
}

/** `WITH v AS (SELECT *, PROCTIME() AS p FROM s) <query reading v only as TABLE v>`: the query over `s`. */
function processingTimeView(query: string, sources: SourceSpec[]): View | null {
  const tokens = significant(query);
  if (!isWord(tokens[0], 'WITH') || !isWord(tokens[2], 'AS') || !isSymbol(tokens[3], '(')) return null;
  const close = closingBracket(tokens, 3);
  const view = close > 0 && attributed(tokens.slice(4, close), sources);
  if (!view) return null;
  const name = identifierName(tokens[1]!);
  const rest = tokens.slice(close + 1);
  const uses = rest.filter(
    (token) => (token.kind === 'word' || token.kind === 'quoted') && identifierName(token) === name,
  );
  if (uses.length === 0 || !uses.every((token) => isWord(rest[rest.indexOf(token) - 1], 'TABLE'))) return null;
  const edits = [
    { start: 0, end: rest[0]!.start, text: '' },
    ...uses.map((token) => ({ start: token.start, end: token.end, text: view.stream.text })),
  ];
  return { sql: applyEdits(query, edits), edits, attributes: [view] };
}

/**
 * The same view written in the query: a window table function's table argument
 * `TUMBLE([TABLE] (SELECT *, PROCTIME() AS p FROM s), DESCRIPTOR(p), ...)` (Calcite's subquery parameter) is
 * `TABLE s` with the attribute `p`; a derived table `FROM (SELECT *, PROCTIME() AS p FROM s) B` (or Spark's
 * `current_timestamp() AS p`) read only by Spark's `window(p, ...)` is `FROM s B` grouped by `window(PROCTIME(), ...)`.
 */
function inlineProcessingTime(query: string, sources: SourceSpec[]): View | null {
  const tokens = significant(query);
  const edits: Edit[] = [];
  const attributes: Attributed[] = [];
  tokens.forEach((token, i) => {
    const argument = isWord(token, 'TUMBLE', 'HOP', 'CUMULATE', 'SESSION') && isSymbol(tokens[i + 1], '(');
    const from = argument ? i + (isWord(tokens[i + 2], 'TABLE') ? 3 : 2) : i + 1;
    if (!(argument || isWord(token, 'FROM')) || !isSymbol(tokens[from], '(')) return;
    const close = closingBracket(tokens, from);
    const body = tokens.slice(from + 1, close);
    const view = close > 0 && attributed(body, sources, !argument);
    if (argument && close > 0 && !view && body.some((_, at) => isWord(body[at], 'PROCTIME') && clockCall(body, at)))
      throw new QueryShapeError(
        'A window table function takes a processing-time attribute from a subquery only as (SELECT *, PROCTIME() AS p FROM stream): Tideline reads it as the stream with the attribute p.',
        'Filter and compute over the windowed rows instead: ... FROM TABLE(TUMBLE(TABLE (SELECT *, PROCTIME() AS p FROM bid), DESCRIPTOR(p), ...)) WHERE ...',
        tokens[from]!.start,
      );
    if (!view) return;
    const replaced = { start: tokens[argument ? i + 2 : from]!.start, end: tokens[close]!.end };
    if (argument) {
      edits.push({ ...replaced, text: `TABLE ${view.stream.text}` });
      attributes.push(view);
      return;
    }
    const alias = tokens[close + (isWord(tokens[close + 1], 'AS') ? 2 : 1)];
    const outside = [...tokens.slice(0, from), ...tokens.slice(close + 1)];
    const windowed = windowArguments(outside, identifierName(view.attribute), alias && identifierName(alias));
    if (windowed) edits.push({ ...replaced, text: view.stream.text }, ...windowed);
  });
  return edits.length ? { sql: applyEdits(query, edits), edits, attributes } : null;
}

/**
 * Each reference to `attribute` (bare or qualified by `alias`) in the query around the derived table, as `PROCTIME()`,
 * when every one is the time column of Spark's `window(...)` or `session_window(...)`; null otherwise.
 */
function windowArguments(tokens: Token[], attribute: string, alias: string | undefined): Edit[] | null {
  const uses = tokens.flatMap((token, i) => {
    if ((token.kind !== 'word' && token.kind !== 'quoted') || identifierName(token) !== attribute) return [];
    const qualifier = isSymbol(tokens[i - 1], '.') ? tokens[i - 2] : undefined;
    if (isSymbol(tokens[i + 1], '.') || (qualifier && identifierName(qualifier) !== alias)) return [];
    return [{ first: qualifier ? i - 2 : i, last: i }];
  });
  const windowed = uses.every(
    ({ first, last }) =>
      isSymbol(tokens[first - 1], '(') &&
      isWord(tokens[first - 2], 'WINDOW', 'SESSION_WINDOW') &&
      isSymbol(tokens[last + 1], ','),
  );
  if (uses.length === 0 || !windowed) return null;
  return uses.map(({ first, last }) => ({ start: tokens[first]!.start, end: tokens[last]!.end, text: 'PROCTIME()' }));
}
