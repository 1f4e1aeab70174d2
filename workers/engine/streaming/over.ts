/**
 * OVER aggregations, as Flink runs them over a watermarked stream: `agg(x) OVER (PARTITION BY k ORDER BY <event
 * time> RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)` or `ROWS BETWEEN n PRECEDING AND CURRENT ROW`,
 * inline or as a named `WINDOW w AS (...)`. Each row is emitted once the watermark passes its event time.
 */
import type { OutputMode, SourceSpec } from '../scenario';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  significant,
  splitTopLevel,
  textOf,
} from '../sql/tokens';
import type { Edit, Token } from '../sql/tokens';
import { quote } from '../sql/windows';
import { streamInFrom, streamsUsed, type Analysis } from './analysis';
import { lateFrom, type LateRowSource } from './operators/statements';
import type { Catalog, Staged } from './plan';
import { checkOverQuery, checkOverWindow, FlinkRuleError, PlanError, SPARK_MESSAGES } from './rules';

/** The rows an OVER window aggregates: those within a time range of the current row, or the n rows before it. */
export type OverFrame = { kind: 'range'; precedingUs: bigint; text: string } | { kind: 'rows'; preceding: number };

export interface OverPlan extends Staged {
  kind: 'over';
  sources: string[];
  alias: string;
  /** The batch's rows that pass the query's WHERE, with the stream's columns. */
  input: string;
  /** The stream's event-time column: the window's ORDER BY. */
  eventTime: string;
  partitionBy: string[];
  frame: OverFrame;
  /**
   * The user's select list over the state table `__state` (as the stream's alias): rows of equal event time ordered
   * by arrival (`__seq`) in a ROWS window, `*` without `__seq`.
   */
  output: string;
  lateFrom: LateRowSource & { eventTimeColumn: string };
}

/** One OVER clause of the select list: where it is, and its window's parts. */
interface OverCall {
  at: number;
  spec: Token[];
  /** Where the window's ORDER BY ends, in the query text: ROWS windows order rows of equal event time there. */
  orderEnd: number;
}

/** The state table's name in `OverPlan.output`, replaced by the operator's own. */
export const STATE_TABLE = '__state';

/**
 * An OVER aggregation's plan, or null when the query has no OVER or ranks rows (ROW_NUMBER, RANK, LAG: not an
 * aggregate), which Spark's rule then refuses.
 */
export function planOver(
  analysis: Analysis,
  source: SourceSpec,
  outputMode: OutputMode,
  catalog: Catalog,
): OverPlan | null {
  const { sql, tokens, clauses } = analysis;
  if (!clauses) return null;
  const named = namedWindows(tokens, clauses.from.at(-1)!.end);
  const calls: OverCall[] = [];
  for (let i = 0; i < clauses.select.length; i++) {
    const token = clauses.select[i]!;
    if (!isWord(token, 'OVER')) continue;
    if (!catalog.aggregateFunctions.has(functionBefore(clauses.select, i))) return null;
    const next = clauses.select[i + 1];
    const spec = isSymbol(next, '(')
      ? clauses.select.slice(i + 2, closingBracket(clauses.select, i + 1))
      : named.windows.get(next ? identifierName(next) : '');
    if (!spec)
      throw new PlanError(
        `OVER ${next?.text ?? ''} names no window.`,
        'Define it: WINDOW w AS (...).',
        undefined,
        token.start,
      );
    calls.push({ at: token.start, spec, orderEnd: orderEnd(spec) });
  }
  if (calls.length === 0) return null;
  checkOverQuery(analysis, outputMode, source);
  const from = streamInFrom(clauses.from, source.name, analysis.sources);
  if (!from?.range || from.range.start !== clauses.from[0]!.start || from.range.end !== clauses.from.at(-1)!.end)
    throw new PlanError(
      'An OVER aggregation reads one stream alone in FROM.',
      'Join static tables in a subquery first, or write FROM <stream> [alias].',
    );
  const window = overWindow(sql, calls, source, catalog);
  const edits: Edit[] = [];
  // A ROWS window counts rows: rows of equal event time in the order they arrived, as Flink keeps them.
  if (window.frame.kind === 'rows')
    for (const end of new Set(calls.map((call) => call.orderEnd))) edits.push({ start: end, end, text: ', __seq' });
  for (const item of splitTopLevel(clauses.select))
    if (isSymbol(item.at(-1), '*'))
      edits.push({ start: item.at(-1)!.end, end: item.at(-1)!.end, text: ' EXCLUDE (__seq)' });
  const alias = from.alias;
  const selectEnd = clauses.select.at(-1)!.end;
  const rewrite = (start: number, end: number) =>
    applyEdits(
      sql.slice(start, end),
      edits
        .filter((edit) => edit.start >= start && edit.end <= end)
        .map((e) => ({ ...e, start: e.start - start, end: e.end - start })),
    );
  const where = clauses.where ? ` WHERE ${textOf(sql, clauses.where)}` : '';
  return {
    kind: 'over',
    sources: [source.name],
    alias,
    input: `SELECT * FROM ${quote(source.name)} AS ${quote(alias)}${where}`,
    eventTime: source.eventTime!,
    partitionBy: window.partitionBy,
    frame: window.frame,
    output: `SELECT ${rewrite(clauses.select[0]!.start, selectEnd)} FROM ${STATE_TABLE} AS ${quote(alias)}${
      named.range ? ` ${rewrite(...named.range)}` : ''
    }`,
    lateFrom: { ...lateFrom(source, alias), eventTimeColumn: source.eventTime! },
  };
}

