import type { ColumnSpec, OutputMode, SourceSpec } from '../scenario';
import { parseDuration } from '../duration';
import { lateFrom, type LateRowSource } from './operators/statements';
import { planDedup, withWatermarkDelay, type DedupPlan } from './dedup';
import { JoinShapeError, planJoin, type JoinPlan } from './join';
import { selectClauses } from '../sql/select';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  significant,
  splitTopLevel,
  textOf,
  type Edit,
  type Token,
} from '../sql/tokens';
import {
  QueryShapeError,
  findTableFunctions,
  quote,
  sparkWindow,
  windowedRelation,
  type DurationOf,
  type WindowSpec,
} from '../sql/windows';

/** What the planner needs to know from the database. */
export interface Catalog {
  aggregateFunctions: Set<string>;
  durationOf: DurationOf;
}

/** A grouping key of a streaming aggregation: its expression and the state column that keeps it. */
export interface GroupKey {
  expression: string;
  column: string;
}

/** An aggregate call, kept as a mergeable partial state in a state column. */
export interface PartialAggregate {
  call: string;
  column: string;
  /**
   * min/max/first/last/any_value keep the value itself, merged with `MERGE_SQL`; the rest keep DuckDB's
   * exported state (`combine`). An exported state of a text value would point into a freed batch.
   */
  merge: keyof typeof VALUE_MERGES | 'combine';
}

/** How a batch's value `p` merges into the state's value `s` of the same key. */
export const VALUE_MERGES = {
  least: (s: string, p: string) => `least(${s}, ${p})`,
  greatest: (s: string, p: string) => `greatest(${s}, ${p})`,
  earliest: (s: string) => s,
  latest: (_s: string, p: string) => p,
  coalesce: (s: string, p: string) => `coalesce(${s}, ${p})`,
};

const VALUE_MERGES_BY_AGGREGATE: Record<string, keyof typeof VALUE_MERGES> = {
  min: 'least',
  max: 'greatest',
  first: 'earliest',
  arbitrary: 'earliest',
  last: 'latest',
  any_value: 'coalesce',
};

/** Where an operator's input comes from, when not from the sources: the table its upstream operator fills. */
export interface Staged {
  inputTable?: string;
}

export interface StatelessPlan extends Staged {
  kind: 'stateless';
  sources: string[];
  /** The query over the batch tables (or over its upstream's output). */
  sql: string;
  /** Whether its rows come out in the query's own order (its input's, or its ORDER BY); else sorted. */
  ordered: boolean;
}

export interface AggregatePlan extends Staged {
  kind: 'aggregate';
  sources: string[];
  window?: WindowSpec;
  /** The user's query as a plain query over one batch: names the output columns and checks the SQL early. */
  reference: string;
  /** The FROM clause over the batch, windows assigned, the stream under `alias`. */
  from: string;
  where?: string;
  alias: string;
  keys: GroupKey[];
  aggregates: PartialAggregate[];
  /** Over the state table (as `alias`): the user's select list, with aggregates finalised. */
  output: string;
  having?: string;
  orderBy?: string;
  limit?: string;
  /** The event-time bound of a group: over input rows and over state rows (null when no key carries event time). */
  eventTime: { input: string; state: string } | null;
  /** The input's rows as the user sent them, to report late rows. */
  lateFrom: LateRowSource;
  /** Which select items hold no aggregate: the output columns that identify a result row. */
  keyItems: boolean[];
  /** Which select items carry the rows' event time (the window's end or window_time): a chained operator's rowtime. */
  eventTimeItems: boolean[];
}

/** Session windows: the rows of open sessions are the state; sessions are merged anew each batch. */
export interface SessionPlan extends Staged {
  kind: 'session';
  sources: string[];
  window: WindowSpec;
  alias: string;
  /** The batch's rows after WHERE, with the source's columns. */
  input: string;
  /** What splits rows into independent sessions: Flink's PARTITION BY, Spark's other grouping keys. */
  partitionBy: string[];
  /** The user's query over the sessionized rows table. */
  reference: string;
  /** Whether the reference orders its rows (ORDER BY). */
  ordered: boolean;
  lateFrom: LateRowSource & { eventTimeColumn: string };
  keyItems: boolean[];
  eventTimeItems: boolean[];
}

/**
 * A stateful query over the stage before it, planned once that stage's output columns are known: its input is
 * a stream of the rows the stage before emits, with their event time and the propagated watermark.
 */
