/**
 * Spark's rules: what a streaming query may not do, in Spark's words (its UnsupportedOperationChecker) and in
 * Tideline's own, with a hint. Each check reads what the analysis found.
 */
import type { FollowedRule } from '../../protocol';
import type { OutputMode, SourceSpec } from '../scenario';
import {
  closingBracket,
  isColumnNamed,
  isSymbol,
  isWord,
  sameName,
  significant,
  splitTopLevel,
  type Token,
} from '../sql/tokens';
import { QueryShapeError, type WindowSpec } from '../sql/windows';
import { streamsUsed, type Analysis } from './analysis';
import type { DedupPlan } from './dedup';
import type { GroupingSets } from './grouping-sets';
import type { StagePlan } from './plan';
import type { WindowRankShape } from './window-rank';

export const SPARK_MESSAGES = {
  appendWithoutWatermark:
    'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark',
  completeWithoutAggregation:
    'Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets',
  updateSession: 'Update output mode not supported for session window on streaming DataFrames/DataSets',
  sorting:
    'Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode',
  distinct:
    'Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.',
  globalSession: 'Global aggregation with session window in streaming query is not supported.',
  groupingSets: 'Grouping Sets is not supported on streaming DataFrames/Datasets',
  nonTimeWindow: 'Non-time-based windows are not supported on streaming DataFrames/Datasets',
  limitUpdate: 'Limits are not supported on streaming DataFrames/Datasets in Update output mode',
  offset: 'Offset is not supported on streaming DataFrames/Datasets',
  sample: 'Sampling is not supported on streaming DataFrames/Datasets',
  union: 'Union between streaming and batch DataFrames/Datasets is not supported',
  exceptRight: 'Except on a streaming DataFrame/Dataset on the right is not supported',
  intersect: 'Intersect of streaming DataFrames/Datasets is not supported',
  noStream: 'Queries without streaming sources cannot be executed with writeStream.start()',
  dedupWithinWatermark:
    'dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark',
  leftAntiStreamRight: 'LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported',
  monotonicallyIncreasingId:
    'Expression(s): monotonically_increasing_id() is not supported with streaming DataFrames/Datasets',
  globalWatermark:
    'Detected pattern of possible \'correctness\' issue due to global watermark. The query contains stateful operation which can emit rows older than the current watermark plus allowed late record delay, which are "late rows" in downstream stateful operations and these rows can be discarded.',
};

export class PlanError extends QueryShapeError {
  constructor(
    message: string,
    hint: string,
    readonly spark?: string,
    at?: number,
  ) {
    super(message, hint, at);
  }
}

/**
 * A form Tideline runs as Flink does, refused by Flink's own rule: `flink` is Flink's message, word for word, and
 * `spark` Spark's refusal of the whole form.
 */
export class FlinkRuleError extends PlanError {
  constructor(
    message: string,
    hint: string,
    readonly flink: string,
    spark: string,
    at?: number,
  ) {
    super(message, hint, spark, at);
  }
}

/** The forms Spark refuses on a stream that Tideline runs by Flink's rules, as the UI shows them. */
export const FLINK_RULES = {
  groupingSets: {
    engine: 'Flink',
    form: 'GROUPING SETS',
    rule: 'Runs as Flink runs GROUPING SETS, ROLLUP and CUBE in a window aggregation: each row is aggregated once per grouping set, each set’s groups kept apart in the state with NULL for the keys the set leaves out, and every window comes out once, when the watermark passes its end.',
    spark: SPARK_MESSAGES.groupingSets,
  },
  over: {
    engine: 'Flink',
    form: 'OVER aggregation',
    rule: 'Runs as Flink runs an OVER aggregation: each row comes out once, when the watermark passes its event time, with the aggregate over its partition’s rows in the range; a row at or below the watermark is late and dropped.',
    spark: SPARK_MESSAGES.nonTimeWindow,
  },
  distinct: {
    engine: 'Flink',
    form: 'distinct aggregate',
    rule: 'Runs as Flink runs a distinct aggregate: the state keeps each group’s distinct values, and the aggregate is computed over them.',
    spark: SPARK_MESSAGES.distinct,
  },
  windowRank: {
    engine: 'Flink',
    form: 'window Top-N',
    rule: 'Runs as Flink runs a window Top-N (or window deduplication) on a window TVF: each window’s rows are kept, pruned to the top N of each partition, and come out once, when the watermark passes the window’s end; a row of a closed window is late and dropped.',
    spark: SPARK_MESSAGES.nonTimeWindow,
  },
  rank: {
    engine: 'Flink',
    form: 'Top-N',
    rule: 'Runs as Flink runs a Top-N over an append-only stream: the state keeps each partition’s top N rows, and each batch emits the rows whose rank changed (update mode, keyed by the partition and the rank number) or the whole ranking (complete mode); no row is late.',
    spark: SPARK_MESSAGES.nonTimeWindow,
  },
  rankOverUpdates: {
    engine: 'Flink',
    form: 'Top-N over an aggregation',
    rule: 'Runs as Flink runs a Top-N over an updating aggregation (RetractableTopNFunction): the state keeps every row the aggregation emitted, each update replaces its group’s row, and each batch emits the ranks whose row changed, keyed by the partition and the rank number (update mode; complete mode ranks the aggregation’s whole result every batch).',
    spark: SPARK_MESSAGES.nonTimeWindow,
  },
  sessionRows: {
    engine: 'Flink',
    form: 'SESSION window table function',
    rule: 'Runs as Flink runs the SESSION window table function without an aggregation: each row comes out once, with its session’s window_start, window_end and window_time, when the watermark passes the session’s end; a row whose own session has ended at or before the watermark is late and dropped.',
    spark: SPARK_MESSAGES.nonTimeWindow,
  },
  processingTime: {
    engine: 'Flink',
    form: 'processing-time window',
    rule: 'Runs as Flink runs a window over a processing-time attribute (PROCTIME()), on the simulated clock: each row takes its micro-batch’s processing time, as Spark’s current_timestamp() does, and a window comes out once the clock passes its end, with no watermark and no late rows.',
    spark: SPARK_MESSAGES.appendWithoutWatermark,
  },
} satisfies Record<string, FollowedRule>;

