import type {
  BatchReport,
  BatchWarning,
  Progress,
  QueryInfo,
  StateOperatorProgress,
  StatePage,
  StateRequest,
} from '../../protocol';
import type { Database } from '../database';
import { triggerIntervalMs, type OutputMode, type QuerySpec, type Scenario, type SourceSpec } from '../scenario';
import { formatTimestampMicros, tableToJsonRows, type JsonValue } from '../values';
import { QueryShapeError } from '../sql/windows';
import { planQuery, type Catalog, type QueryPlan } from './plan';
import { emptyInput, type SourceBatchStats } from './sources';
import { END_OF_TIME, formatWatermark, WatermarkTracker } from './watermark';
import { existingTables, exportTable, importTable, type QueryCheckpoint } from '../checkpoint';
import { Pipeline } from './pipeline';
import { keepArrow, lastLateRows } from '../../live-batch';
import { EVICT_AT, type BatchWatermarks } from './operators/operator';
import { Statements, timestampSql } from './operators/statements';
import { CLOCK_TABLE, processingUs } from '../sql/proctime';
import { identifierName, sameName, significant, tokenize, type Token } from '../sql/tokens';

/**
 * DuckDB marks an error in the SQL it ran (`LINE n: <text>` and a caret); when that SQL is a rewrite of the
 * user's, the same mark in the user's text, at the first occurrence of the marked name, string or number (names
 * compared as DuckDB resolves them, quoted or not); empty when the user's text has none.
 */
function markInUserText(duckdbMessage: string, userSql: string): string {
  const mark = /LINE \d+: ([^\n]*)\n( *)\^/.exec(duckdbMessage);
  if (!mark) return '';
  const column = mark[2]!.length - (mark[0].indexOf(':') + 2);
  const marked = tokenize(mark[1]!.slice(column))[0];
  if (!marked || marked.kind === 'symbol' || marked.kind === 'space') return '';
  const named = (token: Token) => token.kind === 'word' || token.kind === 'quoted';
  const same = (token: Token) =>
    named(marked)
      ? named(token) && sameName(identifierName(token), identifierName(marked))
      : token.text === marked.text;
  const found = significant(userSql).find(same);
  if (!found) return '';
  const before = userSql.slice(0, found.start).split('\n');
  const lineText = userSql.split('\n')[before.length - 1]!;
  const prefix = `LINE ${before.length}: `;
  return `\n\n${prefix}${lineText}\n${' '.repeat(prefix.length + before.at(-1)!.length)}^`;
}

function formatBytes(bytes: number): string {
  const [unit, size] =
    bytes >= 2 ** 30
      ? ['GiB', 2 ** 30]
      : bytes >= 2 ** 20
        ? ['MiB', 2 ** 20]
        : bytes >= 2 ** 10
          ? ['KiB', 2 ** 10]
          : ['bytes', 1];
  return `${Math.round((bytes / size) * 10) / 10} ${unit}`;
}

/**
 * One streaming query: its pipeline of operators, their state and the query's watermark. Each `runBatch` reads
 * the streams' batch tables and emits what Spark's micro-batch would emit in the query's output mode.
 */
export class StreamingQuery {
  private nextBatchId: number;
  private lateWatermark: bigint;
  /** The watermark the last batch ran with, to tell whether a no-data batch is due. */
  private lastBatchWatermark: bigint;
  readonly columns: string[];
  readonly outputMode: OutputMode;
  readonly name: string;
  /** The query as the user wrote it, where DuckDB's errors are marked. */
  private readonly sql: string;
  private readonly pipeline: Pipeline;
  /** The sources the pipeline reads, in the order its EXPLAIN lists them. */
  private readonly sourceIds: string[];
  private readonly statements: Statements;
  /** How many quarters of the memory limit the state had reached when last warned about. */
  private stateQuartersWarned = 0;
  private readonly memoryLimitBytes: number;

  private constructor(
    private readonly db: Database,
    readonly plan: QueryPlan,
    private readonly scenario: Scenario,
    spec: QuerySpec,
    private readonly watermark: WatermarkTracker,
    prefix: string,
    catalog: Catalog,
    checkpoint?: QueryCheckpoint,
  ) {
    this.name = spec.name;
    this.sql = spec.query;
    this.outputMode = spec.outputMode;
    this.memoryLimitBytes = db.memoryLimitBytes();
    this.nextBatchId = checkpoint?.nextBatchId ?? 0;
    this.lateWatermark = checkpoint?.lateWatermark ?? 0n;
    this.lastBatchWatermark = checkpoint?.lastBatchWatermark ?? 0n;
    this.statements = new Statements(db);
    try {
      this.pipeline = Pipeline.build(this.statements, plan, spec.outputMode, prefix, catalog);
      this.columns = this.pipeline.columns();
      this.sourceIds = this.pipeline
        .explain(scenario.sources)
        .filter((operator) => operator.kind === 'source')
        .map((operator) => operator.id);
    } catch (error) {
      throw inUserText(error, this.sql);
    }
    const tables = this.pipeline.stateTables();
    for (const [role, ipc] of Object.entries(checkpoint?.tables ?? {})) importTable(db, tables[role]!, ipc);
  }

