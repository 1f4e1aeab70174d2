import type { ColumnSpec, OutputMode, SourceSpec } from '../scenario';
import { selectClauses } from '../sql/select';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  lineAndColumn,
  offsetBeforeEdits,
  significant,
  type Edit,
  type Token,
} from '../sql/tokens';
import { QueryShapeError, rewrittenFrom, type DurationOf, type WindowSpec } from '../sql/windows';
import { planAggregation } from './aggregation';
import { analyse, findAggregates, type Analysis } from './analysis';
import { planDedup, withWatermarkDelay, type DedupPlan } from './dedup';
import { JoinShapeError, planJoin, type JoinPlan } from './join';
import { checkWindowFunctionsOverJoin, planOver, type OverPlan } from './over';
import { checkRankedHaving, planRank, rankUpdates, type RankPlan } from './rank';
import { planWindowRank, type WindowRankPlan } from './window-rank';
import { withProcessingTime } from '../sql/proctime';
import { planSessionRows } from './session-tvf';
import type { LateRowSource } from './operators/statements';
import {
  checkAfterAggregation,
  checkChain,
  checkDedup,
  checkDedupResult,
  checkClauses,
  checkJoin,
  checkJoinTypes,
  checkProcessingTimeWindow,
  checkSetOperations,
  checkStateless,
  PlanError,
  SPARK_MESSAGES,
} from './rules';

export { FlinkRuleError, PlanError, SPARK_MESSAGES } from './rules';

/** What the planner needs to know from the database. */
export interface Catalog {
  aggregateFunctions: Set<string>;
  durationOf: DurationOf;
  /** Whether the database has a table or view of this name (a static table, say). */
  hasRelation: (name: string) => boolean;
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
   * min/max/first/last/any_value keep the value itself, merged with `MERGE_SQL`; a distinct aggregate keeps its
   * value, recomputed from the group's distinct values; the rest keep DuckDB's exported state (`combine`). An
   * exported state of a text value would point into a freed batch.
   */
  merge: keyof typeof VALUE_MERGES | 'combine' | 'distinct';
  /**
   * A distinct aggregate (`count(DISTINCT x) FILTER (WHERE ...)`), as Flink keeps it: its distinct values per group
   * in the column `__v<index>` of the distinct-values table, and the aggregate over them.
   */
  distinct?: DistinctAggregate;
}

export interface DistinctAggregate {
  index: number;
  /** The expression whose distinct values are kept. */
  value: string;
  /** The rows it reads: its FILTER (WHERE ...) condition. */
  filter?: string;
  /** The aggregate over a group's distinct values, `__v<index>`. */
  over: string;
}

/** How a batch's value `p` merges into the state's value `s` of the same key. */
export const VALUE_MERGES = {
  least: (s: string, p: string) => `least(${s}, ${p})`,
  greatest: (s: string, p: string) => `greatest(${s}, ${p})`,
  earliest: (s: string) => s,
  latest: (_s: string, p: string) => p,
  coalesce: (s: string, p: string) => `coalesce(${s}, ${p})`,
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
  /** A processing-time window: the bound above is its end, and the batch's processing time closes it, not a watermark. */
  processingTime?: boolean;
  /** The input's rows as the user sent them, to report late rows. */
  lateFrom: LateRowSource;
  /** Which select items hold no aggregate: the output columns that identify a result row. */
  keyItems: boolean[];
  /** Which select items carry the rows' event time (the window's end or window_time): a chained operator's rowtime. */
  eventTimeItems: boolean[];
  /** A sliding or cumulating window aggregated by panes; absent when it cannot be. */
  panes?: PanePlan;
  /**
   * GROUPING SETS, ROLLUP or CUBE (Flink's, in a window aggregation): the join that repeats each row once per set
   * for aggregating (not for reporting late rows), and the GROUP BY's items as EXPLAIN shows them.
   */
  groupingSets?: { expansion: string; keys: string[] };
}

/**
 * Panes (Flink's slices): tumbling windows of the gcd of a sliding or cumulating window's size and slide. A batch
 * aggregates each key's rows per pane, then merges each window's panes, so that a row is aggregated once, not once
 * per window. Only when no key but the window's own, no WHERE and no aggregate reads the window's columns.
 */
