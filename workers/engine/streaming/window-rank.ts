/**
 * Flink's window Top-N and window deduplication directly on a window TVF (window-topn.md, window-deduplication.md):
 * `SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY window_start, window_end [, k] ORDER BY ...) AS rownum
 * FROM TABLE(TUMBLE(...))) WHERE rownum <= N [AND ...]`. Spark has no such form; Tideline runs it as Flink does.
 */
import type { OutputMode, SourceSpec } from '../scenario';
import { selectClauses } from '../sql/select';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isColumnNamed,
  isSymbol,
  isWord,
  splitTopLevel,
  textOf,
  type Edit,
  type Token,
} from '../sql/tokens';
import { quote, type WindowSpec } from '../sql/windows';
import { streamInFrom, type Analysis } from './analysis';
import { conjuncts, lastWindowEnd } from './join';
import { lateFrom, type LateRowSource } from './operators/statements';
import type { Staged } from './plan';
import { checkWindowRank, FlinkRuleError, SPARK_MESSAGES } from './rules';

export interface WindowRankPlan extends Staged {
  kind: 'windowRank';
  sources: string[];
  window: WindowSpec;
  alias: string;
  /** The batch's windowed rows that pass the ranking query's WHERE, with the window's columns. */
  input: string;
  /** The end of a row's last window, in microseconds over the stream's columns. */
  lastEnd: string;
  partitionBy: string[];
  /** The ranking's ORDER BY, as the query writes it. */
  orderBy: string;
  /** Rows of equal rank by their arrival (`__seq`): the first to arrive first, unless a deduplication keeps the last. */
  ties: string;
  /** How many rows of each partition can still come out: N of `rownum <= N`. */
  limit: number;
  /** A window deduplication (N = 1, ordered by the event time): which row of each partition it keeps. */
  keeps?: 'first' | 'last';
  /** The user's query over the closed windows' rows, the table `ROWS_TABLE` under the stream's alias. */
  output: string;
  lateFrom: LateRowSource & { eventTimeColumn: string };
}

/** The closed windows' rows in `WindowRankPlan.output`, replaced by the operator's own table. */
export const ROWS_TABLE = '__rows';

/** What the planner read of a window ranking, for the rules. */
export interface WindowRankShape {
  window: WindowSpec;
  source: SourceSpec;
  partition: string[];
  rownum: string;
  limit: number | null;
  at: number;
}

/**
 * A window Top-N's plan, or null when the query ranks no window TVF's rows with ROW_NUMBER: then Spark's rule on
 * window functions refuses it.
 */
export function planWindowRank(analysis: Analysis, source: SourceSpec, outputMode: OutputMode): WindowRankPlan | null {
  const { sql, clauses, tableFunctions } = analysis;
  const window = tableFunctions[0]?.spec;
  if (!clauses?.where || !window || !isSymbol(clauses.from[0], '(')) return null;
  const inner = selectClauses(clauses.from.slice(1, closingBracket(clauses.from, 0)));
  const relation = inner && isSymbol(inner.from[0], '(') ? inner.from.slice(0, closingBracket(inner.from, 0) + 1) : [];
  const aliased = inner?.from.slice(relation.length) ?? [];
  if (!inner || relation.length === 0 || aliased.length > 2) return null;
  const over = inner.select.findIndex(
    (token, i) => isWord(token, 'ROW_NUMBER', 'RANK', 'DENSE_RANK') && isWord(inner.select[i + 3], 'OVER'),
  );
  if (over < 0) return null;
  const ranking = inner.select[over]!.text.toUpperCase();
  if (ranking !== 'ROW_NUMBER')
    throw new FlinkRuleError(
      `Tideline runs a ranking over a window TVF as Flink runs a window Top-N, which ranks by ROW_NUMBER only, not ${ranking}.`,
      'Rank by ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ...); rows of equal rank come in the order they arrived.',
      `${ranking}() function is not supported on Window TopN currently, only ROW_NUMBER() is supported.`,
      SPARK_MESSAGES.nonTimeWindow,
      inner.select[over]!.start,
    );
  const close = closingBracket(inner.select, over + 4);
  const spec = inner.select.slice(over + 5, close);
  const orderAt = spec.findIndex((token, i) => isWord(token, 'ORDER') && isWord(spec[i + 1], 'BY'));
  const rownum = inner.select[close + (isWord(inner.select[close + 1], 'AS') ? 2 : 1)];
  if (orderAt < 0 || !rownum) return null;
  const partition = isWord(spec[0], 'PARTITION') ? splitTopLevel(spec.slice(2, orderAt)) : [];
  const order = spec.slice(orderAt + 2);
  const limit = rankLimit(clauses.where, identifierName(rownum));
  const shape = { window, source, rownum: rownum.text, limit, at: inner.select[over]!.start };
  checkWindowRank({ ...shape, partition: partition.map((part) => identifierName(part.at(-1)!)) }, outputMode);
  const eventTime = source.eventTime!;
  const keys = splitTopLevel(order);
  const byEventTime =
    keys.length === 1 &&
    isColumnNamed(
      keys[0]!.filter((t) => !isWord(t, 'ASC', 'DESC')),
      eventTime,
    );
  const keeps = limit === 1 && byEventTime ? (isWord(order.at(-1), 'DESC') ? 'last' : 'first') : undefined;
  // As Flink's window deduplication keeps the last row of equal event time, and its Top-N the first.
  const ties = keeps === 'last' ? '__seq DESC' : '__seq';
  const alias = streamInFrom(inner.from, source.name, analysis.sources)?.alias ?? source.name;
  const edits: Edit[] = [
    { start: relation[0]!.start, end: inner.from.at(-1)!.end, text: `${ROWS_TABLE} AS ${quote(alias)}` },
    { start: spec.at(-1)!.end, end: spec.at(-1)!.end, text: `, ${ties}` },
    ...splitTopLevel(inner.select)
      .filter((item) => isSymbol(item.at(-1), '*'))
      .map((item) => ({ start: item.at(-1)!.end, end: item.at(-1)!.end, text: ' EXCLUDE (__seq)' })),
  ];
  return {
    kind: 'windowRank',
    sources: [source.name],
    window,
    alias,
    input: `SELECT * FROM ${textOf(sql, inner.from)}${inner.where ? ` WHERE ${textOf(sql, inner.where)}` : ''}`,
    lastEnd: lastWindowEnd(window),
    partitionBy: partition.map((part) => textOf(sql, part)),
    orderBy: textOf(sql, order),
    ties,
    limit: limit!,
    ...(keeps && { keeps }),
    output: applyEdits(sql, edits),
    lateFrom: { ...lateFrom(source, alias), eventTimeColumn: eventTime },
  };
}

/** N of the WHERE's `rownum <= N`, `rownum < N + 1` or `rownum = N`; null when it bounds the rank by none. */
function rankLimit(where: Token[], rownum: string): number | null {
  for (const [name, operator, bound, ...rest] of conjuncts(where)) {
    if (rest.length || !name || identifierName(name) !== rownum || !/^\d+$/.test(bound?.text ?? '')) continue;
    const n = Number(bound!.text);
    if (isSymbol(operator, '<=') || isSymbol(operator, '=')) return n;
    if (isSymbol(operator, '<')) return n - 1;
  }
  return null;
}