/** A join of two streams: Spark streams it in append mode only. */
export function checkJoin(analysis: Analysis, outputMode: OutputMode): void {
  if (analysis.used.length > 2)
    throw new PlanError('A query can join at most two streams.', 'Join two streams, and the static tables you need.');
  if (analysis.grouped) {
    throw new PlanError(
      'Aggregating a join of two streams in one SELECT is not supported: the join and the aggregation are two operators.',
      'Join in a subquery and aggregate its rows: SELECT ... FROM (SELECT ..., b.ts AS b_ts FROM a JOIN b ON ...) GROUP BY window(b_ts, ...), ...',
    );
  }
  if (outputMode !== 'append') {
    const mode = outputMode === 'update' ? 'Update' : 'Complete';
    throw new PlanError(
      'A join of two streams emits each match once, as it is found: it has only append mode.',
      'Use append mode.',
      `Join between two streaming DataFrames/Datasets is not supported in ${mode} output mode, only in Append output mode`,
    );
  }
}

/** A deduplication whose rows are the query's result: they come once each, and complete mode has none to re-emit. */
export function checkDedupResult(outputMode: OutputMode): void {
  if (outputMode === 'complete') {
    throw new PlanError(
      'Deduplication emits each row once and keeps no result table to re-emit.',
      'Use append mode, or aggregate its rows.',
      SPARK_MESSAGES.completeWithoutAggregation,
    );
  }
}

export function checkDedup(dedup: DedupPlan, stream: SourceSpec): void {
  if (dedup.style === 'withinWatermark' && !stream.watermark) {
    throw new PlanError(
      'DEDUPLICATE_WITHIN_WATERMARK forgets a key once the watermark passes its event time plus the delay: it needs a watermark.',
      `Give the source ${stream.name} a watermark (e.g. "watermark": "10 minutes").`,
      SPARK_MESSAGES.dedupWithinWatermark,
    );
  }
}

/**
 * A query that keeps no state: it cannot rank, sort or re-emit rows that never stop coming. One that feeds
 * another operator (a filter under an aggregation) re-emits nothing itself: complete mode is the outer query's.
 */
export function checkStateless(analysis: Analysis, outputMode: OutputMode, feedsAnother = false): void {
  const { tokens, clauses } = analysis;
  if (tokens.some((token, i) => isWord(token, 'OVER') && isSymbol(tokens[i + 1], '('))) {
    throw new PlanError(
      'A window function (OVER) over a stream would rank or total rows that never stop coming.',
      'Use a time window (TUMBLE, HOP, window()) and aggregate, the ROW_NUMBER() = 1 deduplication pattern, rank per window over a window TVF or a windowed aggregation (window Top-N), or an aggregate OVER (PARTITION BY ... ORDER BY <event time> RANGE BETWEEN INTERVAL ... PRECEDING AND CURRENT ROW); Tideline runs the last two as Flink does.',
      SPARK_MESSAGES.nonTimeWindow,
    );
  }
  if (outputMode === 'complete' && !feedsAnother) {
    throw new PlanError(
      'Complete mode re-emits a whole result table, and a query without aggregation has none: its result grows forever.',
      'Use append mode, or aggregate (GROUP BY).',
      SPARK_MESSAGES.completeWithoutAggregation,
    );
  }
  if (clauses?.orderBy)
    throw new PlanError(
      'An unbounded stream cannot be sorted: the sort would never finish.',
      'Remove ORDER BY, or aggregate and use complete mode.',
      SPARK_MESSAGES.sorting,
      clauses.orderBy[0]?.start,
    );
}

