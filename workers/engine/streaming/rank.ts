/**
 * Flink's unbounded Top-N over an append-only stream (topn.md; AppendOnlyTopNFunction):
 * `SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER ([PARTITION BY k] ORDER BY x DESC) AS rownum FROM stream)
 * WHERE rownum <= N [AND ...]`. Spark has no such form; Tideline runs it as Flink does, in update or complete mode.
 * Over an updating aggregation's rows in update mode, as Flink's RetractableTopNFunction (`rankUpdates`).
 */
import type { OutputMode, SourceSpec } from '../scenario';
import { selectClauses } from '../sql/select';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isColumnNamed,
  sameName,
  isSymbol,
  isWord,
  splitTopLevel,
  textOf,
  type Edit,
  type Token,
} from '../sql/tokens';
import { quote } from '../sql/windows';
import { streamInFrom, type Analysis } from './analysis';
import { conjuncts } from './join';
import type { Staged } from './plan';
import { FlinkRuleError, PlanError, SPARK_MESSAGES } from './rules';

export interface RankPlan extends Staged {
  kind: 'rank';
  sources: string[];
  alias: string;
  /** The batch's rows that pass the ranking query's WHERE, with the stream's columns. */
  input: string;
  partitionBy: string[];
  /** The ranking's ORDER BY, as the query writes it. */
  orderBy: string;
  /** Rows of equal rank by their arrival (`__seq`): the first to arrive first, unless a deduplication keeps the last. */
  ties: string;
  /** Flink's rank range: the rows ranked `start` to `end` come out, and the state keeps each partition's top `end`. */
  range: { start: number; end: number };
  /** A deduplication that keeps each partition's last row (N = 1, ordered by the event time DESC). */
  keepsLast: boolean;
  /**
   * The rank number's column, when the query's output carries it: each change of the ranking is then an update of
   * a (partition, rank) row. Without it, Flink's "No Ranking Output Optimization": rows enter and leave the top N.
   */
  rankNumber: string | null;
  /** The output columns named as the partition's columns: with the rank number, a result row's key. */
  partitionColumns: string[];
  /** The user's query over ranked rows, the table `RANKED_TABLE` under the stream's alias, each row's rank in `__rank`. */
  output: string;
  /** Whether the query orders its rows itself (ORDER BY). */
  ordered: boolean;
  /**
   * Over an updating aggregation's rows, its group keys: a row replaces the one of the same key, and the state keeps
   * every row (Flink's RetractableTopNFunction). Null over an append-only stream.
   */
  upsertKey: string[] | null;
}

/** The ranked rows in `RankPlan.output`, replaced by the operator's own table. */
export const RANKED_TABLE = '__ranked';

/**
 * An unbounded Top-N's plan, or null when the query ranks no stream's rows with ROW_NUMBER and a bound on the rank:
 * then Spark's rule on window functions refuses it.
 */