export interface PanePlan {
  /** The FROM clause over the batch, each row assigned to its pane under the window's column names. */
  from: string;
  /** The pane's start over those rows. */
  start: string;
  /** Which of the keys are the window's columns, read from each pane's windows. */
  windowKeys: boolean[];
}

/** Session windows: open sessions are the state, merged with the sessions of each batch. */
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
  /** Whether it has distinct aggregates (run as Flink runs them, over the sessions' rows). */
  distinct: boolean;
  /** Open sessions kept as their bounds and partial aggregates; absent when an aggregate does not merge. */
  merging?: SessionMerge;
  /** Flink's SESSION table function without an aggregation: each row comes out with its session once it closes. */
  rowsOnly?: boolean;
}

/**
 * Sessions kept as their bounds and partial aggregates: a batch aggregates its own sessions, then merges them
 * with the open sessions they overlap or touch. Only when the keys are the partition and the window's columns,
 * and no aggregate reads the window's columns.
 */
export interface SessionMerge {
  /** The partition keys: their expressions over a row, and the state columns that keep them. */
  keys: GroupKey[];
  aggregates: PartialAggregate[];
  /** Over the state with the window's columns (as `alias`): the user's select list, aggregates finalised. */
  output: string;
  having?: string;
  orderBy?: string;
  limit?: string;
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
export type OperatorPlan =
  StatelessPlan | AggregatePlan | SessionPlan | DedupPlan | JoinPlan | OverPlan | WindowRankPlan | RankPlan;

/** A stage of a query's pipeline: an operator's plan, or a chained one still to be planned. */
export type StagePlan = OperatorPlan | ChainedPlan;

/** A query's pipeline: the streams it reads and its operators in order, each reading the one before. */
export interface QueryPlan {
  sources: string[];
  stages: StagePlan[];
  /** Whether it reads the batch's processing time (PROCTIME(), current_timestamp()). */
  readsClock?: boolean;
}

/** The tables a query's plan reads and writes, named after the query. */
export function stateTables(prefix: string) {
  return {
    state: `${prefix}_state`,
    input: `${prefix}_input`,
    emitted: `${prefix}_emitted`,
    partial: `${prefix}_partial`,
    distinct: `${prefix}_distinct`,
    touched: `${prefix}_touched`,
    sessions: `${prefix}_sessions`,
    panes: `${prefix}_panes`,
    left: `${prefix}_left`,
    right: `${prefix}_right`,
    matches: `${prefix}_matches`,
  };
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
  try {
    const clocked = withProcessingTime(statementOf(query), sources);
    const plan = rewrittenFrom(clocked.origin, () =>
      planStages(clocked.sql, clocked.sources, outputMode, catalog, prefix),
    );
    return { ...plan, readsClock: clocked.readsClock };
  } catch (error) {
    if (error instanceof QueryShapeError && error.at !== undefined) error.position = lineAndColumn(query, error.at);
    throw error;
  }
}

/** The one statement of a query, as written up to its last token: no ";" after it, nor comments. */
function statementOf(query: string): string {
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
  const last = isSymbol(tokens.at(-1), ';') ? tokens.at(-2) : tokens.at(-1);
  return query.slice(0, last?.end ?? 0);
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
  feedsAnother = false,
): QueryPlan {
  if (!feedsAnother) checkWindowFunctionsOverJoin(sql, sources);
  const ranked = outputMode === 'update' && !feedsAnother && topNOverAggregation(sql, sources, catalog, prefix);
  if (ranked) return ranked;
  const split = splitUpstream(sql);
  const upstream =
    split &&
    !ranksRows(split.inner) &&
    rewrittenFrom(
      (at) => at + split.innerAt,
      () => planStages(split.inner, sources, outputMode, catalog, prefix, true),
    );
  if (split && upstream && upstream.stages.some((stage) => stage.kind !== 'stateless')) {
    const last = upstream.stages.at(-1)!;
    if (last.kind === 'rank')
      throw new PlanError(
        'A query over a Top-N’s rows is not supported yet: they are changes to a ranking, not rows to go on with.',
        'Select, filter and order in the Top-N’s own outer query: SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rownum FROM stream) WHERE rownum <= N.',
      );
    const inputTable = `${prefix}_stage${upstream.stages.length}`;
    const aggregating = last.kind === 'aggregate' || last.kind === 'session';
    const readingInput = split.over(inputTable);
    const chained = applyEdits(sql, readingInput);
    const inOuterQuery = (at: number) => offsetBeforeEdits(readingInput, at);
    if (keepsState(chained, catalog) && !(aggregating && outputMode === 'complete')) {
      if (last.kind === 'over')
        throw new PlanError(
          'A stateful operator over an OVER aggregation’s rows is not supported yet.',
          'Aggregate the stream itself, or filter and project the OVER aggregation’s rows (SELECT ... FROM (<OVER aggregation>) WHERE ...).',
        );
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
      if (aggregates(chained, catalog)) checkChain(last, outputMode);
      rewrittenFrom(inOuterQuery, () => checkAfterAggregation(chained, outputMode));
      const stages = [...upstream.stages.slice(0, -1), { ...last, keyItems: [] }, afterStage(chained, inputTable)];
      return { sources: upstream.sources, stages };
    }
    // A deduplication emits each row once: a query over its rows is stateless, as a projection after Spark's
    // dropDuplicates (StreamingDeduplicationSuite's `.dropDuplicates().select(...)`); so do an OVER aggregation and
    // a window Top-N.
    if (last.kind === 'dedup' || last.kind === 'over' || last.kind === 'windowRank') {
      rewrittenFrom(inOuterQuery, () => checkStateless(analyse(chained, [], catalog, ''), outputMode));
      return { sources: upstream.sources, stages: [...upstream.stages, afterStage(chained, inputTable)] };
    }
  }
  const plan = planSingle(sql, sources, outputMode, catalog, prefix, feedsAnother);
  return { sources: plan.sources, stages: [plan] };
}

/**
 * Flink's Top-N over an updating aggregation (RetractableTopNFunction), in update mode:
 * `SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rownum FROM (<aggregation>)) WHERE rownum <= N`, the
 * aggregation then the ranking of the rows it updates; null for any other query.
 */
function topNOverAggregation(sql: string, sources: SourceSpec[], catalog: Catalog, prefix: string): QueryPlan | null {
  const topN = splitUpstream(sql);
  const ranking = topN && splitUpstream(topN.inner);
  const inputTable = `${prefix}_stage1`;
  if (!ranking) return null;
  const ranked = applyEdits(topN.inner, ranking.over(inputTable));
  if (!ranksRows(ranked)) return null;
  const upstream = rewrittenFrom(
    (at) => at + topN.innerAt + ranking.innerAt,
    () => planStages(ranking.inner, sources, 'update', catalog, prefix, true),
  );
  const [aggregation, ...rest] = upstream.stages;
  // A ranking of a window aggregation's windows is Flink's window Top-N, in append mode.
  if (aggregation?.kind !== 'aggregate' || aggregation.window || rest.length) return null;
  checkRankedHaving(aggregation.having);
  const stages = [aggregation, { kind: 'chained' as const, sql: topN.with(ranked), inputTable }];
  return { sources: upstream.sources, stages };
}

/**
 * A subquery that ranks a stream's rows (ROW_NUMBER() OVER ...) is no query of its own: with the `rownum = 1`
 * around it, it is Flink's deduplication, with `rownum <= N` its Top-N, planned as one operator.
 */
function ranksRows(sql: string): boolean {
  const clauses = selectClauses(significant(sql));
  return (
    clauses !== null &&
    !isSymbol(clauses.from[0], '(') &&
    clauses.select.some(
      (token, i) => isWord(token, 'ROW_NUMBER', 'RANK', 'DENSE_RANK') && isWord(clauses.select[i + 3], 'OVER'),
    )
  );
}

/** A stateless query over what the stage before it emitted. */
function afterStage(sql: string, inputTable: string): StatelessPlan {
  const ordered = selectClauses(significant(sql))?.orderBy !== undefined;
  return { kind: 'stateless', sources: [], sql, ordered, inputTable };
}

/** Whether a query over a stage is a stateful operator of its own: an aggregation or a deduplication. */
function keepsState(sql: string, catalog: Catalog): boolean {
  return aggregates(sql, catalog) || selectClauses(significant(sql))?.distinct === true;
}

function aggregates(sql: string, catalog: Catalog): boolean {
  const tokens = significant(sql);
  return selectClauses(tokens)?.groupBy !== undefined || findAggregates(tokens, catalog.aggregateFunctions).length > 0;
}

/** The upstream query and the query over it: `FROM (SELECT ...)`, or a single `WITH name AS (SELECT ...)`. */
interface Upstream {
  inner: string;
  /** Where `inner` starts in the query. */
  innerAt: number;
  /** The edits of the query that make the outer query, reading the table the upstream's rows go to. */
  over: (table: string) => Edit[];
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
    const [start, end] = [tokens[4]!.start, tokens[close - 1]!.end];
    const outer = tokens.slice(close + 1);
    const over = (table: string) => [
      { start: 0, end: rest.start, text: '' },
      ...outer
        .filter((token, i) => identifierName(token) === name && !isSymbol(outer[i - 1], '.'))
        .filter((token) => token.kind === 'word' || token.kind === 'quoted')
        .map((token) => ({ start: token.start, end: token.end, text: table })),
    ];
    return {
      inner: sql.slice(start, end),
      innerAt: start,
      over,
      with: (body) => sql.slice(0, start) + body + sql.slice(end),
    };
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
    innerAt: start,
    over: (table) => [{ start: open, end: closed, text: table }],
    with: (text) => sql.slice(0, start) + text + sql.slice(end),
  };
}