/** An OVER aggregation (Flink's): over a watermarked stream, its rows emitted once each, never sorted. */
export function checkOverQuery(analysis: Analysis, outputMode: OutputMode, source: SourceSpec): void {
  const { clauses } = analysis;
  if (!source.eventTime || !source.watermark)
    throw new FlinkRuleError(
      'An OVER aggregation over a stream is ordered by its event time and emits each row once the watermark passes it: the stream needs a watermark.',
      `Give the source ${source.name} an event time and a watermark (e.g. "watermark": "10 seconds").`,
      "OVER windows' ordering in stream mode must be defined on a time attribute.",
      SPARK_MESSAGES.nonTimeWindow,
    );
  if (outputMode === 'complete')
    throw new PlanError(
      'An OVER aggregation emits each row once, and keeps no result table to re-emit.',
      'Use append mode.',
      SPARK_MESSAGES.completeWithoutAggregation,
    );
  const sorted = clauses?.orderBy ?? clauses?.qualify;
  if (sorted)
    throw new PlanError(
      'An OVER aggregation’s rows never stop coming: they cannot be sorted or filtered by a window function.',
      'Remove ORDER BY and QUALIFY; filter its rows in a query over it: SELECT * FROM (<OVER aggregation>) WHERE ...',
      clauses?.orderBy ? SPARK_MESSAGES.sorting : undefined,
      sorted[0]?.start,
    );
}

/** What the planner read of an OVER aggregation's window, for Flink's rules. */
export interface OverWindowShape {
  /** Whether every OVER of the select list has the same window. */
  sameWindows: boolean;
  ordering: Token[];
  eventTime: string;
  /** ROWS or RANGE, when the window has a frame. */
  frame?: string;
  /** The frame's lower bound: `INTERVAL '1' HOUR PRECEDING`, `2 PRECEDING`. */
  lower: Token[];
  upperIsCurrentRow: boolean;
  at: number;
}

/** Flink's rules on a streaming OVER window (StreamExecOverAggregate), and Tideline's: the range must be bounded. */
export function checkOverWindow(shape: OverWindowShape): void {
  const flink = (message: string, hint: string, words: string) => {
    throw new FlinkRuleError(message, hint, words, SPARK_MESSAGES.nonTimeWindow, shape.at);
  };
  if (!shape.sameWindows)
    flink(
      'Every aggregate OVER a window in one SELECT must share that window.',
      'Give them one window: WINDOW w AS (PARTITION BY ... ORDER BY ... RANGE ...), and write OVER w.',
      'All aggregates must be computed on the same window.',
    );
  const direction = shape.ordering.at(-1);
  const ordering = isWord(direction, 'ASC', 'DESC') ? shape.ordering.slice(0, -1) : shape.ordering;
  if (isWord(direction, 'DESC'))
    flink(
      'An OVER window over a stream runs forward in event time: it can only be ordered ascending.',
      `Write ORDER BY ${shape.eventTime}.`,
      'The window can only be ordered in ASCENDING mode.',
    );
  if (splitTopLevel(ordering).length !== 1)
    flink(
      'An OVER window over a stream is ordered by the event time alone.',
      `Write ORDER BY ${shape.eventTime}.`,
      'The window can only be ordered by a single time column.',
    );
  if (!isColumnNamed(ordering, shape.eventTime))
    flink(
      `An OVER window over a stream is ordered by its event time, ${shape.eventTime}: rows come out as the watermark passes them.`,
      `Write ORDER BY ${shape.eventTime}.`,
      "OVER windows' ordering in stream mode must be defined on a time attribute.",
    );
  if (!shape.upperIsCurrentRow || isWord(shape.lower.at(-1), 'FOLLOWING'))
    flink(
      'An OVER window over a stream ends at the current row: a row cannot wait for rows after it.',
      'Write ... PRECEDING AND CURRENT ROW.',
      'OVER RANGE FOLLOWING windows are not supported yet.',
    );
  const bound = shape.lower.slice(0, -1);
  const rowsBound = shape.frame !== 'ROWS' || (bound.length === 1 && /^\d+$/.test(bound[0]!.text));
  if (!shape.frame || isWord(bound[0], 'UNBOUNDED') || !isWord(shape.lower.at(-1), 'PRECEDING') || !rowsBound)
    throw new PlanError(
      'An OVER window over a stream needs a bounded range: without one (UNBOUNDED PRECEDING, the default), its state would keep every row of the partition forever.',
      "Bound it: RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW, or ROWS BETWEEN 10 PRECEDING AND CURRENT ROW.",
      undefined,
      shape.at,
    );
}