export function planRank(analysis: Analysis, source: SourceSpec, outputMode: OutputMode): RankPlan | null {
  const { sql, clauses, tableFunctions } = analysis;
  if (!clauses?.where || tableFunctions.length > 0 || !isSymbol(clauses.from[0], '(')) return null;
  const inner = selectClauses(clauses.from.slice(1, closingBracket(clauses.from, 0)));
  const stream = inner && streamInFrom(inner.from, source.name, analysis.sources);
  if (!inner || !stream?.range || inner.from.length > 3 || inner.groupBy) return null;
  const over = inner.select.findIndex(
    (token, i) => isWord(token, 'ROW_NUMBER', 'RANK', 'DENSE_RANK') && isWord(inner.select[i + 3], 'OVER'),
  );
  if (over < 0) return null;
  const close = closingBracket(inner.select, over + 4);
  const rownum = inner.select[close + (isWord(inner.select[close + 1], 'AS') ? 2 : 1)];
  const bounds = rownum && rankRange(clauses.where, identifierName(rownum));
  if (!bounds) return null;
  const at = inner.select[over]!.start;
  const ranking = inner.select[over]!.text.toUpperCase();
  if (ranking !== 'ROW_NUMBER')
    throw new FlinkRuleError(
      `Tideline runs a ranking over a stream as Flink runs a Top-N, which ranks by ROW_NUMBER only, not ${ranking}.`,
      'Rank by ROW_NUMBER() OVER (...).',
      `${ranking}() on streaming table is not supported currently`,
      SPARK_MESSAGES.nonTimeWindow,
      at,
    );
  if (bounds.end === null)
    throw new FlinkRuleError(
      `A Top-N keeps the top N rows of each partition: the outer query must bound ${rownum.text} from above.`,
      `Bound the rank: WHERE ${rownum.text} <= 10.`,
      'Rank end is not specified. Currently rank only support TopN, which means the rank end must be specified.',
      SPARK_MESSAGES.nonTimeWindow,
      at,
    );
  const range = { start: bounds.start, end: bounds.end };
  const spec = inner.select.slice(over + 5, close);
  const orderAt = spec.findIndex((token, i) => isWord(token, 'ORDER') && isWord(spec[i + 1], 'BY'));
  if (orderAt < 0)
    throw new PlanError(
      'A Top-N ranks the rows of each partition in an order: ROW_NUMBER() OVER needs an ORDER BY.',
      'Order the ranking: ROW_NUMBER() OVER (PARTITION BY ... ORDER BY price DESC).',
      SPARK_MESSAGES.nonTimeWindow,
      at,
    );
  const partition = isWord(spec[0], 'PARTITION') ? splitTopLevel(spec.slice(2, orderAt)) : [];
  const order = spec.slice(orderAt + 2);
  const keys = splitTopLevel(order);
  const keepsLast =
    range.end === 1 &&
    keys.length === 1 &&
    isWord(order.at(-1), 'DESC') &&
    source.eventTime !== undefined &&
    isColumnNamed(keys[0]!.slice(0, -1), source.eventTime);
  const rankNumber = outputsRank(clauses.select, identifierName(rownum)) ? rownum.text : null;
  checkRankMode(outputMode, rankNumber, textOf(sql, partition.flat()), textOf(sql, order), range);
  const partitionColumns = partition
    .filter((part) => part.length === 1 || part.length === 3)
    .map((part) => identifierName(part.at(-1)!));
  if (outputMode === 'update') {
    const rowColumns = [...source.columns.map(([name]) => name), ...splitTopLevel(inner.select).map(outputName)];
    checkFilterOnKeys(clauses.where, rowColumns, [...partitionColumns, identifierName(rownum)]);
  }
  const edits: Edit[] = [
    { start: inner.from[0]!.start, end: inner.from.at(-1)!.end, text: `${RANKED_TABLE} AS ${quote(stream.alias)}` },
    { start: inner.select[over]!.start, end: inner.select[close]!.end, text: '__rank' },
    ...splitTopLevel(inner.select)
      .filter((item) => isSymbol(item.at(-1), '*'))
      .map((item) => ({ start: item.at(-1)!.end, end: item.at(-1)!.end, text: ' EXCLUDE (__seq, __rank)' })),
  ];
  return {
    kind: 'rank',
    sources: [source.name],
    alias: stream.alias,
    input: `SELECT * FROM ${textOf(sql, inner.from)}${inner.where ? ` WHERE ${textOf(sql, inner.where)}` : ''}`,
    partitionBy: partition.map((part) => textOf(sql, part)),
    orderBy: textOf(sql, order),
    // As Flink's deduplication keeps the last row of equal event time, and its Top-N the first.
    ties: keepsLast ? '__seq DESC' : '__seq',
    range,
    keepsLast,
    rankNumber,
    partitionColumns,
    output: applyEdits(sql, edits),
    ordered: clauses.orderBy !== undefined,
    upsertKey: null,
  };
}

/**
 * Flink's ConstantRankRange from the WHERE: `rownum <= N` (or `< N + 1`), `rownum = N`, a lower bound `rownum > M`;
 * its end null when only a lower bound is given, and null when the WHERE bounds the rank by no number.
 */
function rankRange(where: Token[], rownum: string): { start: number; end: number | null } | null {
  let start = 1;
  let end: number | null = null;
  let bounded = false;
  for (const [name, operator, bound, ...rest] of conjuncts(where)) {
    if (rest.length || !name || identifierName(name) !== rownum || !/^\d+$/.test(bound?.text ?? '')) continue;
    const n = Number(bound!.text);
    bounded = true;
    if (isSymbol(operator, '<=')) end = n;
    else if (isSymbol(operator, '<')) end = n - 1;
    else if (isSymbol(operator, '=')) [start, end] = [n, n];
    else if (isSymbol(operator, '>=')) start = n;
    else if (isSymbol(operator, '>')) start = n + 1;
  }
  if (!bounded || (end !== null && end < Math.max(start, 1))) return null;
  return { start: Math.max(start, 1), end };
}

/**
 * A Top-N over an updating aggregation's rows in update mode, as Flink's RetractableTopNFunction: each row the
 * aggregation updates replaces its group's row, and the ranks it changes come out, keyed by partition and rank number.
 * A group stays in its partition only if the partition is of its keys: else Flink retracts it from the partition it
 * leaves, and a rank can empty, which update mode cannot say.
 */