  /** Plans the scenario's query and checks it as Spark checks it before the first batch. */
  static start(
    db: Database,
    scenario: Scenario,
    spec: QuerySpec,
    catalog: Catalog,
    prefix: string,
    checkpoint?: QueryCheckpoint,
  ): StreamingQuery {
    const plan = planQuery(spec.query, scenario.sources, spec.outputMode, catalog, prefix);
    if (plan.readsClock) db.query(`CREATE TEMP TABLE IF NOT EXISTS ${CLOCK_TABLE} AS SELECT NULL::TIMESTAMP AS t`);
    const inputs = scenario.sources.flatMap(({ name, watermark }) =>
      plan.sources.includes(name) && watermark ? [{ name, delay: watermark }] : [],
    );
    const tracker = new WatermarkTracker(inputs, scenario.watermarkPolicy, checkpoint);
    return new StreamingQuery(db, plan, scenario, spec, tracker, prefix, catalog, checkpoint);
  }

  /** Where a narrowed stream's whole rows are (Streams.narrowTo), for the late rows. */
  readWholeRowsFrom(wholeRows: (source: string) => (() => string) | undefined): void {
    this.statements.wholeRowsOf = wholeRows;
  }

  get isStateful(): boolean {
    return this.pipeline.stateful.length > 0;
  }

  /** The most result and late rows a report carries (the last ones); the counts keep them all. */
  set maxReportRows(rows: number) {
    this.statements.maxReportRows = rows;
  }

  /**
   * Spark runs a no-data batch when the watermark moved and a stateful operator could emit or evict; and, at
   * processing time `processingMs`, when the clock has reached the end of a processing-time window held open.
   */
  needsNoDataBatch(processingMs: number): boolean {
    const clockCloses = this.pipeline.operators.some((operator) => {
      const at = operator.clockCloses?.() ?? null;
      return at !== null && at <= processingUs(processingMs);
    });
    return (
      clockCloses ||
      (this.pipeline.operators.some((operator) => operator.evictsByWatermark) &&
        this.outputMode !== 'complete' &&
        this.watermark.active &&
        this.watermark.global > this.lastBatchWatermark)
    );
  }

  /** Whether ending the input has anything to flush. */
  get flushesAtEnd(): boolean {
    return this.isStateful && this.outputMode !== 'complete' && this.watermark.active;
  }

  /** Whether the query's state only ever grows: nothing the watermark closes ever leaves it. */
  get keepsStateForever(): boolean {
    return (
      this.isStateful &&
      (this.outputMode === 'complete' ||
        (!this.watermark.active && !this.closesByClock) ||
        this.pipeline.stateful.some((operator) => operator.keepsStateForever))
    );
  }

  end(): void {
    this.watermark.end(this.nextBatchId);
  }

  /** Batch ids, watermarks and the state tables' rows, after the last batch. */
  checkpoint(): QueryCheckpoint {
    const tables = Object.entries(this.pipeline.stateTables()).filter(
      ([, table]) => existingTables(this.db, [table]).length > 0,
    );
    return {
      nextBatchId: this.nextBatchId,
      watermark: this.watermark.global,
      lateWatermark: this.lateWatermark,
      lastBatchWatermark: this.lastBatchWatermark,
      perInput: this.watermark.perInputWatermarks(),
      tables: Object.fromEntries(tables.map(([role, table]) => [role, exportTable(this.db, table)])),
    };
  }

  /** Forgets everything in memory; a new query resumes from the checkpoint. */
  dispose(): void {
    for (const table of this.pipeline.tables()) this.db.query(`DROP TABLE IF EXISTS ${table}`);
  }

  /** Whether a processing-time window's state leaves it as the clock passes: it does not only grow. */
  private get closesByClock(): boolean {
    return this.plan.stages.some((stage) => stage.kind === 'aggregate' && stage.processingTime);
  }