const RANKINGS = new Set(['row_number', 'rank', 'dense_rank']);
const WINDOW_TVFS = ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION'];

/**
 * Window functions over a join of two streams (not windowed by a TVF). Tideline runs OVER aggregations and Top-N
 * over one stream, not yet over a join's rows: run batch by batch over the join's output, they gave wrong answers.
 * An OVER aggregation over a ranking of a join (Nexmark q6) Flink itself refuses: the ranking updates and deletes
 * rows, and Flink's OVER aggregation consumes insertions only (FLINK-19059).
 */
export function checkWindowFunctionsOverJoin(sql: string, sources: SourceSpec[]): void {
  const tokens = significant(sql);
  const overs = tokens.flatMap((token, i) => (isWord(token, 'OVER') ? [i] : []));
  const byName = new Map(sources.map((source) => [source.name.toLowerCase(), source]));
  // Window TVFs: Flink's window joins and window Top-N, whose rows come a whole window at a time.
  const windowed = tokens.some((token, i) => isWord(token, ...WINDOW_TVFS) && isSymbol(tokens[i + 1], '('));
  if (overs.length === 0 || windowed || streamsUsed(tokens, byName).length < 2) return;
  const ranks = overs.filter((i) => RANKINGS.has(functionBefore(tokens, i)));
  const at = tokens[overs[0]!]!.start;
  if (ranks.length > 0 && ranks.length < overs.length)
    throw new FlinkRuleError(
      'An OVER aggregation over a ranking of a join would read the ranking’s updates and deletions as rows: Flink’s OVER aggregation consumes insertions only, so Flink does not run this query (Nexmark q6), and Tideline follows Flink.',
      'Find each auction’s winning price per window with a window aggregation over the join (as examples/nexmark/q9.json does), and average it per seller in a window aggregation over that.',
      "StreamPhysicalOverAggregate doesn't support consuming update and delete changes which is produced by node Rank(...)",
      SPARK_MESSAGES.nonTimeWindow,
      at,
    );
  throw new PlanError(
    ranks.length > 0
      ? 'Tideline runs a ranking (Flink’s Top-N) over one stream, not yet over a join of two streams.'
      : 'Tideline runs an OVER aggregation over one stream, not yet over a join of two streams.',
    'Window the join and aggregate its windows, or rank or aggregate one stream on its own.',
    SPARK_MESSAGES.nonTimeWindow,
    at,
  );
}

