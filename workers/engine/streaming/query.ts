import { type BatchReport, type BatchWarning, type LateRow, type Progress, type QueryInfo } from '../../protocol';
import type { Database } from '../database';
import type { OutputMode, QuerySpec, Scenario, SourceSpec } from '../scenario';
import { quote, sessionize, type WindowSpec } from '../sql/windows';
import { formatTimestampMicros, tableToJsonRows, type JsonValue } from '../values';
import {
  PlanError,
  planQuery,
  stateTables,
  type AggregatePlan,
  type Catalog,
  type QueryPlan,
  type SessionPlan,
  VALUE_MERGES,
} from './plan';
import { EMITTED, ON_TIME, type DedupPlan } from './dedup';
import type { JoinPlan } from './join';
import { emptyInput, type SourceBatchStats } from './sources';
import { END_OF_TIME, WatermarkTracker } from './watermark';
import { parseDuration } from '../validate';
import { existingTables, exportTable, importTable, type QueryCheckpoint } from '../checkpoint';

/** How often a state table's size in bytes is measured; in between it is scaled by its rows. */
const STATE_SIZE_EVERY = 10;

/** The watermarks one batch runs with. */
interface BatchWatermarks {
  /** Closes and evicts windows: the watermark computed after the previous batch. */
  eviction: bigint;
  /** Drops late input rows: the watermark the previous batch ran with (Spark 3.4+). */
  late: bigint;
}

/**
 * DuckDB marks an error in the SQL it ran (`LINE n: <text>` and a caret); when that SQL is a rewrite of the
 * user's, the same mark in the user's text, at the first whole-word occurrence of the marked word.
 */