/**
 * Plans a query of one operator: analysis, Spark's rules, then the choice of operator. One that feeds another
 * stateful operator (a deduplication before an aggregation) is checked against the output mode by the last one.
 */
function planSingle(
  query: string,
  sources: SourceSpec[],
  outputMode: OutputMode,
  catalog: Catalog,
  prefix: string,
  feedsAnother = false,
): OperatorPlan {
  const analysis = analyse(query, sources, catalog, stateTables(prefix).sessions);
  return rewrittenFrom(analysis.origin, () =>
    planAnalysed(analysis, sources, outputMode, catalog, prefix, feedsAnother),
  );
}

function planAnalysed(
  analysis: Analysis,
  sources: SourceSpec[],
  outputMode: OutputMode,
  catalog: Catalog,
  prefix: string,
  feedsAnother: boolean,
): OperatorPlan {
  const tables = stateTables(prefix);
  const { used, sql, tokens } = analysis;
  // A query that is not even a SELECT is left to DuckDB, which names the syntax error.
  if (used.length === 0 && isWord(tokens[0], 'SELECT')) checkRelationsExist(tokens, sources, catalog);
  if (used.length === 0 && isWord(tokens[0], 'SELECT', 'WITH'))
    throw new PlanError(
      'The query reads no stream, only static tables: it has no batches to run.',
      `Read a stream in FROM${sources.length ? ` (${sources.map((source) => source.name).join(', ')})` : ''}.`,
      SPARK_MESSAGES.noStream,
    );
  checkSetOperations(analysis);
  checkJoinTypes(analysis);
  checkClauses(analysis, outputMode);
  const clocked = analysis.tableFunctions.find((call) => call.spec.processingTime)?.spec;
  if (analysis.joinsStreams) {
    if (clocked) checkProcessingTimeWindow(clocked, 'window join');
    checkJoin(analysis, outputMode);
    try {
      const windows = new Map(analysis.tableFunctions.map((call) => [call.spec.source, call.spec]));
      const streams = used.map((name) => analysis.sources.get(name.toLowerCase())!);
      return planJoin(sql, tokens, streams, windows, catalog.durationOf);
    } catch (error) {
      if (error instanceof JoinShapeError) throw new PlanError(error.message, error.hint, error.spark);
      throw error;
    }
  }
  const stream = used.length === 1 ? analysis.sources.get(used[0]!.toLowerCase())! : undefined;
  const dedup = stream && !analysis.grouped ? planDedup(sql, tokens, stream, tables) : null;
  if (dedup) {
    checkDedup(dedup, stream!);
    if (!feedsAnother) checkDedupResult(outputMode);
    return stream!.watermark ? withWatermarkDelay(dedup, BigInt(stream!.watermark.us)) : dedup;
  }
  if (!analysis.grouped) {
    const ranked = stream && planWindowRank(analysis, stream, outputMode);
    if (ranked) return ranked;
    const topN = stream && planRank(analysis, stream, outputMode);
    if (topN) return topN;
    const over = stream && planOver(analysis, stream, outputMode, catalog);
    if (over) return over;
    checkStateless(analysis, outputMode, feedsAnother);
    const sessionRows = stream && planSessionRows(analysis, stream, outputMode);
    if (sessionRows) return sessionRows;
    return { kind: 'stateless', sources: used, sql, ordered: true };
  }
  return planAggregation(analysis, outputMode, catalog);
}