/** Flink's window Top-N on a window TVF: per window, bounded by the rank, emitted once each window closes. */
export function checkWindowRank(shape: WindowRankShape, outputMode: OutputMode): void {
  const { window, source, rownum } = shape;
  const refuse = (message: string, hint: string) => {
    throw new PlanError(message, hint, SPARK_MESSAGES.nonTimeWindow, shape.at);
  };
  if (window.kind === 'session')
    refuse(
      'Tideline runs a ranking over a window TVF as Flink runs a window Top-N, which Flink supports after TUMBLE, HOP and CUMULATE only, not yet after SESSION.',
      'Window the stream with TUMBLE, HOP or CUMULATE, or aggregate the sessions and rank their rows.',
    );
  if (shape.limit === null || shape.limit < 1)
    refuse(
      `Tideline runs a ranking over a window TVF as Flink runs a window Top-N, which keeps the top N rows of each window: the outer query must bound ${rownum}.`,
      `Filter the rank: WHERE ${rownum} <= 3 (or ${rownum} = 1 for a window deduplication).`,
    );
  if (!['window_start', 'window_end'].every((column) => shape.partition.includes(column)))
    refuse(
      'Tideline runs a ranking over a window TVF as Flink runs a window Top-N, which ranks each window on its own: it must be partitioned by window_start and window_end.',
      'Partition by the window: OVER (PARTITION BY window_start, window_end [, key] ORDER BY ...).',
    );
  if (outputMode !== 'append')
    refuse(
      'Flink emits a window Top-N once per window, when the watermark passes its end, and Tideline follows Flink: it runs only in append mode.',
      'Use append mode.',
    );
  if (!windowCarriesWatermark(window, source))
    refuse(
      'Flink emits a window Top-N once per window, when the watermark passes its end: the window must be over the stream’s watermarked event time.',
      source.watermark
        ? `Window by the event-time column ${source.eventTime}: DESCRIPTOR(${source.eventTime}).`
        : `Give the source ${source.name} an event time and a watermark (e.g. "watermark": "10 seconds").`,
    );
}

/**
 * An aggregation: one SELECT over one stream, sorting and LIMIT only in complete mode. Distinct aggregates, which
 * Spark refuses (SPARK_MESSAGES.distinct), run as Flink runs them (FLINK_RULES.distinct).
 */
export function checkAggregation(analysis: Analysis, outputMode: OutputMode): void {
  const { clauses, used } = analysis;
  if (!clauses)
    throw new PlanError(
      'A streaming aggregation must be a single SELECT ... FROM ... GROUP BY statement.',
      'Move CTEs and set operations out of the aggregating query.',
    );
  if (used.length !== 1)
    throw new PlanError(
      'A streaming aggregation reads exactly one stream.',
      'Aggregate one stream at a time, or join them in a subquery and aggregate its rows.',
    );
  checkLegacyGroupWindow(clauses.groupBy ?? [], used[0]!);
  if (clauses.orderBy && outputMode !== 'complete') {
    throw new PlanError(
      'Only complete mode can sort an aggregated stream: in append and update mode each batch emits only some rows.',
      'Remove ORDER BY, or switch to complete mode.',
      SPARK_MESSAGES.sorting,
      clauses.orderBy[0]?.start,
    );
  }
  if (clauses.limit && outputMode !== 'complete')
    throw new PlanError(
      'LIMIT on a stream is only supported in complete mode.',
      'Remove LIMIT, or switch to complete mode.',
      outputMode === 'update' ? SPARK_MESSAGES.limitUpdate : undefined,
      clauses.limit[0]?.start,
    );
  const ranking = [...clauses.select, ...(clauses.having ?? []), ...(clauses.orderBy ?? [])].find(
    (token, i, all) => isWord(token, 'OVER') && isSymbol(all[i + 1], '('),
  );
  const windowed = clauses.qualify?.[0] ?? ranking;
  if (windowed)
    throw new PlanError(
      'A window function (OVER, QUALIFY) over a streaming aggregation would rank rows that keep changing.',
      'Rank in a query over the aggregation, per window: SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ...) AS rownum FROM (<aggregation>)) WHERE rownum <= 3 (window Top-N).',
      SPARK_MESSAGES.nonTimeWindow,
      windowed.start,
    );
}

/**
 * GROUPING SETS, ROLLUP and CUBE, which Spark refuses on a stream, run as Flink runs them in a window aggregation:
 * over a window TVF's window_start and window_end in every set, each window emitted once, when it closes.
 */
export function checkGroupingSets(window: WindowSpec | undefined, grouping: GroupingSets, outputMode: OutputMode) {
  const refuse = (message: string, hint: string) => {
    throw new PlanError(message, hint, SPARK_MESSAGES.groupingSets, grouping.at);
  };
  const tvfHint =
    "Group a window TVF by its window and the sets: FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end, GROUPING SETS ((k), ()).";
  if (window?.syntax !== 'flink')
    refuse(
      'Spark refuses GROUPING SETS, ROLLUP and CUBE on a stream, and Tideline follows Spark outside a window TVF; Flink runs them in a window aggregation over TUMBLE, HOP or CUMULATE, and Tideline does as Flink does there.',
      tvfHint,
    );
  if (window!.kind === 'session')
    refuse(
      'Tideline runs GROUPING SETS, ROLLUP and CUBE as Flink runs them in a window aggregation over TUMBLE, HOP or CUMULATE, not yet over SESSION.',
      tvfHint,
    );
  const everywhere = (name: string) =>
    grouping.keys.some((key, i) => isColumnNamed(key, name) && grouping.sets.every((set) => set[i]));
  if (!everywhere('window_start') || !everywhere('window_end'))
    refuse(
      'Flink: "Window aggregations with GROUPING SETS require both the window_start and window_end columns have to be in the GROUP BY clause, but not in the GROUPING SETS clause."',
      'GROUP BY window_start, window_end, GROUPING SETS (...).',
    );
  if (outputMode !== 'append')
    refuse(
      'Flink emits a window aggregation with GROUPING SETS once per window, when the watermark passes its end, and Tideline follows Flink: it runs only in append mode.',
      'Use append mode.',
    );
}