export function rankUpdates(plan: RankPlan, groupKeys: string[]): RankPlan {
  const expression = plan.partitionColumns.length < plan.partitionBy.length;
  const unkeyed = expression
    ? plan.partitionBy.join(', ')
    : plan.partitionColumns.find((column) => !groupKeys.some((key) => sameName(key, column)));
  if (unkeyed !== undefined)
    throw new PlanError(
      `A Top-N over an aggregation in update mode must be partitioned by the aggregation's group keys (${groupKeys.join(', ')}), not ${unkeyed}: a group whose ${unkeyed} changes would leave its partition, and Flink retracts it there (RetractableTopNFunction), which empties a rank; update mode has no deletions.`,
      'Partition by group keys of the inner aggregation, or use complete mode.',
      SPARK_MESSAGES.nonTimeWindow,
    );
  return { ...plan, upsertKey: groupKeys };
}

/** A group that HAVING drops leaves a ranking over the aggregation: Flink retracts it, update mode cannot. */
export function checkRankedHaving(having: string | undefined): void {
  if (having)
    throw new PlanError(
      'A Top-N over an aggregation with HAVING in update mode is not supported: a group HAVING drops leaves the ranking, which Flink retracts and update mode cannot.',
      'Filter the ranked rows by their rank only, or use complete mode.',
      SPARK_MESSAGES.nonTimeWindow,
    );
}

/** The name a select item's column goes by: its alias or its column's. */
function outputName(item: Token[]): string {
  const last = item.at(-1);
  return last && (last.kind === 'word' || last.kind === 'quoted') ? identifierName(last) : '';
}

/**
 * In Flink the outer WHERE is a Calc over the ranking's changelog: when a rank's row is replaced by one the filter
 * rejects, the update's -U passes and its +U does not, so the result loses that rank. Update mode replaces rows by
 * key and has no deletions, so the stale row would stay: the WHERE may only read the key, which no update changes.
 */
function checkFilterOnKeys(where: Token[], rowColumns: string[], keys: string[]): void {
  const reads = (token: Token) =>
    (token.kind === 'word' || token.kind === 'quoted') &&
    rowColumns.some((name) => sameName(name, identifierName(token)));
  const column = where.find((token) => reads(token) && !keys.some((key) => sameName(key, identifierName(token))));
  if (column)
    throw new PlanError(
      `The outer WHERE filters the ranked rows on ${column.text}, and Flink applies it to the Top-N's changes (a Calc after the Rank): when a rank's row is replaced by one the filter rejects, that rank leaves the result (its -U passes, its +U does not). Tideline's update mode replaces result rows by their key (the partition and the rank number) and has no deletions, so the replaced row would stay in the result.`,
      'Filter in the ranking subquery (then only the rows that pass are ranked), filter on the partition columns or the rank number only, or use complete mode (the whole ranking every batch, filtered).',
      SPARK_MESSAGES.nonTimeWindow,
      column.start,
    );
}

/** Whether the outer select list carries the rank number: `*`, or an item naming it. */
function outputsRank(select: Token[], rownum: string): boolean {
  return splitTopLevel(select).some(
    (item) =>
      (item.length === 1 && isSymbol(item[0], '*')) ||
      item.some((token) => (token.kind === 'word' || token.kind === 'quoted') && identifierName(token) === rownum),
  );
}

/**
 * Flink's Top-N emits updates (and, without the rank number, deletions): an append-only sink cannot take them.
 * Tideline's update mode replaces result rows by key and has no deletions, so it needs the rank number, unless the
 * range is the top 1 (a deduplication), whose rows the partition keys alone.
 */
function checkRankMode(
  outputMode: OutputMode,
  rankNumber: string | null,
  partitionBy: string,
  orderBy: string,
  range: { start: number; end: number },
): void {
  if (outputMode === 'append')
    throw new FlinkRuleError(
      'A Top-N changes its result as rows arrive (a new row can push another out of the top N, or down a rank), and Tideline follows Flink: append mode cannot hold it.',
      'Use update mode (each batch, the rows whose rank changed) or complete mode (the whole ranking every batch).',
      `Table sink doesn't support consuming update and delete changes which is produced by node Rank(strategy=[AppendFastStrategy], rankType=[ROW_NUMBER], rankRange=[rankStart=${range.start}, rankEnd=${range.end}], partitionBy=[${partitionBy}], orderBy=[${orderBy}])`,
      SPARK_MESSAGES.nonTimeWindow,
    );
  if (outputMode === 'update' && !rankNumber && range.end > 1)
    throw new PlanError(
      "Without the rank number in its output, Flink's Top-N sends a row that leaves the top N as a deletion (No Ranking Output Optimization), and update mode, as Spark's, only replaces rows by their key: it has no deletions.",
      'Select the rank number (the result is then keyed by the partition and the rank, as Flink keys it), rank the top 1 only (keyed by the partition), or use complete mode.',
    );
}
