import type { OutputMode } from '../../scenario';
import { islands, quote, sessionize, sessionRows } from '../../sql/windows';
import type { SessionMerge, SessionPlan } from '../plan';
import { FLINK_RULES } from '../rules';
import { MERGE_PARTIALS, mergesExactly, partialBytes } from './aggregate';
import { describeOperator } from './describe';
import {
  EVICT_AT,
  type Emit,
  type OperatorBatch,
  type OperatorResult,
  type StateView,
  type StreamOperator,
} from './operator';
import { timestampSql, type Statements } from './statements';

/**
 * Session windows (Spark's SessionWindowStateStoreSave). Each batch sessionizes its rows, drops the batch's
 * sessions that ended at or before the watermark (Spark checks the batch-local session), merges the rest with the
 * open sessions, and emits the sessions the watermark has closed. Open sessions are kept as their bounds and
 * partial aggregates when every aggregate merges exactly; otherwise as their rows, sessionized anew each batch.
 */
export class SessionOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly keyItems: boolean[];
  private readonly names: string[];
  private readonly merging: SessionMerge | undefined;
  /** The open sessions, counted once and then kept from what each batch changed (merging only). */
  private stateRows: number | undefined;
  /** The count above after the running batch: kept once it has committed, since a batch that fails rolls back. */
  private pending: number | undefined;

  constructor(
    private readonly db: Statements,
    private readonly plan: SessionPlan,
    private readonly tables: { state: string; input: string; sessions: string; partial: string; touched: string },
    private readonly outputMode: OutputMode,
    readonly id: string,
    inputs: string[],
  ) {
    this.stateTables = { state: tables.state };
    this.reference = plan.reference;
    this.keyItems = plan.keyItems;
    db.query(`CREATE OR REPLACE TABLE ${tables.state} AS ${plan.input} LIMIT 0`);
    db.query(`CREATE OR REPLACE TABLE ${tables.sessions} AS ${this.sessionize(tables.state)} LIMIT 0`);
    this.names = db.columnsOf(plan.reference);
    const exact = plan.merging && mergesExactly(db.describe(this.batchSessions(quote(tables.sessions))));
    this.merging = exact ? plan.merging : undefined;
    if (exact)
      db.query(`CREATE OR REPLACE TABLE ${tables.state} AS ${this.batchSessions(quote(tables.sessions))} LIMIT 0`);
    const holds = this.merging
      ? 'the bounds and partial aggregates of each open session'
      : 'the rows of each open session';
    this.description = describeOperator(id, 'session', inputs, {
      keys: plan.partitionBy,
      window: plan.window,
      state: { holds, evictedWhen: 'session end <= watermark' },
      watermark: { eventTime: plan.lateFrom.eventTimeColumn!, dropsLate: outputMode !== 'complete' },
      emits: outputMode === 'append' ? 'append' : 'updates',
      ...(plan.distinct && { follows: FLINK_RULES.distinct }),
      ...(plan.rowsOnly && { follows: FLINK_RULES.sessionRows }),
    });
  }

  get evictsByWatermark(): boolean {
    return this.outputMode !== 'complete';
  }

  get keepsStateForever(): boolean {
    return this.outputMode === 'complete';
  }

  private sessionize(rows: string): string {
    return sessionize(this.plan.window, `${quote(rows)} AS ${quote(this.plan.alias)}`, this.plan.partitionBy);
  }

  stateViews(): StateView[] {
    const { state } = this.tables;
    if (!this.merging) return [{ table: 'open sessions’ rows', sql: `SELECT * FROM ${state}` }];
    const names = [...this.names, EVICT_AT].map(quote).join(', ');
    const select = `SELECT ${this.merging.output}, __session_end FROM ${this.withWindow(state)}`;
    const keys = this.names.filter((_, i) => this.plan.keyItems[i]);
    return [
      { table: 'partial aggregates per open session', sql: `SELECT * FROM (${select}) AS __out(${names})`, keys },
    ];
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { plan, db } = this;
    const { input, partial } = this.tables;
    const { late: lateWatermark } = batch.watermarks;
    const alias = quote(plan.alias);
    const dropsLate = this.outputMode !== 'complete' && batch.watermarked;
    const isLate = `__session_end <= ${timestampSql(lateWatermark)}`;
    // A session ends after its rows' event times: with every row after the watermark, none is late.
    const noneLate = batch.minEventUs !== null && batch.minEventUs > lateWatermark;
    const mayBeLate = dropsLate && !noneLate;
    // The batch's rows are kept in a table when they are read again: sessionized row by row.
    const kept = mayBeLate || !this.merging;
    const rows = kept ? input : `(${plan.input})`;
    if (kept) db.query(`CREATE OR REPLACE TEMP TABLE ${input} AS ${plan.input}`);
    if (kept) db.query(`CREATE OR REPLACE TEMP TABLE ${partial} AS ${this.sessionize(input)}`);
    let late: OperatorResult['late'] = [];
    let droppedSessions = 0;
    const lateBefore = db.lateCount;
    if (mayBeLate) {
      late = db.lateRows(plan.lateFrom, `FROM ${partial} AS ${alias} WHERE ${isLate}`, lateWatermark, this.id);
      const sessionKey = [...plan.partitionBy, '__session_id'].join(', ');
      droppedSessions = db.count(`SELECT DISTINCT ${sessionKey} FROM ${partial} AS ${alias} WHERE ${isLate}`);
    }
    const closed = dropsLate ? `__session_end <= ${timestampSql(batch.watermarks.eviction)}` : null;
    const sessions = this.merging
      ? this.mergeSessions(emit, rows, mayBeLate ? lateWatermark : undefined, closed)
      : this.sessionizeRows(emit, dropsLate ? `NOT (${isLate})` : undefined, closed);
    return {
      late,
      state: {
        operatorName: 'sessionWindowStateStoreSaveExec',
        operatorId: this.id,
        numRowsTotal: sessions.open,
        numRowsUpdated: db.count(`SELECT * FROM ${rows}`) - (db.lateCount - lateBefore),
        numRowsRemoved: sessions.removed,
        numRowsDroppedByWatermark: droppedSessions,
        memoryUsedBytes: sessions.bytes,
      },
    };
  }

  commit(): void {
    this.stateRows = this.pending;
  }

  /** The state as the rows of open sessions: the batch's on-time rows join them, and every row is sessionized. */
  private sessionizeRows(emit: Emit, onTime: string | undefined, closed: string | null) {
    const { db, plan } = this;
    const { state, sessions, partial, touched } = this.tables;
    const alias = quote(plan.alias);
    const countSessions = (table: string) =>
      db.count(`SELECT DISTINCT ${[...plan.partitionBy, '__session_id'].join(', ')} FROM ${table} AS ${alias}`);
    const sourceColumns = plan.lateFrom.columns.map(quote).join(', ');
    db.query(`INSERT INTO ${state} SELECT ${sourceColumns} FROM ${partial}${onTime ? ` WHERE ${onTime}` : ''}`);
    db.query(`CREATE OR REPLACE TABLE ${sessions} AS ${this.sessionize(state)}`);
    const before = countSessions(sessions);
    let removed = 0;
    if (this.outputMode === 'complete') {
      emit(this.rowsOutput());
    } else if (closed) {
      db.query(`CREATE OR REPLACE TEMP TABLE ${touched} AS SELECT * FROM ${sessions} WHERE NOT (${closed})`);
      db.query(`DELETE FROM ${sessions} WHERE NOT (${closed})`);
      removed = countSessions(sessions);
      emit(this.rowsOutput());
      db.query(`CREATE OR REPLACE TABLE ${state} AS SELECT ${sourceColumns} FROM ${touched}`);
    } else {
      emit(null);
    }
    const bytes = db.estimateBytes(state, db.count(`SELECT * FROM ${state}`), () => db.textBytes(state));
    return { open: before - removed, removed, bytes };
  }

  /** The user's query over the sessions table, named as DuckDB names its columns. */
  private rowsOutput() {
    return {
      sql: `SELECT * FROM (${this.plan.reference}) AS __out(${this.names.map(quote).join(', ')})`,
      ordered: this.plan.ordered,
    };
  }

  /**
   * Each session of a batch's rows (`rows`, a FROM item): its keys, bounds and partial aggregates; only those ending
   * after `lateUs` (the batch's late rows are the rows of its sessions that end at or before the watermark). Rows of
   * a key less than a gap apart are in one session: each gap-long bucket of a key's rows is aggregated first, and only
   * the buckets are ordered in time to find the sessions.
   */
  private batchSessions(rows: string, lateUs?: bigint): string {
    const { window, alias } = this.plan;
    const { keys, aggregates } = this.plan.merging!;
    const columns = keys.map((key) => key.column);
    const gap = window.gapUs;
    const bucket =
      window.gapSql === undefined ? [`__start - ((__start % ${gap}) + ${gap}) % ${gap}`] : ['__start', '__end'];
    const buckets = [
      ...keys.map((key) => `${key.expression} AS ${key.column}`),
      'min(__start) AS __start',
      'max(__end) AS __end',
      ...aggregates.map((a) => `${a.call}${a.merge === 'combine' ? ' EXPORT_STATE' : ''} AS ${a.column}`),
    ];
    const opened = sessionRows(window, rows);
    const grouped = `SELECT ${buckets.join(', ')} FROM (${opened}) AS ${quote(alias)} GROUP BY ${[...keys.map((key) => key.expression), ...bucket].join(', ')}`;
    const sessions = [
      ...columns,
      'make_timestamp(min(__start)) AS __session_start',
      'make_timestamp(max(__end)) AS __session_end',
      ...aggregates.map((a) => `${MERGE_PARTIALS[a.merge as keyof typeof MERGE_PARTIALS](a.column)} AS ${a.column}`),
    ];
    const onTime = lateUs === undefined ? '' : ` HAVING max(__end) > ${lateUs}`;
    return `SELECT ${sessions.join(', ')} FROM (${islands(grouped, '__start', '__end', columns)}) GROUP BY ${[...columns, '__island'].join(', ')}${onTime}`;
  }

  /**
   * The state as open sessions' bounds and partial aggregates: the batch's sessions and the open sessions of their
   * keys merge where they overlap or touch (Spark's MergingSessionsExec), and replace those open sessions.
   */
  private mergeSessions(emit: Emit, rows: string, lateUs: bigint | undefined, closed: string | null) {
    const { db } = this;
    const { keys, aggregates } = this.merging!;
    const { state, sessions, touched } = this.tables;
    db.query(`CREATE OR REPLACE TEMP TABLE ${touched} AS ${this.batchSessions(rows, lateUs)}`);
    const same = keys.map((key) => `s.${key.column} IS NOT DISTINCT FROM t.${key.column}`).join(' AND ') || 'TRUE';
    const ofTouchedKeys = `EXISTS (SELECT 1 FROM ${touched} AS t WHERE ${same})`;
    const parts = `SELECT * FROM ${state} AS s WHERE ${ofTouchedKeys} UNION ALL SELECT * FROM ${touched}`;
    const columns = keys.map((key) => key.column);
    const merged = [
      ...columns,
      'min(__session_start) AS __session_start',
      'max(__session_end) AS __session_end',
      ...aggregates.map((a) => `${MERGE_PARTIALS[a.merge as keyof typeof MERGE_PARTIALS](a.column)} AS ${a.column}`),
    ];
    const numbered = islands(parts, '__session_start', '__session_end', columns);
    db.query(
      `CREATE OR REPLACE TABLE ${sessions} AS SELECT ${merged.join(', ')} FROM (${numbered}) GROUP BY ${[...columns, '__island'].join(', ')}`,
    );
    let open = this.stateRows ?? db.count(`SELECT * FROM ${state}`);
    open -= db.changed(`DELETE FROM ${state} AS s WHERE ${ofTouchedKeys}`);
    open += db.changed(`INSERT INTO ${state} SELECT * FROM ${sessions}`);
    let removed = 0;
    if (this.outputMode === 'complete') emit(this.mergedOutput());
    else if (closed) {
      emit(this.mergedOutput(closed));
      removed = db.changed(`DELETE FROM ${state} WHERE ${closed}`);
      open -= removed;
    } else emit(null);
    this.pending = open;
    const bytes = db.estimateBytes(state, open, () =>
      Number(
        db
          .query(`SELECT coalesce(sum(16 + ${partialBytes(keys, aggregates)}), 0)::BIGINT FROM ${state}`)
          .getChildAt(0)!
          .get(0),
      ),
    );
    return { open, removed, bytes };
  }

  /** Sessions of the state with the window's columns (Flink's window_start/end/time, Spark's session_window). */
  private withWindow(from: string, where?: string): string {
    const bounds =
      this.plan.window.syntax === 'flink'
        ? '__session_start AS window_start, __session_end AS window_end, __session_end - INTERVAL 1 MILLISECOND AS window_time'
        : `{'start': __session_start, 'end': __session_end} AS session_window`;
    return `(SELECT *, ${bounds} FROM ${from}${where ? ` WHERE ${where}` : ''}) AS ${quote(this.plan.alias)}`;
  }

  /** The user's select list over the state's sessions, named as DuckDB names the user's query's columns. */
  private mergedOutput(closed?: string) {
    const { output, having, orderBy, limit } = this.merging!;
    const filter = having ? ` WHERE ${having}` : '';
    const select = `SELECT ${output} FROM ${this.withWindow(this.tables.state, closed)}${filter}${orderBy ? ` ORDER BY ${orderBy}` : ''}${limit ? ` LIMIT ${limit}` : ''}`;
    return {
      sql: `SELECT * FROM (${select}) AS __out(${this.names.map(quote).join(', ')})`,
      ordered: this.plan.ordered,
    };
  }
}