  /** One micro-batch at processing time `processingMs` on the run's simulated clock, started at wall-clock `startedAt`. */
  runBatch(stats: Map<string, SourceBatchStats>, processingMs: number, startedAt: number = Date.now()): BatchReport {
    const started = performance.now();
    const batchId = this.nextBatchId;
    const watermarks: BatchWatermarks = { eviction: this.watermark.global, late: this.lateWatermark };
    const inputs = this.plan.sources.map((name): [string, SourceBatchStats] => [
      name,
      stats.get(name) ?? { rows: 0, input: emptyInput(this.sourceNamed(name)) },
    ]);
    const numInputRows = inputs.reduce((sum, [, s]) => sum + s.rows, 0);
    const withRows = inputs.map(([, s]) => s).filter((s) => s.rows > 0);
    const minEventUs = withRows.every((s) => s.minUs !== undefined)
      ? withRows.reduce((m, s) => (s.minUs! < m ? s.minUs! : m), END_OF_TIME)
      : null;

    this.statements.batchId = batchId;
    this.statements.lateCount = 0;
    this.statements.lateArrow = [];
    const clock = processingUs(processingMs);
    if (this.plan.readsClock) this.db.query(`UPDATE ${CLOCK_TABLE} SET t = ${timestampSql(clock)}`);
    const batch = {
      batchId,
      watermarks,
      watermarked: this.watermark.active,
      minEventUs,
      inputRows: numInputRows,
      processingUs: clock,
    };
    // A batch that fails changes nothing: its statements roll back and its batch id is not used.
    const outcome = this.db.atomically(() => {
      try {
        return this.pipeline.run(batch);
      } catch (error) {
        throw inUserText(error, this.sql);
      }
    });
    this.pipeline.commit();
    this.nextBatchId++;
    const executedMs = performance.now() - started;

    this.lateWatermark = watermarks.eviction;
    this.lastBatchWatermark = watermarks.eviction;
    this.watermark.observe(
      batchId,
      new Map(inputs.filter(([, s]) => s.maxUs !== undefined).map(([name, s]) => [name, s.maxUs!])),
    );

    const late = outcome.results.flatMap((result) => result.late).slice(-this.statements.maxReportRows);
    const stateOperators = outcome.results.flatMap((result) => (result.state ? [result.state] : []));
    const seconds = Math.max(executedMs, 0.001) / 1000;
    const progress: Progress = {
      batchId,
      timestamp: new Date(startedAt).toISOString(),
      numInputRows,
      inputRowsPerSecond: numInputRows / seconds,
      processedRowsPerSecond: numInputRows / seconds,
      durationMs: {
        addBatch: Math.round(executedMs * 1000) / 1000,
        triggerExecution: Math.round(executedMs * 1000) / 1000,
      },
      eventTime: this.eventTimeOf(
        inputs.map(([, s]) => s),
        watermarks.eviction,
      ),
      stateOperators,
      sink: { numOutputRows: outcome.numOutputRows },
    };
    const lateRows: Record<string, JsonValue[][]> = Object.fromEntries(inputs.map(([name]) => [name, []]));
    for (const row of late) (lateRows[row.source] ??= []).push(row.values);
    const report: BatchReport = {
      query: this.name,
      batchId,
      watermark: this.watermark.active ? formatWatermark(watermarks.eviction) : null,
      numInputRows,
      columns: this.columns,
      rows: outcome.rows,
      lateRows,
      numRowsDroppedByWatermark: stateOperators.reduce((sum, state) => sum + state.numRowsDroppedByWatermark, 0),
      progress,
      late,
      lateCount: this.statements.lateCount,
      input: inputs.map(([, s]) => s.input),
      rejected: inputs.flatMap(([, s]) => s.rejected ?? []),
      warnings: [...inputs.flatMap(([, s]) => (s.warning ? [s.warning] : [])), ...this.stateGrowth(stateOperators)],
      flow: [
        ...this.sourceIds.map((operatorId) => {
          const rows = stats.get(operatorId)?.rows ?? 0;
          return { operatorId, numInputRows: rows, numOutputRows: rows, numLateRows: 0 };
        }),
        ...outcome.flow,
      ],
      watermarkReason: this.watermark.reason(),
    };
    keepArrow(report, {
      rows: outcome.arrow,
      late: lastLateRows(this.statements.lateArrow, this.statements.maxReportRows),
    });
    return report;
  }

  private sourceNamed(name: string): SourceSpec {
    return this.scenario.sources.find((known) => known.name === name)!;
  }