/**
 * Flink's legacy group window, `GROUP BY TUMBLE(ts, size)` (or HOP(ts, slide, size), SESSION(ts, gap)), which its
 * window aggregation docs deprecate for the window table functions: refused with the TVF that windows the same way.
 */
function checkLegacyGroupWindow(groupBy: Token[], stream: string): void {
  const at = groupBy.findIndex(
    (token, i) => isWord(token, 'TUMBLE', 'HOP', 'SESSION') && isSymbol(groupBy[i + 1], '('),
  );
  if (at < 0) return;
  const name = groupBy[at]!.text.toUpperCase();
  const [time, ...sizes] = splitTopLevel(groupBy.slice(at + 2, closingBracket(groupBy, at + 1)));
  const args = [`TABLE ${stream}`, `DESCRIPTOR(${time?.map((token) => token.text).join('') ?? 'ts'})`];
  const sized = sizes.map((size) => size.map((token) => token.text).join(' '));
  throw new PlanError(
    `GROUP BY ${name}(...) is Flink's legacy group window aggregation, deprecated for its window table functions, which Tideline runs.`,
    `Window in FROM and group by the window's bounds: FROM TABLE(${name}(${[...args, ...sized].join(', ')})) GROUP BY window_start, window_end${name === 'SESSION' ? ' (PARTITION BY a key inside the TVF: TABLE t PARTITION BY key)' : ''}, and select window_start or window_end in place of ${name}_START or ${name}_END.`,
    undefined,
    groupBy[at]!.start,
  );
}

/**
 * A window over a timestamp column of the stream. Over the event-time column it carries the watermark; over any
 * other, as in Spark, it carries none: its state is kept forever, and append mode is refused (no row is ever final).
 */
export function checkWindowColumn(window: WindowSpec | undefined, source: SourceSpec): void {
  if (!window || window.processingTime) return;
  const column = source.columns.find(([name]) => sameName(name, window.timeColumn));
  const timestamps = source.columns.filter(([, type]) => /^TIMESTAMP/i.test(type)).map(([name]) => name);
  const hint = timestamps.length
    ? `Window by a timestamp column of ${source.name}: ${timestamps.join(', ')}.`
    : `${source.name} has no TIMESTAMP column to window by.`;
  if (!column)
    throw new PlanError(
      `The window's time column ${window.timeColumn} is no column of ${source.name}.`,
      hint,
      undefined,
      window.timeColumnAt,
    );
  if (!/^TIMESTAMP/i.test(column[1]))
    throw new PlanError(
      `The window's time column ${column[0]} is of type ${column[1]}, not a timestamp.`,
      hint,
      undefined,
      window.timeColumnAt,
    );
}

/** Flink's SESSION table function without an aggregation: its rows come out as the watermark closes their sessions. */
export function checkSessionRows(window: WindowSpec, source: SourceSpec, outputMode: OutputMode): void {
  if (window.processingTime) checkProcessingTimeWindow(window, 'session window');
  if (outputMode === 'update')
    throw new PlanError(
      'Flink’s SESSION window table function without an aggregation is append-only: each row comes out once, when the watermark passes its session’s end, and is never updated. Tideline follows Flink: it runs only in append mode.',
      'Use append mode (the same rows, each once), or aggregate the sessions (GROUP BY window_start, window_end) in append mode.',
    );
  if (!windowCarriesWatermark(window, source))
    throw new PlanError(
      'A SESSION window’s rows come out once the watermark passes their session’s end, when no later row can join it: the window must be over the stream’s watermarked event time.',
      `Window by the event time${source.eventTime ? ` ${source.eventTime}` : ''}${source.watermark ? '' : `, and give the source ${source.name} a watermark (e.g. "watermark": "10 seconds")`}.`,
    );
}

/** A processing-time window closes by the clock in a window aggregation only; `kind` is the operator it would feed. */
export function checkProcessingTimeWindow(window: WindowSpec, kind: string): void {
  if (kind === 'aggregate' && window.kind !== 'session') return;
  throw new PlanError(
    `A processing-time window (over ${window.timeColumn}) is supported in a TUMBLE, HOP or CUMULATE window aggregation only, not in ${window.kind === 'session' ? 'a session window' : `a ${kind}`}.`,
    'Aggregate over TUMBLE, HOP or CUMULATE on the processing-time attribute (Spark: GROUP BY window(current_timestamp(), ...)), or window by the event time.',
  );
}

/** Whether a window is over the stream's watermarked event time: only such a window closes. */
export function windowCarriesWatermark(window: WindowSpec, source: SourceSpec): boolean {
  return (
    source.eventTime !== undefined && source.watermark !== undefined && sameName(window.timeColumn, source.eventTime)
  );
}