function markInUserText(duckdbMessage: string, userSql: string): string {
  const mark = /LINE \d+: ([^\n]*)\n( *)\^/.exec(duckdbMessage);
  if (!mark) return '';
  const column = mark[2]!.length - (mark[0].indexOf(':') + 2);
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(mark[1]!.slice(column))?.[0];
  if (!word) return '';
  const found = new RegExp(`(?<![A-Za-z0-9_"])${word}(?![A-Za-z0-9_"])`).exec(userSql);
  if (!found) return '';
  const before = userSql.slice(0, found.index).split('\n');
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

function timestampSql(us: bigint): string {
  return us === END_OF_TIME ? "'infinity'::TIMESTAMP" : `make_timestamp(${us}::BIGINT)`;
}

export function formatWatermark(us: bigint): string {
  return us === END_OF_TIME ? 'infinity' : formatTimestampMicros(us);
}

/**
 * One streaming query: its plan, its state store and its watermark. Each `runBatch` reads the
 * streams' batch tables and emits what Spark's micro-batch would emit in the query's output mode.
 */
export class StreamingQuery {
  private nextBatchId: number;
  private lateWatermark: bigint;
  /** The watermark the last batch ran with, to tell whether a no-data batch is due. */
  private lastBatchWatermark: bigint;
  private readonly tables: ReturnType<typeof stateTables>;
  readonly columns: string[];
  /** The aggregation's own columns, when a query runs over what it emits. */
  private aggregateColumns: string[] = [];

  readonly outputMode: OutputMode;
  private readonly sources: SourceSpec[];

  readonly name: string;
  /** How many quarters of the memory limit the state had reached when last warned about. */
  private stateQuartersWarned = 0;
  private readonly memoryLimitBytes: number;

  /**
   * The most rows of a stateless batch a report carries (the last ones); the sink's count keeps them all.
   * Late rows too: `late` and `lateRows` carry the last ones, `lateCount` counts them all.
   */
  maxReportRows = Infinity;
  /** The current batch's late rows, all of them, though the report may carry fewer. */
  private lateCount = 0;
  /** The earliest event time of the current batch's rows; null when a source without event time sent rows. */
  private batchMinUs: bigint | null = null;
  private readonly measuredBytes = new Map<string, { batchId: number; perRow: number }>();
  /** An aggregation's state rows, counted once and then kept from what each batch changed. */
  private stateRows: number | undefined;
  /**
   * At most the earliest event-time bound (a window's end, an event-time key) of the aggregation's state
   * rows: while the watermark is below it, no window can close, and the emit and evict statements are
   * skipped. Unknown (null) until measured.
   */
  private stateBoundUs: bigint | null = null;

  private constructor(
    private readonly db: Database,
    readonly plan: QueryPlan,
    scenario: Scenario,
    spec: QuerySpec,
    private readonly watermark: WatermarkTracker,
    prefix: string,
    checkpoint?: QueryCheckpoint,
  ) {
    this.name = spec.name;
    this.outputMode = spec.outputMode;
    this.memoryLimitBytes = db.memoryLimitBytes();
    this.sources = scenario.sources;
    this.tables = stateTables(prefix);
    this.nextBatchId = checkpoint?.nextBatchId ?? 0;
    this.lateWatermark = checkpoint?.lateWatermark ?? 0n;
    this.lastBatchWatermark = checkpoint?.lastBatchWatermark ?? 0n;
    // Binding the user's aggregation before its partial-state form names a misspelt column as such.
    const describedFirst = plan.kind === 'aggregate' ? this.describeColumns(spec.query) : null;
    if (plan.kind === 'aggregate') {
      this.createAggregateState(plan);
    } else if (plan.kind === 'session') {
      db.query(`CREATE OR REPLACE TABLE ${this.tables.state} AS ${plan.input} LIMIT 0`);
    } else if (plan.kind === 'join') {
      plan.sides.forEach((side, i) => {
        const table = i === 0 ? this.tables.left : this.tables.right;
        const matched = i === 0 && plan.outer ? ', false AS __matched, 0::BIGINT AS __row' : '';
        db.query(`CREATE OR REPLACE TABLE ${table} AS SELECT *${matched} FROM ${quote(side.source)} LIMIT 0`);
      });
    } else if (plan.kind === 'dedup') {
      db.query(`CREATE OR REPLACE TEMP TABLE ${this.tables.input} AS SELECT * FROM ${quote(plan.sources[0]!)} LIMIT 0`);
      db.query(
        `CREATE OR REPLACE TABLE ${this.tables.state} AS SELECT ${plan.keys.join(', ')}, ${plan.evictBy ?? 'NULL::TIMESTAMP'} AS __evict FROM (${this.dedupCandidates(plan)}) LIMIT 0`,
      );
    }
    if (plan.kind === 'session') {
      db.query(
        `CREATE OR REPLACE TABLE ${this.tables.sessions} AS ${this.sessionize(plan, this.tables.state)} LIMIT 0`,
      );
    }
    for (const [role, ipc] of Object.entries(checkpoint?.tables ?? {}))
      importTable(db, this.tables[role as keyof typeof this.tables], ipc);
    this.columns = describedFirst ?? this.describeColumns(spec.query);
  }

  private createAggregateState(plan: AggregatePlan): void {
    try {
      this.db.query(`CREATE OR REPLACE TABLE ${this.tables.state} AS ${this.partialSql(plan)} LIMIT 0`);
    } catch (error) {
      if (!(error instanceof Error && /Cannot use EXPORT_STATE on aggregate functions/.test(error.message)))
        throw error;
      const holistic = plan.aggregates.filter((a) => a.merge === 'combine').map((a) => a.call.split('(')[0]);
      throw new PlanError(
        `A streaming aggregate must be kept as a running partial state merged batch by batch, and one of ${holistic.join(', ')} has none in DuckDB (it needs all the values at once).`,
        'Use aggregates that merge: count, sum, avg, min, max, approx_count_distinct, stddev, var, bool_and, bool_or, first, last...',
        undefined,
        undefined,
      );
    }
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
    const inputs = scenario.sources
      .filter((source) => plan.sources.includes(source.name) && source.watermark)
      .map((source) => ({ name: source.name, delayUs: parseDuration(source.watermark!)! }));
    const tracker = new WatermarkTracker(inputs, scenario.watermarkPolicy, checkpoint);
    return new StreamingQuery(db, plan, scenario, spec, tracker, prefix, checkpoint);
  }

  get isStateful(): boolean {
    return this.plan.kind !== 'stateless';
  }

  /** Spark runs a no-data batch when the watermark moved and a stateful operator could emit or evict. */
  get needsNoDataBatch(): boolean {
    return (
      (this.plan.kind === 'session' ||
        (this.plan.kind === 'join' && this.plan.sides.some((side) => side.retainUs !== null)) ||
        (this.plan.kind === 'aggregate' && this.plan.eventTime !== null) ||
        (this.plan.kind === 'dedup' && this.plan.evictBy !== undefined)) &&
      this.outputMode !== 'complete' &&
      this.watermark.active &&
      this.watermark.global > this.lastBatchWatermark
    );
  }

  /** Whether ending the input has anything to flush. */
  get flushesAtEnd(): boolean {
    return this.isStateful && this.outputMode !== 'complete' && this.watermark.active;
  }

  end(): void {
    this.watermark.end();
  }

  /** Batch ids, watermarks and the state tables' rows, after the last batch. */
  checkpoint(): QueryCheckpoint {
    const roles = (['state', 'left', 'right'] as const).filter(
      (role) => existingTables(this.db, [this.tables[role]]).length > 0,
    );
    return {
      nextBatchId: this.nextBatchId,
      watermark: this.watermark.global,
      lateWatermark: this.lateWatermark,
      lastBatchWatermark: this.lastBatchWatermark,
      perInput: this.watermark.perInputWatermarks(),
      tables: Object.fromEntries(roles.map((role) => [role, exportTable(this.db, this.tables[role])])),
    };
  }

  /** Forgets everything in memory; a new query resumes from the checkpoint. */
  dispose(): void {
    for (const table of Object.values(this.tables)) {
      this.db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }

  runBatch(stats: Map<string, SourceBatchStats>, startedAt: number = Date.now()): BatchReport {
    const started = performance.now();
    const batchId = this.nextBatchId;
    this.lateCount = 0;
    const watermarks: BatchWatermarks = { eviction: this.watermark.global, late: this.lateWatermark };
    const inputs = this.plan.sources.map((name): [string, SourceBatchStats] => [
      name,
      stats.get(name) ?? { rows: 0, input: emptyInput(this.sources.find((known) => known.name === name)!) },
    ]);
    const numInputRows = inputs.reduce((sum, [, s]) => sum + s.rows, 0);
    const withRows = inputs.map(([, s]) => s).filter((s) => s.rows > 0);
    this.batchMinUs = withRows.every((s) => s.minUs !== undefined)
      ? withRows.reduce((m, s) => (s.minUs! < m ? s.minUs! : m), END_OF_TIME)
      : null;

    // A batch that fails changes nothing: its statements roll back and its batch id is not used.
    const result = this.db.atomically(() =>
      this.plan.kind === 'stateless'
        ? this.runStateless(this.plan, numInputRows)
        : this.plan.kind === 'session'
          ? this.runSession(this.plan, watermarks, batchId)
          : this.plan.kind === 'dedup'
            ? this.runDedup(this.plan, watermarks, batchId)
            : this.plan.kind === 'join'
              ? this.runJoin(this.plan, watermarks, batchId)
              : this.runAggregate(this.plan, watermarks, batchId),
    );
    this.nextBatchId++;
    if (this.plan.kind === 'aggregate') {
      this.stateRows = result.state?.numRowsTotal;
      this.stateBoundUs = result.stateBoundUs ?? null;
    }
    const executedMs = performance.now() - started;

    this.lateWatermark = watermarks.eviction;
    this.lastBatchWatermark = watermarks.eviction;
    this.watermark.observe(
      new Map(inputs.filter(([, s]) => s.maxUs !== undefined).map(([name, s]) => [name, s.maxUs!])),
    );

    const eventStats = inputs.map(([, s]) => s).filter((s) => s.rows > 0);
    const eventTime: Progress['eventTime'] = {};
    if (this.watermark.active) eventTime.watermark = formatWatermark(watermarks.eviction);
    if (eventStats.length > 0 && eventStats.every((s) => s.minUs !== undefined)) {
      const rows = eventStats.reduce((sum, s) => sum + s.rows, 0);
      eventTime.min = formatTimestampMicros(
        eventStats.reduce((m, s) => (s.minUs! < m ? s.minUs! : m), eventStats[0]!.minUs!),
      );
      eventTime.max = formatTimestampMicros(
        eventStats.reduce((m, s) => (s.maxUs! > m ? s.maxUs! : m), eventStats[0]!.maxUs!),
      );
      eventTime.avg = formatTimestampMicros(
        eventStats.reduce((sum, s) => sum + s.avgUs! * BigInt(s.rows), 0n) / BigInt(rows),
      );
    }
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
      eventTime,
      stateOperators: result.state ? [result.state] : [],
      sink: { numOutputRows: result.emitted ?? result.rows.length },
    };
    const lateRows: Record<string, JsonValue[][]> = Object.fromEntries(inputs.map(([name]) => [name, []]));
    for (const row of result.late) lateRows[row.source]!.push(row.values);
    return {
      query: this.name,
      batchId,
      watermark: this.watermark.active ? formatWatermark(watermarks.eviction) : null,
      numInputRows,
      columns: this.columns,
      rows: result.rows,
      lateRows,
      numRowsDroppedByWatermark: result.state?.numRowsDroppedByWatermark ?? 0,
      progress,
      late: result.late,
      lateCount: this.lateCount,
      input: inputs.map(([, stats]) => stats.input),
      rejected: inputs.flatMap(([, stats]) => stats.rejected ?? []),
      warnings: [
        ...inputs.flatMap(([, stats]) => (stats.warning ? [stats.warning] : [])),
        ...this.stateGrowth(result.state),
      ],
    };
  }

  /** Whether the query's state only ever grows: nothing the watermark closes ever leaves it. */
  get keepsStateForever(): boolean {
    const plan = this.plan;
    return (
      this.isStateful &&
      (this.outputMode === 'complete' ||
        !this.watermark.active ||
        (plan.kind === 'aggregate' && plan.eventTime === null) ||
        (plan.kind === 'dedup' && plan.evictBy === undefined) ||
        (plan.kind === 'join' && plan.sides.some((side) => side.retainUs === null)))
    );
  }

  /** A warning each time, with state that only grows, the database's memory passes another quarter of its limit. */
  private stateGrowth(state: BatchOutcome['state']): BatchWarning[] {
    if (!state || !this.keepsStateForever) return [];
    const used = this.db.memoryUsedBytes();
    const quarters = Math.min(3, Math.floor((4 * used) / this.memoryLimitBytes));
    if (quarters <= this.stateQuartersWarned) return [];
    this.stateQuartersWarned = quarters;
    const why = this.outputMode === 'complete' ? 'complete mode keeps every key' : 'nothing evicts its keys';
    return [
      {
        message: `The state of ${this.name} only grows (${why}): ${state.numRowsTotal} rows. The engine uses ${formatBytes(used)}, ${quarters} quarter${quarters > 1 ? 's' : ''} of its memory limit (${formatBytes(this.memoryLimitBytes)}).`,
        hint: 'When memory runs out, batches fail. Give the source a watermark and group by an event-time window in append or update mode, so closed windows leave the state; or group by fewer keys.',
      },
    ];
  }

  /** What the UI needs to show this query's results. */
  info(): QueryInfo {
    const plan = this.plan;
    const name = this.name;
    const window = plan.kind === 'aggregate' || plan.kind === 'session' ? plan.window : undefined;
    const ms = (us: bigint) => Number(us / 1000n);
    return {
      name,
      outputMode: this.outputMode,
      columns: this.columns,
      keyColumns:
        plan.kind === 'aggregate' || plan.kind === 'session' ? this.columns.filter((_, i) => plan.keyItems[i]) : [],
      stateful: this.isStateful,
      ...(window && {
        window: {
          kind: window.kind,
          sizeMs: ms(window.sizeUs),
          slideMs: ms(window.slideUs),
          offsetMs: ms(window.offsetUs),
          gapMs: ms(window.gapUs),
        },
      }),
    };
  }

  /**
   * Runs the query once over the empty streams: checks it before the first batch, as Spark's analysis
   * does, and learns DuckDB's names for its columns. DuckDB's error positions only point into the
   * user's text when the planner did not rewrite it.
   */
  private describeColumns(query: string): string[] {
    const plan = this.plan;
    const sql =
      plan.kind === 'stateless' || plan.kind === 'join'
        ? plan.sql
        : plan.kind === 'dedup'
          ? this.dedupOutput(plan, `(${this.dedupCandidates(plan)})`)
          : plan.reference;
    try {
      // Runs over the empty streams and state: cheap, and it checks the query as Spark's analysis would.
      const columns = this.db.query(sql).schema.fields.map((field) => field.name);
      if (plan.kind !== 'aggregate' && plan.kind !== 'session') return columns;
      if (!plan.after) return columns;
      this.aggregateColumns = columns;
      this.db.query(`CREATE OR REPLACE TEMP TABLE ${this.tables.emitted} AS ${sql} LIMIT 0`);
      return this.db.query(plan.after).schema.fields.map((field) => field.name);
    } catch (error) {
      if (sql === query.trim().replace(/;\s*$/, '') || !(error instanceof Error)) throw error;
      const message = error.message.replace(/\n\s*\nLINE \d+:[\s\S]*$/, '');
      throw new Error(message + markInUserText(error.message, query), { cause: error });
    }
  }

  private dedupCandidates(plan: DedupPlan): string {
    return plan.candidates.replaceAll(ON_TIME, this.tables.input);
  }

  private dedupOutput(plan: DedupPlan, rows: string): string {
    return plan.output.replaceAll(EMITTED, rows);
  }

  /** Deduplication: emits the batch's rows whose key was never seen; the watermark forgets old keys. */
  private runDedup(plan: DedupPlan, watermarks: BatchWatermarks, batchId: number): BatchOutcome {
    const { state, input, emitted } = this.tables;
    const stream = quote(plan.sources[0]!);
    const dropsLate = plan.dropsLate && this.watermark.active;
    const isLate = `${quote(plan.eventTimeColumn ?? '')} <= ${timestampSql(watermarks.late)}`;
    const late = dropsLate
      ? this.lateRowsOf(
          plan,
          `FROM ${stream} AS ${quote(plan.alias)} WHERE ${isLate}`,
          watermarks.late,
          batchId,
          'deduplication',
        )
      : [];
    this.db.query(
      `CREATE OR REPLACE TEMP TABLE ${input} AS SELECT * FROM ${stream}${dropsLate ? ` WHERE NOT (${isLate})` : ''}`,
    );
    const sameKey = plan.keys.map((key) => `c.${key} IS NOT DISTINCT FROM s.${key}`).join(' AND ');
    this.db.query(
      `CREATE OR REPLACE TEMP TABLE ${emitted} AS SELECT c.* FROM (${this.dedupCandidates(plan)}) AS c ANTI JOIN ${state} AS s ON ${sameKey}`,
    );
    this.db.query(`INSERT INTO ${state} SELECT ${plan.keys.join(', ')}, ${plan.evictBy ?? 'NULL'} FROM ${emitted}`);
    const rows = tableToJsonRows(this.db.query(`SELECT * FROM (${this.dedupOutput(plan, emitted)}) ORDER BY ALL`)).rows;
    let removed = 0;
    if (plan.evictBy && this.watermark.active) {
      const expired = `__evict <= ${timestampSql(watermarks.eviction)}`;
      removed = this.count(`SELECT * FROM ${state} WHERE ${expired}`);
      this.db.query(`DELETE FROM ${state} WHERE ${expired}`);
    }
    return {
      rows,
      late,
      state: {
        operatorName: 'dedupe',
        numRowsTotal: this.count(`SELECT * FROM ${state}`),
        numRowsUpdated: rows.length,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: late.length,
        memoryUsedBytes: this.textBytes(state),
      },
    };
  }

  /**
   * A join of two streams: the stream tables are shadowed by temporary tables of the same names, so the
   * user's query joins (new left rows × all right rows) and then (old left rows × new right rows).
   */
  private runJoin(plan: JoinPlan, watermarks: BatchWatermarks, batchId: number): BatchOutcome {
    const states = [this.tables.left, this.tables.right];
    const late: LateRow[] = [];
    const fresh = plan.sides.map((side, i) => {
      const stream = quote(side.source);
      const isLate = `${quote(side.eventTimeColumn)} <= ${timestampSql(watermarks.late)}`;
      if (this.watermark.active) {
        late.push(
          ...this.lateRowsOf(
            { ...side, sources: [side.source] },
            `FROM ${stream} AS ${quote(side.alias)} WHERE ${isLate}`,
            watermarks.late,
            batchId,
            'stream-stream join',
          ),
        );
      }
      const table = `${states[i]}_new`;
      this.db.query(
        `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${stream}${this.watermark.active ? ` WHERE NOT (${isLate})` : ''}`,
      );
      return table;
    });
    const columnsOf = (i: number) => plan.sides[i]!.sourceColumns.map(quote).join(', ');
    const shadow = (i: number, relation: string) =>
      this.db.query(`CREATE OR REPLACE TEMP TABLE ${quote(plan.sides[i]!.source)} AS ${relation}`);
    const run = (sql: string) => tableToJsonRows(this.db.query(sql)).rows;

    shadow(0, `SELECT * FROM ${fresh[0]}`);
    shadow(1, `SELECT ${columnsOf(1)} FROM ${states[1]} UNION ALL SELECT * FROM ${fresh[1]}`);
    const rows = run(plan.innerSql);
    shadow(0, `SELECT ${columnsOf(0)} FROM ${states[0]}`);
    shadow(1, `SELECT * FROM ${fresh[1]}`);
    rows.push(...run(plan.innerSql));

    if (plan.outer) {
      const next = `(SELECT coalesce(max(__row), 0) FROM ${states[0]})`;
      this.db.query(`INSERT INTO ${states[0]} SELECT *, false, ${next} + row_number() OVER () FROM ${fresh[0]}`);
    } else {
      this.db.query(`INSERT INTO ${states[0]} SELECT * FROM ${fresh[0]}`);
    }
    this.db.query(`INSERT INTO ${states[1]} SELECT * FROM ${fresh[1]}`);
    const [left, right] = plan.sides;
    if (plan.outer) {
      this.db.query(
        `UPDATE ${states[0]} SET __matched = true WHERE NOT __matched AND __row IN (SELECT ${quote(left.alias)}.__row FROM ${states[0]} AS ${quote(left.alias)} JOIN ${states[1]} AS ${quote(right.alias)} ON ${plan.condition})`,
      );
    }

    let removed = 0;
    if (this.watermark.active) {
      plan.sides.forEach((side, i) => {
        if (side.retainUs === null) return;
        const expired = `epoch_us(${quote(side.eventTimeColumn)}) + ${side.retainUs} <= epoch_us(${timestampSql(watermarks.eviction)})`;
        if (i === 0 && plan.outer) {
          // Unmatched left rows that can no longer match: the left outer join's NULL rows.
          shadow(0, `SELECT ${columnsOf(0)} FROM ${states[0]} WHERE NOT __matched AND ${expired}`);
          shadow(1, `SELECT * FROM ${fresh[1]} LIMIT 0`);
          rows.push(...run(plan.sql));
        }
        removed += this.count(`SELECT * FROM ${states[i]} WHERE ${expired}`);
        this.db.query(`DELETE FROM ${states[i]} WHERE ${expired}`);
      });
    }
    for (const side of plan.sides) this.db.query(`DROP TABLE IF EXISTS temp.${quote(side.source)}`);
    rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return {
      rows,
      late,
      state: {
        operatorName: 'symmetricHashJoin',
        numRowsTotal: this.count(`SELECT 1 FROM ${states[0]} UNION ALL SELECT 1 FROM ${states[1]}`),
        numRowsUpdated: this.count(`SELECT 1 FROM ${fresh[0]} UNION ALL SELECT 1 FROM ${fresh[1]}`),
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: late.length,
        memoryUsedBytes: states.reduce((sum, table) => sum + this.textBytes(table), 0),
      },
    };
  }

  private runStateless(plan: Extract<QueryPlan, { kind: 'stateless' }>, inputRows: number): BatchOutcome {
    if (inputRows <= this.maxReportRows) return { rows: tableToJsonRows(this.db.query(plan.sql)).rows, late: [] };
    // A large batch: the report carries the last rows of its result, which is counted and read, never copied.
    const total = this.count(plan.sql);
    const last = `SELECT * FROM (${plan.sql}) LIMIT ${this.maxReportRows} OFFSET ${Math.max(0, total - this.maxReportRows)}`;
    return { rows: tableToJsonRows(this.db.query(last)).rows, late: [], emitted: total };
  }

  /** The batch's rows: FROM and WHERE of the user's query, and any further conditions. */
  private batchRows(plan: AggregatePlan, ...conditions: (string | undefined)[]): string {
    const where = [plan.where && `(${plan.where})`, ...conditions].filter(Boolean).join(' AND ');
    return `FROM ${plan.from}${where ? ` WHERE ${where}` : ''}`;
  }

  private partialSql(plan: AggregatePlan, condition?: string): string {
    const keys = plan.keys.map((key) => `${key.expression} AS ${key.column}`);
    const aggregates = plan.aggregates.map(
      (a) => `${a.call}${a.merge === 'combine' ? ' EXPORT_STATE' : ''} AS ${a.column}`,
    );
    const groupBy = plan.keys.length ? ` GROUP BY ${plan.keys.map((key) => key.expression).join(', ')}` : '';
    return `SELECT ${[...keys, ...aggregates].join(', ')} ${this.batchRows(plan, condition)}${groupBy}`;
  }

  private runAggregate(plan: AggregatePlan, watermarks: BatchWatermarks, batchId: number): BatchOutcome {
    const { state, partial, touched } = this.tables;
    const dropsLate = this.outputMode !== 'complete' && this.watermark.active && plan.eventTime !== null;

    let late: LateRow[] = [];
    let droppedKeys = 0;
    let onTime: string | undefined;
    // A window ends after its rows' event times: with every row after the watermark, none is late.
    if (dropsLate && !(plan.window && this.noRowAtOrBefore(watermarks.late))) {
      const isLate = `${plan.eventTime!.input} <= ${timestampSql(watermarks.late)}`;
      onTime = `NOT (${isLate})`;
      const operator = plan.window ? `${plan.window.kind} window aggregation` : 'aggregation';
      late = this.lateRowsOf(plan, this.batchRows(plan, isLate), watermarks.late, batchId, operator);
      if (late.length > 0) {
        const keys = plan.keys.map((key) => key.expression).join(', ') || '1';
        droppedKeys = this.count(`SELECT DISTINCT ${keys} ${this.batchRows(plan, isLate)}`);
      }
    }

    this.db.query(`CREATE OR REPLACE TEMP TABLE ${partial} AS ${this.partialSql(plan, onTime)}`);
    const sameKey =
      plan.keys.map((key) => `p.${key.column} IS NOT DISTINCT FROM s.${key.column}`).join(' AND ') || 'TRUE';
    const merged = plan.aggregates.map((a) => {
      const both =
        a.merge === 'combine'
          ? `combine(s.${a.column}, p.${a.column})`
          : VALUE_MERGES[a.merge](`s.${a.column}`, `p.${a.column}`);
      return `CASE WHEN s.__present THEN ${both} ELSE p.${a.column} END AS ${a.column}`;
    });
    const keyColumns = plan.keys.map((key) => `p.${key.column}`);
    this.db.query(
      `CREATE OR REPLACE TEMP TABLE ${touched} AS SELECT ${[...keyColumns, ...merged].join(', ')} FROM ${partial} AS p LEFT JOIN (SELECT *, TRUE AS __present FROM ${state}) AS s ON ${sameKey}`,
    );
    // DuckDB's DELETE and INSERT return how many rows they changed: no statements to count them.
    // Kept aside until the batch has run: a batch that fails rolls back and must not change the count.
    let stateRows = this.stateRows ?? this.count(`SELECT * FROM ${state}`);
    stateRows -= this.changed(`DELETE FROM ${state} AS s USING ${touched} AS p WHERE ${sameKey}`);
    const updated = this.changed(`INSERT INTO ${state} SELECT * FROM ${touched}`);
    stateRows += updated;

    // A row's window ends after its event time, and an event-time key is the event time: the batch's
    // earliest event time bounds what it added to the state from below.
    let stateBoundUs =
      this.stateBoundUs === null || this.batchMinUs === null
        ? null
        : this.batchMinUs < this.stateBoundUs
          ? this.batchMinUs
          : this.stateBoundUs;
    const closes = stateBoundUs === null || watermarks.eviction >= stateBoundUs;
    const closed =
      plan.eventTime && this.watermark.active && closes
        ? `${plan.eventTime.state} <= ${timestampSql(watermarks.eviction)}`
        : null;
    let rows: JsonValue[][];
    if (this.outputMode === 'complete') {
      rows = this.emit(plan, state);
    } else if (this.outputMode === 'update') {
      rows = this.emit(plan, touched);
    } else {
      rows = closed ? this.emit(plan, state, closed) : [];
    }
    let removed = 0;
    if (closed && this.outputMode !== 'complete') {
      removed = this.changed(`DELETE FROM ${state} AS ${quote(plan.alias)} WHERE ${closed}`);
      stateRows -= removed;
      stateBoundUs = this.earliestBound(plan);
    }
    return {
      stateBoundUs,
      rows,
      late,
      state: {
        operatorName: 'stateStoreSave',
        numRowsTotal: stateRows,
        numRowsUpdated: updated,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: droppedKeys,
        memoryUsedBytes: this.estimateBytes(state, stateRows, () => this.stateBytes(plan)),
      },
    };
  }

  /** The earliest event-time bound of the state's rows; END_OF_TIME when the state is empty. */
  private earliestBound(plan: AggregatePlan): bigint {
    const earliest = this.db
      .query(`SELECT min(epoch_us(${plan.eventTime!.state})) AS us FROM ${this.tables.state} AS ${quote(plan.alias)}`)
      .getChildAt(0)!
      .get(0) as bigint | number | null;
    return earliest === null ? END_OF_TIME : BigInt(earliest);
  }

  private sessionize(plan: SessionPlan, rows: string): string {
    return sessionize(plan.window, `${quote(rows)} AS ${quote(plan.alias)}`, plan.partitionBy);
  }

  /**
   * Session windows: rows of open sessions are the state. Each batch merges the batch's rows into
   * them, drops the batch's sessions that ended at or before the watermark (Spark checks the
   * batch-local session), and emits the sessions the watermark has closed.
   */
  private runSession(plan: SessionPlan, watermarks: BatchWatermarks, batchId: number): BatchOutcome {
    const { state, input, sessions, partial, touched } = this.tables;
    const sessionKey = [...plan.partitionBy, '__session_id'].join(', ');
    const countSessions = (table: string) =>
      this.count(`SELECT DISTINCT ${sessionKey} FROM ${table} AS ${quote(plan.alias)}`);
    const dropsLate = this.outputMode !== 'complete' && this.watermark.active;
    const sourceColumns = plan.sourceColumns.map(quote).join(', ');
    this.db.query(`CREATE OR REPLACE TEMP TABLE ${input} AS ${plan.input}`);
    this.db.query(`CREATE OR REPLACE TEMP TABLE ${partial} AS ${this.sessionize(plan, input)}`);
    let late: LateRow[] = [];
    let droppedSessions = 0;
    const isLate = `__session_end <= ${timestampSql(watermarks.late)}`;
    // A session ends after its rows' event times: with every row after the watermark, none is late.
    if (dropsLate && !this.noRowAtOrBefore(watermarks.late)) {
      late = this.lateRowsOf(
        plan,
        `FROM ${partial} AS ${quote(plan.alias)} WHERE ${isLate}`,
        watermarks.late,
        batchId,
        'session window aggregation',
      );
      droppedSessions = this.count(
        `SELECT DISTINCT ${sessionKey} FROM ${partial} AS ${quote(plan.alias)} WHERE ${isLate}`,
      );
    }
    this.db.query(
      `INSERT INTO ${state} SELECT ${sourceColumns} FROM ${partial}${dropsLate ? ` WHERE NOT (${isLate})` : ''}`,
    );

    const closed = dropsLate ? `__session_end <= ${timestampSql(watermarks.eviction)}` : null;
    this.db.query(`CREATE OR REPLACE TABLE ${sessions} AS ${this.sessionize(plan, state)}`);
    const before = countSessions(sessions);
    let rows: JsonValue[][] = [];
    let removed = 0;
    if (this.outputMode === 'complete') {
      rows = this.emitReference(plan);
    } else if (closed) {
      this.db.query(`CREATE OR REPLACE TEMP TABLE ${touched} AS SELECT * FROM ${sessions} WHERE NOT (${closed})`);
      this.db.query(`DELETE FROM ${sessions} WHERE NOT (${closed})`);
      removed = countSessions(sessions);
      rows = this.emitReference(plan);
      this.db.query(`CREATE OR REPLACE TABLE ${state} AS SELECT ${sourceColumns} FROM ${touched}`);
    }
    return {
      rows,
      late,
      state: {
        operatorName: 'sessionWindowStateStoreSaveExec',
        numRowsTotal: before - removed,
        numRowsUpdated: this.count(`SELECT * FROM ${input}`) - late.length,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: droppedSessions,
        memoryUsedBytes: this.estimateBytes(state, this.count(`SELECT * FROM ${state}`), () => this.textBytes(state)),
      },
    };
  }

  private emitReference(plan: SessionPlan): JsonValue[][] {
    const ordered = /\bORDER\s+BY\b[^)]*$/i.test(plan.reference);
    return this.output(plan, plan.reference, ordered);
  }

  /** Names the aggregation's rows as DuckDB names the user's columns, then runs any query over them. */
  private output(plan: AggregatePlan | SessionPlan, select: string, ordered: boolean): JsonValue[][] {
    const names = (plan.after ? this.aggregateColumns : this.columns).map(quote).join(', ');
    const named = `SELECT * FROM (${select}) AS __out(${names})`;
    if (!plan.after) return tableToJsonRows(this.db.query(named + (ordered ? '' : ' ORDER BY ALL'))).rows;
    this.db.query(`CREATE OR REPLACE TEMP TABLE ${this.tables.emitted} AS ${named}`);
    const afterOrdered = /\bORDER\s+BY\b[^)]*$/i.test(plan.after);
    return tableToJsonRows(this.db.query(afterOrdered ? plan.after : `SELECT * FROM (${plan.after}) ORDER BY ALL`))
      .rows;
  }

  /** The user's select list over state rows, named as DuckDB names the user's query's columns. */
  private emit(plan: AggregatePlan, from: string, where?: string): JsonValue[][] {
    const filters = [where, plan.having && `(${plan.having})`].filter(Boolean).join(' AND ');
    const order = plan.orderBy ? ` ORDER BY ${plan.orderBy}` : '';
    const select = `SELECT ${plan.output} FROM ${from} AS ${quote(plan.alias)}${filters ? ` WHERE ${filters}` : ''}${order}${plan.limit ? ` LIMIT ${plan.limit}` : ''}`;
    return this.output(plan, select, plan.orderBy !== undefined);
  }

  /** The stream's rows that `rows` (a FROM ... WHERE ...) picks, once each, as the user sent them. */
  private lateRowsOf(
    plan: Pick<AggregatePlan, 'sources' | 'alias' | 'sourceColumns' | 'eventTimeColumn'> & { window?: WindowSpec },
    rows: string,
    watermark: bigint,
    batchId: number,
    operator: string,
  ): LateRow[] {
    const source = plan.sources[0]!;
    const columns = plan.sourceColumns.map((name) => `${quote(plan.alias)}.${quote(name)}`).join(', ');
    const eventColumn = plan.eventTimeColumn ? `epoch_us(${quote(plan.alias)}.${quote(plan.eventTimeColumn)})` : 'NULL';
    const overlapping = plan.window && (plan.window.kind === 'hop' || plan.window.kind === 'cumulate');
    const result = this.db.query(
      `SELECT ${overlapping ? 'DISTINCT ' : ''}${columns}, ${eventColumn} AS __event_us ${rows} ORDER BY ALL`,
    );
    this.lateCount += result.numRows;
    return tableToJsonRows(result)
      .rows.slice(-this.maxReportRows)
      .map((row) => {
        const eventUs = BigInt(row[row.length - 1] as number);
        return {
          source,
          values: row.slice(0, -1),
          eventTime: formatTimestampMicros(eventUs),
          watermark: formatWatermark(watermark),
          latenessMs: Number(watermark - eventUs) / 1000,
          batchId,
          operator,
        };
      });
  }

  /**
   * A state table's bytes: measured every STATE_SIZE_EVERY batches (measuring reads every row), scaled by
   * its rows in between.
   */
  private estimateBytes(table: string, rows: number, measure: () => number): number {
    if (rows === 0) return 0;
    const last = this.measuredBytes.get(table);
    if (last && this.nextBatchId - last.batchId < STATE_SIZE_EVERY) return Math.round(last.perRow * rows);
    const bytes = measure();
    this.measuredBytes.set(table, { batchId: this.nextBatchId, perRow: bytes / rows });
    return bytes;
  }

  private noRowAtOrBefore(watermark: bigint): boolean {
    return this.batchMinUs !== null && this.batchMinUs > watermark;
  }

  /** A state table's size estimated as the length of its rows as text. */
  private textBytes(table: string): number {
    return Number(
      this.db.query(`SELECT coalesce(sum(strlen(t::VARCHAR)), 0)::BIGINT FROM ${table} AS t`).getChildAt(0)!.get(0),
    );
  }

  /** Runs an INSERT, UPDATE or DELETE and returns how many rows it changed. */
  private changed(sql: string): number {
    return Number(this.db.query(sql).getChildAt(0)!.get(0));
  }

  private count(sql: string): number {
    return Number(this.db.query(`SELECT count(*) AS n FROM (${sql})`).getChildAt(0)!.get(0));
  }

  /** The state's size: each partial state's bytes, plus each key's size as text. */
  private stateBytes(plan: AggregatePlan): number {
    const sizes = [
      ...plan.keys.map((key) => `coalesce(strlen(${key.column}::VARCHAR), 0)`),
      ...plan.aggregates.map((a) =>
        a.merge === 'combine' ? `octet_length(${a.column}::BLOB)` : `coalesce(strlen(${a.column}::VARCHAR), 0)`,
      ),
    ];
    return Number(
      this.db
        .query(`SELECT coalesce(sum(${sizes.join(' + ') || '0'}), 0)::BIGINT FROM ${this.tables.state}`)
        .getChildAt(0)!
        .get(0),
    );
  }
}

interface BatchOutcome {
  rows: JsonValue[][];
  /** How many rows the batch emitted, when `rows` carries only the last of them. */
  emitted?: number;
  late: LateRow[];
  state?: Progress['stateOperators'][number];
  /** An aggregation's `stateBoundUs` after the batch. */
  stateBoundUs?: bigint | null;
}