  /** Spark's event-time statistics, over every input row, late rows included. */
  private eventTimeOf(stats: SourceBatchStats[], watermark: bigint): Progress['eventTime'] {
    const eventTime: Progress['eventTime'] = {};
    if (this.watermark.active) eventTime.watermark = formatWatermark(watermark);
    const withRows = stats.filter((s) => s.rows > 0);
    if (withRows.length === 0 || !withRows.every((s) => s.minUs !== undefined)) return eventTime;
    const rows = withRows.reduce((sum, s) => sum + s.rows, 0);
    eventTime.min = formatTimestampMicros(
      withRows.reduce((m, s) => (s.minUs! < m ? s.minUs! : m), withRows[0]!.minUs!),
    );
    eventTime.max = formatTimestampMicros(
      withRows.reduce((m, s) => (s.maxUs! > m ? s.maxUs! : m), withRows[0]!.maxUs!),
    );
    eventTime.avg = formatTimestampMicros(
      withRows.reduce((sum, s) => sum + s.avgUs! * BigInt(s.rows), 0n) / BigInt(rows),
    );
    return eventTime;
  }

  /** A warning each time, with state that only grows, the database's memory passes another quarter of its limit. */
  private stateGrowth(states: StateOperatorProgress[]): BatchWarning[] {
    if (states.length === 0 || !this.keepsStateForever) return [];
    const used = this.db.memoryUsedBytes();
    const quarters = Math.min(3, Math.floor((4 * used) / this.memoryLimitBytes));
    if (quarters <= this.stateQuartersWarned) return [];
    this.stateQuartersWarned = quarters;
    const why = this.outputMode === 'complete' ? 'complete mode keeps every key' : 'nothing evicts its keys';
    const rows = states.reduce((sum, state) => sum + state.numRowsTotal, 0);
    return [
      {
        message: `The state of ${this.name} only grows (${why}): ${rows} rows. The engine uses ${formatBytes(used)}, ${quarters} quarter${quarters > 1 ? 's' : ''} of its memory limit (${formatBytes(this.memoryLimitBytes)}).`,
        hint: 'When memory runs out, batches fail. Give the source a watermark and group by an event-time window in append or update mode, so closed windows leave the state; or group by fewer keys.',
      },
    ];
  }

  /** What the UI needs to show this query's results. */
  /** One page of an operator's state as it is now, in a stable order (every column). */
  statePage(request: StateRequest): StatePage {
    const operator = this.pipeline.operators.find((known) => known.description.id === request.operator);
    const views = operator?.stateViews?.() ?? [];
    if (views.length === 0)
      throw new QueryShapeError(
        `${this.name} has no operator ${request.operator} that keeps state.`,
        'Choose a stateful operator of the query: an aggregation, a session window, a deduplication or a join.',
      );
    const view = views.find((known) => known.table === request.table) ?? views[0]!;
    const offset = Math.max(0, Math.floor(request.offset));
    const limit = Math.min(Math.max(1, Math.floor(request.limit)), 1000);
    const { columns, rows } = tableToJsonRows(
      this.db.query(`SELECT * FROM (${view.sql}) ORDER BY ALL LIMIT ${limit} OFFSET ${offset}`),
    );
    return {
      operator: request.operator,
      tables: views.map((known) => known.table),
      table: view.table,
      columns,
      rows,
      total: this.statements.count(view.sql),
      offset,
      evictAt: columns.includes(EVICT_AT) ? EVICT_AT : null,
      keyColumns: view.keys ?? [],
      afterBatch: this.nextBatchId - 1,
    };
  }

  info(): QueryInfo {
    const operators = this.pipeline.operators;
    // The results are the last operator's; their window, the last window's (a cascade's outer one).
    const window = operators.findLast((operator) => operator.description.window)?.description.window;
    const keyItems = operators.at(-1)!.keyItems;
    const pipeline = this.pipeline.explain(this.scenario.sources);
    const follows = [...new Set(pipeline.flatMap((operator) => (operator.follows ? [operator.follows] : [])))];
    return {
      name: this.name,
      outputMode: this.outputMode,
      columns: this.columns,
      keyColumns: keyItems ? this.columns.filter((_, i) => keyItems[i]) : [],
      stateful: this.isStateful,
      ...(window && { window }),
      triggerIntervalMs: triggerIntervalMs(this.scenario.trigger),
      pipeline,
      ...(follows.length && { follows }),
    };
  }
}

/**
 * DuckDB's error positions point into the SQL it ran, the planner's rewrite of the user's query: the same mark
 * goes on the user's text, or none when the user's text has nothing to mark.
 */
function inUserText(error: unknown, query: string): unknown {
  if (!(error instanceof Error) || !/LINE \d+:/.test(error.message)) return error;
  const message = error.message.replace(/\n\s*\nLINE \d+:[\s\S]*$/, '');
  return new Error(message + markInUserText(error.message, query), { cause: error });
}