/** Session windows: append (with a watermark) or complete mode, and in Spark's syntax another grouping key. */
export function checkSession(window: WindowSpec, keys: number, source: SourceSpec, outputMode: OutputMode): void {
  if (outputMode === 'update') {
    throw new PlanError(
      'Update mode would re-emit sessions that later merge into others: the rows emitted earlier would no longer exist.',
      'Use append mode (each session once, when it closes) or complete mode.',
      SPARK_MESSAGES.updateSession,
    );
  }
  if (outputMode === 'append' && !windowCarriesWatermark(window, source)) {
    throw new PlanError(
      'Append mode emits a session once it is closed, and only a watermark can tell that it is.',
      source.watermark
        ? `Sessionize by the event-time column ${source.eventTime}, which carries the watermark, or use complete mode.`
        : `Give the source ${source.name} a watermark (e.g. "watermark": "10 seconds"), or use complete mode.`,
      SPARK_MESSAGES.appendWithoutWatermark,
    );
  }
  if (window.syntax === 'spark' && keys < 2) {
    throw new PlanError(
      'session_window(...) needs another grouping key: sessions are per user, per device...',
      "Group by the session and a key, e.g. GROUP BY session_window(ts, '5 minutes'), user_id. (Flink's SESSION table function, without PARTITION BY, does run one session over the whole stream.)",
      SPARK_MESSAGES.globalSession,
    );
  }
}

/**
 * Append mode emits a row once it is final: only a watermark on a grouped event time makes it so. A window table
 * function's rows are final by window_end, which the GROUP BY (`groupBy`) must name.
 */
export function checkAppendNeedsWatermark(
  eventTime: unknown,
  source: SourceSpec,
  outputMode: OutputMode,
  window?: WindowSpec,
  groupBy: Token[] = [],
): void {
  if (outputMode !== 'append' || (eventTime && source.watermark)) return;
  const closing = window?.syntax === 'flink' && (window.processingTime || windowCarriesWatermark(window, source));
  const bounds = !window && groupBy.some((token) => /^"?window_(start|end)"?$/i.test(token.text));
  const hint = !source.watermark
    ? `Give the source ${source.name} a watermark (e.g. "watermark": "10 seconds"), or use update or complete mode.`
    : closing
      ? 'Group by both window_start and window_end: a window’s row is final once the watermark passes its end. Or use update or complete mode.'
      : bounds
        ? `window_start and window_end are the columns of a window table function: FROM TABLE(TUMBLE(TABLE ${source.name}, DESCRIPTOR(${source.eventTime}), INTERVAL '10' SECONDS)) GROUP BY window_start, window_end.`
        : `Group by a window over ${source.eventTime} (or by ${source.eventTime} itself), or use update or complete mode.`;
  throw new PlanError(
    'Append mode emits each result row once, when it is final; without a watermark on the grouped event time, no row ever becomes final.',
    hint,
    SPARK_MESSAGES.appendWithoutWatermark,
    source.watermark && (closing || bounds) ? groupBy[0]?.start : undefined,
  );
}

/** Spark's UnsupportedOperationChecker: an aggregation feeds another stateful operator only in append mode. */
export function checkChain(upstream: StagePlan, outputMode: OutputMode): void {
  if ((upstream.kind === 'aggregate' || upstream.kind === 'session') && outputMode !== 'append') {
    throw new PlanError(
      `A stateful operator over a streaming aggregation runs only in append mode: in ${outputMode} mode the aggregation re-emits rows the watermark has passed, and the next operator would drop them as late.`,
      'Use append mode: each window reaches the next operator once, when it closes.',
      SPARK_MESSAGES.globalWatermark,
    );
  }
  if (upstream.kind === 'stateless') {
    throw new PlanError(
      'Aggregating the rows of a query over a streaming aggregation (a third operator after a stateless one) is not supported.',
      'Aggregate the aggregation directly: SELECT ... FROM (<aggregation>) GROUP BY ...',
    );
  }
}

/** A stateless query over a streaming aggregation's rows: a ranking of whole windows (Flink's window Top-N). */
export function checkAfterAggregation(after: string, outputMode: OutputMode): void {
  if (outputMode === 'update') {
    throw new PlanError(
      'A query over a streaming aggregation needs whole windows, and update mode emits only the rows that changed.',
      'Use append mode (each window once it closes, as Flink’s window Top-N) or complete mode.',
    );
  }
  const tokens = significant(after);
  tokens.forEach((token, i) => {
    if (!(isWord(token, 'OVER') && isSymbol(tokens[i + 1], '('))) return;
    const spec = tokens.slice(i + 2, closingBracket(tokens, i + 1));
    const partition = isWord(spec[0], 'PARTITION')
      ? spec.slice(2, spec.findIndex((t) => isWord(t, 'ORDER')) >>> 0)
      : [];
    const perWindow = partition.some((t) => /^"?(window_start|window_end|window|session_window)"?$/i.test(t.text));
    if (outputMode === 'append' && !perWindow) {
      throw new PlanError(
        'A ranking over a stream must restart with every window: each batch emits whole windows, never the whole history.',
        'Partition by the window: OVER (PARTITION BY window_start, window_end ORDER BY ...).',
        undefined,
        token.start,
      );
    }
  });
}