export interface ChainedPlan extends Staged {
  kind: 'chained';
  /** The query over the table `inputTable`. */
  sql: string;
  inputTable: string;
}

/** One operator's plan: the typed facts it runs by. */
export type OperatorPlan = StatelessPlan | AggregatePlan | SessionPlan | DedupPlan | JoinPlan;

/** A stage of a query's pipeline: an operator's plan, or a chained one still to be planned. */
export type StagePlan = OperatorPlan | ChainedPlan;

/** A query's pipeline: the streams it reads and its operators in order, each reading the one before. */
export interface QueryPlan {
  sources: string[];
  stages: StagePlan[];
}

/** The tables a query's plan reads and writes, named after the query. */
export function stateTables(prefix: string) {
  return {
    state: `${prefix}_state`,
    input: `${prefix}_input`,
    emitted: `${prefix}_emitted`,
    partial: `${prefix}_partial`,
    touched: `${prefix}_touched`,
    sessions: `${prefix}_sessions`,
    left: `${prefix}_left`,
    right: `${prefix}_right`,
    matches: `${prefix}_matches`,
  };
}

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
 * Turns the user's SQL into a plan the micro-batch executor can run incrementally: window table
 * functions and Spark's window() become window assignment over the batch; aggregates become
 * partial states merged batch by batch.
 */
export function planQuery(
  query: string,
  sources: SourceSpec[],
  outputMode: OutputMode,
  catalog: Catalog,
  prefix = 'q0',
): QueryPlan {
  const tokens = significant(query);
  const extra = tokens.findIndex((token, i) => isSymbol(token, ';') && i < tokens.length - 1);
  if (extra >= 0) {
    throw new PlanError(
      'A streaming query is one SQL statement, but there is more after the ";".',
      'Remove the ";" and what follows it.',
      undefined,
      tokens[extra]!.start,
    );
  }
  return planStages(query.trim().replace(/;\s*$/, ''), sources, outputMode, catalog, prefix);
}

/**
 * A query over a stateful query's result. A grouped one is a second stateful operator over what the first
 * emits (Spark 3.4+ chains them in append mode, Flink by the window's rowtime attribute); any other is a
 * stateless query over each batch's emitted rows, such as Flink's window Top-N
 * (`SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ...) ...
 * FROM (<aggregation>)) WHERE rownum <= 3`): exact when the aggregation emits whole windows (append mode) or
 * its whole result (complete mode), and the outer query works window by window.
 */
function planStages(
  sql: string,
  sources: SourceSpec[],
  outputMode: OutputMode,
  catalog: Catalog,
  prefix: string,
): QueryPlan {
  const split = splitUpstream(sql);
  const upstream = split && !ranksRows(split.inner) && planStages(split.inner, sources, outputMode, catalog, prefix);
  if (split && upstream && upstream.stages.some((stage) => stage.kind !== 'stateless')) {
    const last = upstream.stages.at(-1)!;
    const inputTable = `${prefix}_stage${upstream.stages.length}`;
    const aggregating = last.kind === 'aggregate' || last.kind === 'session';
    const chained = split.over(inputTable);
    if (isGrouped(chained, catalog) && !(aggregating && outputMode === 'complete')) {
      checkChain(last, outputMode);
      return { sources: upstream.sources, stages: [...upstream.stages, { kind: 'chained', sql: chained, inputTable }] };
    }
    if (last.kind === 'stateless' && last.inputTable) {
      const merged = split.with(last.sql);
      return {
        sources: upstream.sources,
        stages: [...upstream.stages.slice(0, -1), afterStage(merged, last.inputTable)],
      };
    }
    if (aggregating) {
      checkAfterAggregation(chained, outputMode);
      const stages = [...upstream.stages.slice(0, -1), { ...last, keyItems: [] }, afterStage(chained, inputTable)];
      return { sources: upstream.sources, stages };
    }
  }
  const plan = planSingle(sql, sources, outputMode, catalog, prefix);
  return { sources: plan.sources, stages: [plan] };
}

/**
 * A subquery that ranks a stream's rows (ROW_NUMBER() OVER ...) is no query of its own: with the `rownum = 1`
 * around it, it is Flink's deduplication, planned as one operator.
 */
function ranksRows(sql: string): boolean {
  const clauses = selectClauses(significant(sql));
  return (
    clauses !== null &&
    !isSymbol(clauses.from[0], '(') &&
    clauses.select.some((token, i) => isWord(token, 'ROW_NUMBER') && isWord(clauses.select[i + 3], 'OVER'))
  );
}

