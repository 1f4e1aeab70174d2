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
  significant,
  type Edit,
  type Token,
} from './tokens';

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

/** The query with its processing-time functions read from the clock, and the streams' processing-time attributes. */
export interface ProcessingTime {
  sql: string;
  /** The sources, each with the processing-time attribute a view gives it (`WITH v AS (SELECT *, PROCTIME() AS p ...)`). */
  sources: SourceSpec[];
  /** Whether the query reads the clock. */
  readsClock: boolean;
}

/**
 * `PROCTIME()`, `current_timestamp[()]`, `now()` and `current_date[()]` read the batch's processing time. Flink's
 * view of a stream with a processing-time attribute, `WITH v AS (SELECT *, PROCTIME() AS p FROM s) ...`, read only as
 * `TABLE v` in window table functions, is the stream `s` with the attribute `p`: a window over `p` is a processing-time
 * window. Spark's `window(current_timestamp(), ...)` is one too, and is left for the window's planner.
 */
export function withProcessingTime(query: string, sources: SourceSpec[]): ProcessingTime {
  const view = processingTimeView(query, sources);
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
  const withAttribute = (source: SourceSpec) =>
    view && source.name.toLowerCase() === view.stream ? { ...source, processingTime: view.attribute } : source;
  return {
    sql: applyEdits(sql, edits),
    sources: sources.map(withAttribute),
    readsClock: edits.length > 0 || view !== null || tokens.some((_, i) => clockCall(tokens, i) !== null),
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

/** `WITH v AS (SELECT *, PROCTIME() AS p FROM s) <query reading v only as TABLE v>`: the query over `s`. */
function processingTimeView(query: string, sources: SourceSpec[]) {
  const tokens = significant(query);
  if (!isWord(tokens[0], 'WITH') || !isWord(tokens[2], 'AS') || !isSymbol(tokens[3], '(')) return null;
  const close = closingBracket(tokens, 3);
  const body = tokens.slice(4, close);
  const shape = ['SELECT', '*', ',', 'PROCTIME', '(', ')', 'AS', null, 'FROM', null];
  if (body.length !== shape.length || !shape.every((text, i) => text === null || body[i]!.text.toUpperCase() === text))
    return null;
  const stream = identifierName(body[9]!);
  if (!sources.some((source) => source.name.toLowerCase() === stream)) return null;
  const name = identifierName(tokens[1]!);
  const rest = tokens.slice(close + 1);
  const uses = rest.filter(
    (token) => (token.kind === 'word' || token.kind === 'quoted') && identifierName(token) === name,
  );
  if (uses.length === 0 || !uses.every((token) => isWord(rest[rest.indexOf(token) - 1], 'TABLE'))) return null;
  const edits = uses.map((token) => ({ start: token.start, end: token.end, text: body[9]!.text }));
  const sql = applyEdits(query, edits).slice(rest[0]!.start);
  return { sql, stream, attribute: identifierName(body[7]!) };
}