/** Clauses Spark refuses on any streaming query: OFFSET, sampling, monotonically_increasing_id(); LIMIT without an aggregation. */
export function checkClauses(analysis: Analysis, outputMode: OutputMode): void {
  const { clauses, tokens } = analysis;
  const numbered = tokens.find(
    (token, i) => isWord(token, 'MONOTONICALLY_INCREASING_ID') && isSymbol(tokens[i + 1], '('),
  );
  if (numbered)
    throw new PlanError(
      'monotonically_increasing_id() numbers the rows of each batch by partition: a row’s id would depend on how the stream was cut into batches.',
      'Identify rows by their own columns, such as a key and the event time.',
      SPARK_MESSAGES.monotonicallyIncreasingId,
      numbered.start,
    );
  if (clauses?.offset)
    throw new PlanError(
      'OFFSET skips the first rows of a result, and a stream has no first rows to skip.',
      'Remove OFFSET.',
      SPARK_MESSAGES.offset,
      clauses.offset[0]?.start,
    );
  const sample = tokens.find(
    (token, i) => isWord(token, 'TABLESAMPLE') || (isWord(token, 'USING') && isWord(tokens[i + 1], 'SAMPLE')),
  );
  if (sample)
    throw new PlanError(
      'Sampling draws from a whole table, and a stream never is one.',
      'Filter the stream instead, e.g. WHERE hash(user_id) % 10 = 0 keeps a tenth of the users.',
      SPARK_MESSAGES.sample,
      sample.start,
    );
  if (!analysis.grouped && clauses?.limit)
    throw new PlanError(
      'LIMIT over a stream counts the rows of every batch so far (Spark keeps that count as state); Tideline does not keep it, and would apply LIMIT to each batch alone.',
      'Remove LIMIT.',
      outputMode === 'update' ? SPARK_MESSAGES.limitUpdate : undefined,
      clauses.limit[0]?.start,
    );
}

/** Whether a run of tokens (a relation, a query) reads a stream. */
function readsStream(tokens: Token[], analysis: Analysis): boolean {
  const first = tokens[0];
  return (
    first !== undefined &&
    streamsUsed([{ ...first, kind: 'symbol', text: ',' }, ...tokens], analysis.sources).length > 0
  );
}

/**
 * Set operations with a stream (UnsupportedOperationChecker): a union with a static table, an intersection, a
 * stream subtracted. UNION and EXCEPT without ALL remove duplicates: Spark plans a streaming aggregation (Distinct),
 * which this query would run batch by batch.
 */
export function checkSetOperations(analysis: Analysis): void {
  const { tokens } = analysis;
  const parts: Token[][] = [[]];
  const operators: Token[][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (isSymbol(token, '(')) {
      const close = closingBracket(tokens, i);
      parts.at(-1)!.push(...tokens.slice(i, close + 1));
      i = close < 0 ? tokens.length : close;
    } else if (isWord(token, 'UNION', 'EXCEPT', 'INTERSECT')) {
      const all = isWord(tokens[i + 1], 'ALL', 'DISTINCT') ? [tokens[++i]!] : [];
      operators.push([token, ...all]);
      parts.push([]);
    } else parts.at(-1)!.push(token);
  }
  operators.forEach(([operator, all], n) => {
    const left = parts.slice(0, n + 1).some((part) => readsStream(part, analysis));
    const right = readsStream(parts[n + 1]!, analysis);
    if (!left && !right) return;
    const name = operator!.text.toUpperCase();
    const refuse = (message: string, hint: string, spark?: string) => {
      throw new PlanError(message, hint, spark, operator!.start);
    };
    if (name === 'INTERSECT')
      refuse(
        'INTERSECT with a stream would have to keep every row of both sides.',
        'Join the stream with the table instead (SEMI JOIN).',
        SPARK_MESSAGES.intersect,
      );
    if (name === 'EXCEPT' && right)
      refuse(
        'EXCEPT with a stream on the right would have to take back rows already emitted.',
        'Put the stream on the left, as an ANTI JOIN.',
        SPARK_MESSAGES.exceptRight,
      );
    if (name === 'UNION' && left !== right)
      refuse(
        'A UNION of a stream and a static table would emit the table again with every batch.',
        'Union streams with streams; join static tables in.',
        SPARK_MESSAGES.union,
      );
    if (!isWord(all, 'ALL'))
      refuse(
        `${name} without ALL removes duplicates across every batch: a streaming aggregation (Spark plans it as Distinct), which a set operation here would run batch by batch.`,
        name === 'EXCEPT'
          ? 'Write FROM stream ANTI JOIN table ON ... (each row of the stream without a match).'
          : 'Write UNION ALL.',
      );
    if (name === 'EXCEPT')
      refuse(
        'EXCEPT ALL counts rows across every batch (Spark plans an aggregation), which a set operation here would do batch by batch.',
        'Write FROM stream ANTI JOIN table ON ....',
      );
  });
}