/** A stateless query over what the stage before it emitted. */
function afterStage(sql: string, inputTable: string): StatelessPlan {
  const ordered = selectClauses(significant(sql))?.orderBy !== undefined;
  return { kind: 'stateless', sources: [], sql, ordered, inputTable };
}

function isGrouped(sql: string, catalog: Catalog): boolean {
  const tokens = significant(sql);
  const clauses = selectClauses(tokens);
  return clauses?.groupBy !== undefined || findAggregates(tokens, catalog.aggregateFunctions).length > 0;
}

/** Spark's UnsupportedOperationChecker: an aggregation feeds another stateful operator only in append mode. */
function checkChain(upstream: StagePlan, outputMode: OutputMode): void {
  if ((upstream.kind === 'aggregate' || upstream.kind === 'session') && outputMode !== 'append') {
    throw new PlanError(
      'A stateful operator over a streaming aggregation runs only in append mode: in update mode the aggregation re-emits rows the watermark has passed, and the next operator would drop them as late.',
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

/** The upstream query and the query over it: `FROM (SELECT ...)`, or a single `WITH name AS (SELECT ...)`. */
interface Upstream {
  inner: string;
  /** The outer query reading the table the upstream's rows go to. */
  over: (table: string) => string;
  /** The outer query with another query in the upstream's place. */
  with: (sql: string) => string;
}

function splitUpstream(sql: string): Upstream | null {
  const tokens = significant(sql);
  if (isWord(tokens[0], 'WITH') && isWord(tokens[2], 'AS') && isSymbol(tokens[3], '(')) {
    const close = closingBracket(tokens, 3);
    const rest = tokens[close + 1];
    if (close < 0 || !rest || !isWord(rest, 'SELECT') || !isWord(tokens[4], 'SELECT')) return null;
    const name = identifierName(tokens[1]!);
    const inner = sql.slice(tokens[4]!.start, tokens[close - 1]!.end);
    const outer = tokens.slice(close + 1);
    const over = (table: string) =>
      applyEdits(
        sql.slice(rest.start),
        outer
          .filter((token, i) => identifierName(token) === name && !isSymbol(outer[i - 1], '.'))
          .filter((token) => token.kind === 'word' || token.kind === 'quoted')
          .map((token) => ({ start: token.start - rest.start, end: token.end - rest.start, text: table })),
      );
    return { inner, over, with: (body) => sql.slice(0, tokens[4]!.start) + body + sql.slice(tokens[close - 1]!.end) };
  }
  const clauses = selectClauses(tokens);
  if (!clauses || !isSymbol(clauses.from[0], '(')) return null;
  const close = closingBracket(clauses.from, 0);
  const body = clauses.from.slice(1, close);
  if (!isWord(body[0], 'SELECT')) return null;
  const [start, end] = [body[0]!.start, body[body.length - 1]!.end];
  const [open, closed] = [clauses.from[0]!.start, clauses.from[close]!.end];
  return {
    inner: sql.slice(start, end),
    over: (table) => sql.slice(0, open) + table + sql.slice(closed),
    with: (text) => sql.slice(0, start) + text + sql.slice(end),
  };
}

function checkAfterAggregation(after: string, outputMode: OutputMode): void {
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

function planSingle(
  query: string,
  sources: SourceSpec[],
  outputMode: OutputMode,
  catalog: Catalog,
  prefix: string,
): OperatorPlan {
  const sessions = stateTables(prefix).sessions;
  const byName = new Map(sources.map((source) => [source.name.toLowerCase(), source]));
  let sql = query.trim().replace(/;\s*$/, '');
  const tableFunctions = findTableFunctions(sql, significant(sql), catalog.durationOf);
  let window = tableFunctions[0]?.spec;
  if (
    tableFunctions.length > 2 ||
    (tableFunctions.length === 2 && tableFunctions[0]!.spec.source === tableFunctions[1]!.spec.source)
  )
    throw new PlanError(
      'Only one window table function per stream is supported.',
      'Window each stream once, then join or aggregate.',
    );
  for (const call of tableFunctions) requireSource(byName, call.spec.source, call.start);
  sql = applyEdits(
    sql,
    tableFunctions.map((call) => {
      // The relation is named after its stream unless the query names it.
      const next = significant(sql.slice(call.end))[0];
      const named =
        isWord(next, 'AS') || (next?.kind === 'word' && !isWord(next, ...CLAUSE_WORDS)) || next?.kind === 'quoted';
      const columns = byName.get(call.spec.source)?.columns.map(([name]) => name);
      const relation = `(${windowedRelation(call.spec, call.spec.kind === 'session' ? sessions : undefined, columns)})`;
      return { start: call.start, end: call.end, text: named ? relation : `${relation} AS ${quote(call.spec.source)}` };
    }),
  );

  const tokens = significant(sql);
  // Streams by their declared names; a window table function's stream counts as read.
  const used = [...new Set([...tableFunctions.map((call) => call.spec.source), ...streamsUsed(tokens, byName)])].map(
    (name) => byName.get(name)!.name,
  );
  const aggregateCalls = findAggregates(tokens, catalog.aggregateFunctions);
  const clauses = selectClauses(tokens);
  const grouped = clauses?.groupBy !== undefined || aggregateCalls.length > 0;

  const joinsStreams =
    clauses !== null &&
    streamsUsed([{ ...clauses.from[0]!, kind: 'symbol', text: ',' }, ...clauses.from], byName).length >= 2;
  if (used.length === 2 && joinsStreams) {
    if (grouped) {
      throw new PlanError(
        'Aggregating a join of two streams (chained stateful operators) is not supported yet.',
        'Join the streams in one query, or aggregate each stream on its own.',
      );
    }
    if (outputMode !== 'append') {
      throw new PlanError(
        'A join of two streams emits each match once, as it is found: it has only append mode.',
        'Use append mode.',
        'Join between two streaming DataFrames/Datasets is not supported in Update/Complete output mode, only in Append output mode',
      );
    }
    try {
      const windows = new Map(tableFunctions.map((call) => [call.spec.source, call.spec]));
      return planJoin(
        sql,
        tokens,
        used.map((name) => byName.get(name.toLowerCase())!),
        windows,
        catalog.durationOf,
      );
    } catch (error) {
      if (error instanceof JoinShapeError) throw new PlanError(error.message, error.hint);
      throw error;
    }
  }
  if (used.length > 2 && joinsStreams) {
    throw new PlanError('A query can join at most two streams.', 'Join two streams, and the static tables you need.');
  }
  const stream = used.length === 1 ? byName.get(used[0]!.toLowerCase())! : undefined;
  const dedup = stream && !grouped ? planDedup(sql, tokens, stream, stateTables(prefix)) : null;
  if (dedup) {
    if (outputMode === 'complete') {
      throw new PlanError(
        'Deduplication emits each row once and keeps no result table to re-emit.',
        'Use append mode.',
        SPARK_MESSAGES.completeWithoutAggregation,
      );
    }
    if (dedup.style === 'withinWatermark' && !stream!.watermark) {
      throw new PlanError(
        'DEDUPLICATE_WITHIN_WATERMARK forgets a key once the watermark passes its event time plus the delay: it needs a watermark.',
        `Give the source ${stream!.name} a watermark (e.g. "watermark": "10 minutes").`,
      );
    }
    return stream!.watermark ? withWatermarkDelay(dedup, parseDuration(stream!.watermark)!) : dedup;
  }
  if (!grouped && tokens.some((token, i) => isWord(token, 'OVER') && isSymbol(tokens[i + 1], '('))) {
    throw new PlanError(
      'A window function (OVER) over a stream would rank or total rows that never stop coming.',
      'Use a time window (TUMBLE, HOP, window()) and aggregate, the ROW_NUMBER() = 1 deduplication pattern, or rank per window over a windowed aggregation (window Top-N).',
      'Non-time-based windows are not supported on streaming DataFrames/Datasets',
    );
  }

  if (!grouped) {
    if (window?.kind === 'session')
      throw new PlanError(
        'A SESSION window needs an aggregation.',
        'Add GROUP BY window_start, window_end and an aggregate such as count(*).',
      );
    if (outputMode === 'complete') {
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
    return { kind: 'stateless', sources: used, sql, ordered: true };
  }
  if (!clauses)
    throw new PlanError(
      'A streaming aggregation must be a single SELECT ... FROM ... GROUP BY statement.',
      'Move CTEs and set operations out of the aggregating query.',
    );
  if (used.length !== 1)
    throw new PlanError(
      'A streaming aggregation reads exactly one stream.',
      'Aggregate one stream at a time; joins come later.',
    );
  for (const call of aggregateCalls) {
    if (call.distinct)
      throw new PlanError(
        'count(DISTINCT ...) cannot be kept as a running total: the set of values seen would grow without bound.',
        'Use approx_count_distinct(...) instead.',
        SPARK_MESSAGES.distinct,
        call.start,
      );
  }
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
    );

  const source = byName.get(used[0]!.toLowerCase())!;
  const from = streamInFrom(clauses.from, source.name, byName);
  let inputRelation = textOf(sql, clauses.from);
  let keysTokens = clauses.groupBy ? splitTopLevel(clauses.groupBy) : [];
  const selectItems = splitTopLevel(clauses.select);
  const edits: Edit[] = [];

  // Spark: GROUP BY window(ts, ...) assigns windows to the stream's rows and groups by the `window` struct.
  keysTokens = keysTokens.map((key) => {
    if (!(
      key[0] &&
      isWord(key[0], 'WINDOW', 'SESSION_WINDOW') &&
      isSymbol(key[1], '(') &&
      closingBracket(key, 1) === key.length - 1
    ))
      return key;
    if (window)
      throw new PlanError(
        'Only one window per query is supported.',
        'Group by a single window(...).',
        undefined,
        key[0].start,
      );
    if (!from?.range)
      throw new PlanError(
        'window(...) groups the rows of a stream named in FROM.',
        'Write FROM <stream> [alias] ... GROUP BY window(ts, ...), ...',
        undefined,
        key[0].start,
      );
    window = sparkWindow(
      sql,
      key[0].text.toLowerCase(),
      splitTopLevel(key.slice(2, -1)),
      from.source,
      catalog.durationOf,
      key[0].start,
    );
    const column = window.kind === 'session' ? 'session_window' : 'window';
    const columns = source.columns.map(([name]) => name);
    const windowed = `(${windowedRelation(window, window.kind === 'session' ? sessions : undefined, columns)}) AS ${quote(from.alias)}`;
    inputRelation =
      sql.slice(clauses.from[0]!.start, from.range.start) +
      windowed +
      sql.slice(from.range.end, clauses.from.at(-1)!.end);
    return [{ kind: 'quoted', text: quote(column), start: -1, end: -1 }];
  });
  if (window && window.timeColumn !== source.eventTime?.toLowerCase()) {
    throw new PlanError(
      `The window's time column ${window.timeColumn} is not the event-time column of ${source.name}.`,
      `Window by ${source.eventTime ?? "the stream's event-time column (set eventTime on the source)"}.`,
    );
  }
  if (keysTokens.length === 1 && isWord(keysTokens[0]![0], 'ALL') && keysTokens[0]!.length === 1) {
    keysTokens = selectItems
      .filter(
        (item) =>
          !aggregateCalls.some((call) => call.start >= item[0]!.start && call.end <= item[item.length - 1]!.end),
      )
      .map(withoutAlias);
  }
  keysTokens = keysTokens.map((key) => resolveKeyReference(key, selectItems));
  const eventTimeItems = selectItems.map((item) => carriesEventTime(withoutAlias(item), source));
  const keyItems = selectItems.map(
    (item) => !aggregateCalls.some((call) => call.start >= item[0]!.start && call.end <= item[item.length - 1]!.end),
  );

  const keys: GroupKey[] = keysTokens.map((key, i) => ({
    expression: key[0]!.start < 0 ? key[0]!.text : textOf(sql, key),
    column: isColumnReference(key) ? quote(identifierName(key[key.length - 1]!)) : `__k${i}`,
  }));

  const aggregates: PartialAggregate[] = [];
  for (const call of aggregateCalls) {
    const text = sql.slice(call.start, call.end);
    let aggregate = aggregates.find((known) => known.call === text);
    if (!aggregate) {
      const merge = VALUE_MERGES_BY_AGGREGATE[call.name.toLowerCase()] ?? 'combine';
      aggregate = { call: text, column: `__a${aggregates.length}`, merge };
      aggregates.push(aggregate);
    }
    edits.push({
      start: call.start,
      end: call.end,
      text: aggregate.merge === 'combine' ? `finalize(${aggregate.column})` : aggregate.column,
    });
  }
  // Qualified key columns (`p.category`) are read back unqualified from the state table.
  keys.forEach((key, i) => {
    const tokensOfKey = keysTokens[i]!;
    if (key.column === `__k${i}` || tokensOfKey.length !== 3) return;
    for (const match of findSequence(tokens, tokensOfKey, clauses.select[0]!.start)) {
      if (!edits.some((edit) => match.start < edit.end && match.end > edit.start))
        edits.push({ ...match, text: key.column });
    }
  });
  const duplicate = keys.find((key, i) => keys.findIndex((other) => other.column === key.column) !== i);
  if (duplicate) {
    throw new PlanError(
      `Two grouping keys are both named ${duplicate.column}.`,
      'Group by one of them, or rename one in a subquery.',
    );
  }
  // Expression keys (not plain columns) are read back from their state column.
  keys.forEach((key, i) => {
    if (key.column !== `__k${i}`) return;
    for (const match of findSequence(tokens, keysTokens[i]!, clauses.select[0]!.start)) {
      if (!edits.some((edit) => match.start < edit.end && match.end > edit.start))
        edits.push({ ...match, text: key.column });
    }
  });
  const windowEdits: Edit[] = [];
  if (window?.syntax === 'spark') {
    tokens.forEach((token, i) => {
      if (
        isWord(token, 'WINDOW') &&
        !isSymbol(tokens[i + 1], '(') &&
        token.start >= clauses.select[0]!.start &&
        token.start < clauses.from[0]!.start
      ) {
        windowEdits.push({ start: token.start, end: token.end, text: '"window"' });
      }
    });
  }
  edits.push(...windowEdits);

  const rewritten = (part: Token[] | undefined, using = edits) =>
    part && applyEdits(sql, using).slice(...shifted(sql, using, part));
  const whereSql = clauses.where ? ` WHERE ${textOf(sql, clauses.where)}` : '';
  const groupSql = keys.length ? ` GROUP BY ${keys.map((key) => key.expression).join(', ')}` : '';
  const havingSql = clauses.having ? ` HAVING ${rewritten(clauses.having, windowEdits)}` : '';
  const alias = from?.alias ?? source.name;
  if (window?.kind === 'session') {
    if (outputMode === 'update') {
      throw new PlanError(
        'Update mode would re-emit sessions that later merge into others: the rows emitted earlier would no longer exist.',
        'Use append mode (each session once, when it closes) or complete mode.',
        SPARK_MESSAGES.updateSession,
      );
    }
    if (outputMode === 'append' && !source.watermark) {
      throw new PlanError(
        'Append mode emits a session once it is closed, and only a watermark can tell that it is.',
        `Give the source ${source.name} a watermark (e.g. "watermark": "10 seconds"), or use complete mode.`,
        SPARK_MESSAGES.appendWithoutWatermark,
      );
    }
    if (window.syntax === 'spark' && keys.length < 2) {
      throw new PlanError(
        'session_window(...) needs another grouping key: sessions are per user, per device...',
        "Group by the session and a key, e.g. GROUP BY session_window(ts, '5 minutes'), user_id.",
      );
    }
    const partitionBy =
      window.syntax === 'flink'
        ? window.partitionBy.map(quote)
        : keys.filter((key) => key.column !== '"session_window"').map((key) => key.expression);
    return {
      kind: 'session',
      sources: used,
      window,
      alias,
      input: `SELECT * FROM ${quote(source.name)} AS ${quote(alias)}${whereSql}`,
      partitionBy,
      reference: `SELECT ${rewritten(clauses.select, windowEdits)} FROM ${inputRelation}${whereSql}${groupSql}${havingSql}${
        clauses.orderBy ? ` ORDER BY ${textOf(sql, clauses.orderBy)}` : ''
      }${clauses.limit ? ` LIMIT ${textOf(sql, clauses.limit)}` : ''}`,
      ordered: clauses.orderBy !== undefined,
      lateFrom: { ...lateFrom(source, alias), eventTimeColumn: source.eventTime! },
      keyItems,
      eventTimeItems,
    };
  }
  const eventTime = eventTimeOf(window, keys, source);
  if (outputMode === 'append' && (!eventTime || !source.watermark)) {
    throw new PlanError(
      'Append mode emits each result row once, when it is final; without a watermark on the grouped event time, no row ever becomes final.',
      source.watermark
        ? `Group by a window over ${source.eventTime} (or by ${source.eventTime} itself), or use update or complete mode.`
        : `Give the source ${source.name} a watermark (e.g. "watermark": "10 seconds"), or use update or complete mode.`,
      SPARK_MESSAGES.appendWithoutWatermark,
    );
  }
  return {
    kind: 'aggregate',
    sources: used,
    ...(window && { window }),
    reference: `SELECT ${rewritten(clauses.select, windowEdits)} FROM ${inputRelation}${whereSql}${groupSql}${havingSql}`,
    from: inputRelation,
    ...(clauses.where && { where: textOf(sql, clauses.where) }),
    alias,
    keys,
    aggregates,
    output: rewritten(clauses.select)!,
    ...(clauses.having && { having: rewritten(clauses.having) }),
    ...(clauses.orderBy && { orderBy: rewritten(clauses.orderBy) }),
    ...(clauses.limit && { limit: textOf(sql, clauses.limit) }),
    eventTime,
    lateFrom: lateFrom(source, alias),
    keyItems,
    eventTimeItems,
  };
}

const WINDOW_ROWTIMES = new Set([
  'window_end',
  'window_time',
  'window.end',
  'window_time(window)',
  'session_window.end',
  'window_time(session_window)',
]);

/**
 * Whether a select item is an event time the watermark has passed once its row is emitted: the window's end,
 * its window_time (end − 1 ms in Flink, end − 1 µs in Spark), or an event-time grouping key.
 */
function carriesEventTime(item: Token[], source: SourceSpec): boolean {
  const text = item
    .map((token) => (token.kind === 'quoted' ? identifierName(token) : token.text.toLowerCase()))
    .join('');
  return WINDOW_ROWTIMES.has(text) || (source.eventTime !== undefined && text === source.eventTime.toLowerCase());
}

/** The output columns of a stage that carry its rows' event time, of its output columns `names`. */
export function outputEventTimes(stage: StagePlan, names: string[]): string[] {
  const lower = (name: string) => name.toLowerCase();
  switch (stage.kind) {
    case 'aggregate':
    case 'session':
      return names.filter((_, i) => stage.eventTimeItems[i]);
    case 'dedup':
      return names.filter((name) => lower(name) === lower(stage.lateFrom.eventTimeColumn ?? ''));
    case 'join':
      // `*` items name several columns each: then the columns named as a side's event time.
      return stage.eventTimeItems.length === names.length
        ? names.filter((_, i) => stage.eventTimeItems[i])
        : names.filter((name) => stage.sides.some((side) => lower(side.eventTimeColumn) === lower(name)));
    default:
      return [];
  }
}

/**
 * Plans a chained stage over the rows its upstream emits: they are its stream, with the event time the outer
 * query windows or groups by (window_time preferred) and the upstream's watermark.
 */
export function planChained(
  stage: ChainedPlan,
  upstream: { id: string; columns: ColumnSpec[]; eventTimes: string[] },
  outputMode: OutputMode,
  catalog: Catalog,
  prefix: string,
): OperatorPlan {
  const tokens = significant(stage.sql);
  const names = (keep: (token: Token, i: number) => boolean) =>
    new Set(
      tokens
        .filter((token, i) => (token.kind === 'word' || token.kind === 'quoted') && keep(token, i))
        .map(identifierName),
    );
  // The column a window is over (DESCRIPTOR(c), window(c, ...)); else any it names, as an event-time key.
  const windowed = names(
    (_, i) => isSymbol(tokens[i - 1], '(') && isWord(tokens[i - 2], 'DESCRIPTOR', 'WINDOW', 'SESSION_WINDOW'),
  );
  const named = names(() => true);
  const eventTime =
    upstream.eventTimes.find((name) => windowed.has(name.toLowerCase())) ??
    upstream.eventTimes.find((name) => named.has(name.toLowerCase()));
  if (!eventTime) {
    throw new PlanError(
      `A stateful operator over ${upstream.id} needs the event time of the rows ${upstream.id} emits, and the outer query uses none of ${upstream.eventTimes.join(', ') || 'them (it selects none)'}.`,
      'Select the window’s time in the inner query (Flink: window_time, grouped by; Spark: window_time(window) AS wt) and window the outer query by it.',
    );
  }
  const stream: SourceSpec = { name: stage.inputTable, columns: upstream.columns, eventTime, watermark: '0 seconds' };
  const plan = planSingle(stage.sql, [stream], outputMode, catalog, prefix);
  if (plan.kind !== 'aggregate' && plan.kind !== 'session' && plan.kind !== 'dedup')
    throw new PlanError(
      `The query over ${upstream.id} is not one stateful operator (an aggregation, a session window or a deduplication).`,
      'Aggregate, sessionize or deduplicate the rows of the inner query, or run the two queries on their own.',
    );
  // Late rows of this stage are rows its upstream emitted: they are reported as that operator's.
  plan.inputTable = stage.inputTable;
  plan.lateFrom.source = upstream.id;
  return plan;
}

function requireSource(byName: Map<string, SourceSpec>, name: string, at: number): void {
  if (!byName.has(name))
    throw new PlanError(
      `There is no stream named ${name}.`,
      `Streams: ${[...byName.values()].map((s) => s.name).join(', ') || 'none'}.`,
      undefined,
      at,
    );
}

/** Streams read by the tokens; `anywhere`: wherever a stream is named, not only after FROM, JOIN, TABLE or a comma. */
function streamsUsed(tokens: Token[], byName: Map<string, SourceSpec>, anywhere = false): string[] {
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

interface AggregateCall {
  name: string;
  start: number;
  end: number;
  distinct: boolean;
}

/** Aggregate calls, with their FILTER clause; calls followed by OVER are window functions, not aggregates. */
function findAggregates(tokens: Token[], aggregateFunctions: Set<string>): AggregateCall[] {
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

const CLAUSE_WORDS = [
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
const NOT_AN_ALIAS = [
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

interface StreamReference {
  source: string;
  alias: string;
  /** Character range of `stream [AS] alias` in the query text; absent for a window table function's relation. */
  range?: { start: number; end: number };
}

/** Where FROM reads the stream: as `stream [AS] alias`, or as a window table function's `(...) [AS] alias`. */
function streamInFrom(from: Token[], source: string, byName: Map<string, SourceSpec>): StreamReference | null {
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

function isColumnReference(key: Token[]): boolean {
  const names = key.filter((_, i) => i % 2 === 0);
  const dots = key.filter((_, i) => i % 2 === 1);
  return (
    names.every((t) => t.kind === 'word' || t.kind === 'quoted') &&
    dots.every((t) => isSymbol(t, '.')) &&
    key.length % 2 === 1 &&
    key.length <= 3
  );
}

function withoutAlias(item: Token[]): Token[] {
  const as = item.findIndex((token, i) => isWord(token, 'AS') && i === item.length - 2);
  if (as > 0) return item.slice(0, as);
  return item;
}

/** GROUP BY 1 or GROUP BY <select alias> stand for a select item's expression. */
function resolveKeyReference(key: Token[], selectItems: Token[][]): Token[] {
  if (key.length !== 1) return key;
  const [token] = key;
  if (token!.kind === 'number') {
    const item = selectItems[Number(token!.text) - 1];
    return item ? withoutAlias(item) : key;
  }
  for (const item of selectItems) {
    const alias = item[item.length - 1]!;
    if (item.length >= 3 && isWord(item[item.length - 2], 'AS') && identifierName(alias) === identifierName(token!))
      return item.slice(0, -2);
  }
  return key;
}

function findSequence(tokens: Token[], sequence: Token[], from: number): { start: number; end: number }[] {
  const same = (a: Token, b: Token) => a.text.toLowerCase() === b.text.toLowerCase();
  const matches: { start: number; end: number }[] = [];
  for (let i = 0; i + sequence.length <= tokens.length; i++) {
    if (tokens[i]!.start < from) continue;
    if (sequence.every((token, j) => same(tokens[i + j]!, token))) {
      matches.push({ start: tokens[i]!.start, end: tokens[i + sequence.length - 1]!.end });
    }
  }
  return matches;
}

/** The character range of `part` once the edits before and inside it are applied. */
function shifted(sql: string, edits: Edit[], part: Token[]): [number, number] {
  const start = part[0]!.start;
  const end = part[part.length - 1]!.end;
  const delta = (upTo: number) =>
    edits.filter((edit) => edit.end <= upTo).reduce((sum, edit) => sum + edit.text.length - (edit.end - edit.start), 0);
  return [start + delta(start), end + delta(end)];
}

function eventTimeOf(window: WindowSpec | undefined, keys: GroupKey[], source: SourceSpec): AggregatePlan['eventTime'] {
  if (window?.syntax === 'flink') {
    return keys.some((key) => key.column === '"window_end"') ? { input: 'window_end', state: '"window_end"' } : null;
  }
  if (window?.syntax === 'spark') return { input: '"window"."end"', state: '"window"."end"' };
  const eventColumn = source.eventTime && quote(source.eventTime.toLowerCase());
  const key = keys.find((k) => k.column === eventColumn);
  return key ? { input: key.expression, state: key.column } : null;
}