/** Each name read after FROM or JOIN is a stream or a table: a misspelt stream reads nothing, not a static table. */
function checkRelationsExist(tokens: Token[], sources: SourceSpec[], catalog: Catalog): void {
  const missing = tokens.find(
    (token, i) =>
      (token.kind === 'word' || token.kind === 'quoted') &&
      isWord(tokens[i - 1], 'FROM', 'JOIN') &&
      !isSymbol(tokens[i + 1], '(') &&
      !isSymbol(tokens[i + 1], '.') &&
      !catalog.hasRelation(identifierName(token)),
  );
  if (missing)
    throw new PlanError(
      `There is no stream or table named ${missing.text}.`,
      `Streams: ${sources.map((source) => source.name).join(', ') || 'none'}.`,
      undefined,
      missing.start,
    );
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
  upstream: { id: string; columns: ColumnSpec[]; eventTimes: string[]; aggregated: boolean; keys: string[] },
  outputMode: OutputMode,
  catalog: Catalog,
  prefix: string,
): OperatorPlan {
  if (upstream.aggregated && outputMode === 'update') {
    const plan = planSingle(
      stage.sql,
      [{ name: stage.inputTable, columns: upstream.columns }],
      outputMode,
      catalog,
      prefix,
    );
    if (plan.kind === 'rank') return { ...rankUpdates(plan, upstream.keys), inputTable: stage.inputTable };
  }
  const tokens = significant(stage.sql);
  const names = (keep: (token: Token, i: number) => boolean) =>
    new Set(
      tokens
        .filter((token, i) => (token.kind === 'word' || token.kind === 'quoted') && keep(token, i))
        .map((token) => identifierName(token).toLowerCase()),
    );
  // The column a window is over (DESCRIPTOR(c), window(c, ...)); else any it names, as an event-time key.
  const windowed = names(
    (_, i) => isSymbol(tokens[i - 1], '(') && isWord(tokens[i - 2], 'DESCRIPTOR', 'WINDOW', 'SESSION_WINDOW'),
  );
  const named = names(() => true);
  const eventTime =
    upstream.eventTimes.find((name) => windowed.has(name.toLowerCase())) ??
    upstream.eventTimes.find((name) => named.has(name.toLowerCase()));
  if (!eventTime && upstream.aggregated) {
    throw new PlanError(
      `A stateful operator over ${upstream.id} needs the event time of the rows ${upstream.id} emits, and the outer query uses none of ${upstream.eventTimes.join(', ') || 'them (it selects none)'}.`,
      'Select the window’s time in the inner query (Flink: window_time, grouped by; Spark: window_time(window) AS wt) and window the outer query by it.',
    );
  }
  // Rows a deduplication emits, their event time left out, are a stream without a watermark (Spark: no column
  // carries one), as for StreamingDeduplicationSuite's "multiple deduplicates".
  const stream: SourceSpec = {
    name: stage.inputTable,
    columns: upstream.columns,
    ...(eventTime && { eventTime, watermark: { text: '0 seconds', us: 0 } }),
  };
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