/** The query's `WINDOW w AS (...), ...` clause: each name's window, and where the clause is in the text. */
function namedWindows(tokens: Token[], after: number): { windows: Map<string, Token[]>; range?: [number, number] } {
  const windows = new Map<string, Token[]>();
  const at = tokens.findIndex(
    (token, i) => token.start >= after && isWord(token, 'WINDOW') && isWord(tokens[i + 2], 'AS'),
  );
  if (at < 0) return { windows };
  let i = at;
  let close: number;
  do {
    close = closingBracket(tokens, i + 3);
    windows.set(identifierName(tokens[i + 1]!), tokens.slice(i + 4, close));
    i = close + 1;
  } while (isSymbol(tokens[i], ',') && isWord(tokens[i + 2], 'AS'));
  return { windows, range: [tokens[at]!.start, tokens[close]!.end] };
}

/** The name of the function an OVER follows: `sum(x) OVER`, `count(*) FILTER (WHERE ...) OVER`. */
function functionBefore(tokens: Token[], over: number): string {
  let close = over - 1;
  for (let pass = 0; pass < 2 && isSymbol(tokens[close], ')'); pass++) {
    let depth = 0;
    let open = close;
    for (; open >= 0; open--) {
      if (isSymbol(tokens[open], ')')) depth++;
      if (isSymbol(tokens[open], '(') && --depth === 0) break;
    }
    if (!isWord(tokens[open - 1], 'FILTER')) return tokens[open - 1]?.text.toLowerCase() ?? '';
    close = open - 2;
  }
  return '';
}

/** The end of a window's ORDER BY expression and its direction, in the query text. */
function orderEnd(spec: Token[]): number {
  const order = spec.findIndex((token, i) => isWord(token, 'ORDER') && isWord(spec[i + 1], 'BY'));
  const frame = spec.findIndex((token, i) => i > order && isWord(token, 'ROWS', 'RANGE'));
  const last = spec[(frame < 0 ? spec.length : frame) - 1];
  return order < 0 || !last ? -1 : last.end;
}

/** The one window every OVER shares, checked against Flink's rules: its partition and its frame. */
function overWindow(sql: string, calls: OverCall[], source: SourceSpec, catalog: Catalog) {
  const words = (spec: Token[]) => spec.map((token) => token.text.toLowerCase()).join(' ');
  const [first] = calls;
  const spec = first!.spec;
  const order = spec.findIndex((token, i) => isWord(token, 'ORDER') && isWord(spec[i + 1], 'BY'));
  const frameAt = spec.findIndex((token, i) => i > order && isWord(token, 'ROWS', 'RANGE'));
  const partition = isWord(spec[0], 'PARTITION') ? spec.slice(2, order < 0 ? spec.length : order) : [];
  const ordering = order < 0 ? [] : spec.slice(order + 2, frameAt < 0 ? spec.length : frameAt);
  const frame = frameAt < 0 ? [] : spec.slice(frameAt);
  const between = isWord(frame[1], 'BETWEEN');
  const and = frame.findIndex((token) => isWord(token, 'AND'));
  const lower = between ? frame.slice(2, and < 0 ? frame.length : and) : frame.slice(1);
  const upper = between && and >= 0 ? frame.slice(and + 1) : [];
  checkOverWindow({
    sameWindows: calls.every((call) => words(call.spec) === words(spec)),
    ordering,
    eventTime: source.eventTime!,
    frame: frame[0]?.text.toUpperCase(),
    lower,
    upperIsCurrentRow: !between || words(upper) === 'current row',
    at: first!.at,
  });
  const bound = textOf(sql, lower.slice(0, -1));
  const parsed: OverFrame = isWord(frame[0], 'ROWS')
    ? { kind: 'rows', preceding: Number(bound) }
    : { kind: 'range', precedingUs: catalog.durationOf(bound, 'The OVER window’s RANGE'), text: bound };
  return { partitionBy: splitTopLevel(partition).map((part) => textOf(sql, part)), frame: parsed };
}