/** The words that spell a join's type before JOIN: `LEFT OUTER JOIN`, `CROSS JOIN`. */
export const JOIN_WORDS = [
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'INNER',
  'SEMI',
  'ANTI',
  'CROSS',
  'NATURAL',
  'ASOF',
  'POSITIONAL',
];

/**
 * A stream read by a subquery of `[NOT] IN` or `[NOT] EXISTS`. Beside a static FROM it is no streaming query in
 * Spark (a subquery is no child of the plan, which reads only the table); beside a stream under NOT, the anti join
 * Spark rewrites it to has the stream on the right. Flink's window anti join, both streams windowed, runs.
 */
function checkSubqueryPredicates(analysis: Analysis): void {
  const { tokens, clauses } = analysis;
  if (!clauses) return;
  const outer = readsStream(clauses.from, analysis);
  tokens.forEach((token, i) => {
    if (!isWord(token, 'IN', 'EXISTS') || !isSymbol(tokens[i + 1], '(') || !isWord(tokens[i + 2], 'SELECT')) return;
    if (!readsStream(tokens.slice(i + 2, closingBracket(tokens, i + 1)), analysis)) return;
    const predicate = `${isWord(tokens[i - 1], 'NOT') ? 'NOT ' : ''}${token.text.toUpperCase()}`;
    if (!outer)
      throw new PlanError(
        `This query’s FROM reads only static tables, and a stream only in a subquery of ${predicate}: it is no streaming query, and each batch would test the table against that batch’s rows alone.`,
        'Read the stream in FROM, with the table joined to it: FROM stream [SEMI|ANTI] JOIN table ON ....',
        SPARK_MESSAGES.noStream,
        token.start,
      );
    if (predicate.startsWith('NOT') && analysis.tableFunctions.length < 2)
      throw new PlanError(
        `${predicate} over a stream is an anti join with that stream on the right: a row emitted now could be contradicted by a later row of the subquery’s stream.`,
        'Window both streams by the same window table function and equate their windows in the subquery (Flink’s window anti join), or test the stream against a static table.',
        SPARK_MESSAGES.leftAntiStreamRight,
        token.start,
      );
  });
}

/** Spark's rules on the join types a stream takes part in (UnsupportedOperationChecker's Join cases). */
export function checkJoinTypes(analysis: Analysis): void {
  checkSubqueryPredicates(analysis);
  const from = analysis.clauses?.from ?? [];
  for (let i = 0; i < from.length; i++) {
    if (isSymbol(from[i], '(')) i = closingBracket(from, i);
    if (i < 0) return;
    if (!isWord(from[i], 'JOIN')) continue;
    let start = i;
    while (isWord(from[start - 1], ...JOIN_WORDS)) start--;
    const kind = from.slice(start, i).map((token) => token.text.toUpperCase());
    let end = i + 1;
    while (end < from.length && !isWord(from[end], 'ON', 'USING', 'JOIN', ...JOIN_WORDS) && !isSymbol(from[end], ',')) {
      if (isSymbol(from[end], '(')) end = closingBracket(from, end);
      end++;
    }
    const left = readsStream(from.slice(0, start), analysis);
    const right = readsStream(from.slice(i + 1, end), analysis);
    const refuse = (spark: string, hint: string) => {
      throw new PlanError(
        `This ${kind.join(' ') || 'INNER'} JOIN would emit, with each batch, rows that later rows of the stream contradict.`,
        hint,
        spark,
        from[start]!.start,
      );
    };
    if (kind.includes('ANTI') && right)
      refuse(SPARK_MESSAGES.leftAntiStreamRight, 'Put the stream on the left of the ANTI JOIN.');
    if (kind.includes('POSITIONAL') && (left || right))
      throw new PlanError(
        'POSITIONAL JOIN pairs rows by their position, and a stream’s rows have a position only within their batch: the pairs would depend on how the stream was cut into batches (Spark has no positional join).',
        'Join on a key: ... JOIN t ON s.key = t.key.',
        undefined,
        from[start]!.start,
      );
    if (left && right) continue;
    if (kind.includes('FULL') && (left || right))
      refuse(
        `FullOuter joins with streaming DataFrames/Datasets on the ${left ? 'left' : 'right'} and a static DataFrame/Dataset on the ${left ? 'right' : 'left'} is not supported`,
        'Use a LEFT JOIN with the stream on the left.',
      );
    if ((kind.includes('LEFT') || kind.includes('SEMI')) && right)
      refuse(
        `${kind.includes('SEMI') ? 'LeftSemi' : 'LeftOuter'} join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported`,
        'Put the stream on the left.',
      );
    if (kind.includes('RIGHT') && left)
      refuse(
        'RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported',
        'Write it as a LEFT JOIN with the stream on the left.',
      );
  }
}
