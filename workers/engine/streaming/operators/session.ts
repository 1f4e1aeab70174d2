import type { OutputMode } from '../../scenario';
import { quote, sessionize } from '../../sql/windows';
import type { SessionPlan } from '../plan';
import { FLINK_RULES } from '../rules';
import { describeOperator } from './describe';
import type { Emit, OperatorBatch, OperatorResult, StateView, StreamOperator } from './operator';
import { timestampSql, type Statements } from './statements';

/**
 * Session windows (Spark's SessionWindowStateStoreSave): the rows of open sessions are the state. Each batch
 * merges its rows into them, drops the batch's sessions that ended at or before the watermark (Spark checks
 * the batch-local session), and emits the sessions the watermark has closed.
 */
export class SessionOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly keyItems: boolean[];
  private readonly names: string[];

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
    this.description = describeOperator(id, 'session', inputs, {
      keys: plan.partitionBy,
      window: plan.window,
      state: { holds: 'the rows of each open session', evictedWhen: 'session end <= watermark' },
      watermark: { eventTime: plan.lateFrom.eventTimeColumn!, dropsLate: outputMode !== 'complete' },
      emits: outputMode === 'append' ? 'append' : 'updates',
      ...(plan.distinct && { follows: FLINK_RULES.distinct }),
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

  /** The rows of the open sessions, as they came in. */
  stateViews(): StateView[] {
    return [{ table: 'open sessions’ rows', sql: `SELECT * FROM ${this.tables.state}` }];
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { plan, db } = this;
    const { state, input, sessions, partial, touched } = this.tables;
    const { late: lateWatermark, eviction } = batch.watermarks;
    const alias = quote(plan.alias);
    const sessionKey = [...plan.partitionBy, '__session_id'].join(', ');
    const countSessions = (table: string) => db.count(`SELECT DISTINCT ${sessionKey} FROM ${table} AS ${alias}`);
    const dropsLate = this.outputMode !== 'complete' && batch.watermarked;
    const sourceColumns = plan.lateFrom.columns.map(quote).join(', ');
    db.query(`CREATE OR REPLACE TEMP TABLE ${input} AS ${plan.input}`);
    db.query(`CREATE OR REPLACE TEMP TABLE ${partial} AS ${this.sessionize(input)}`);
    let late: OperatorResult['late'] = [];
    let droppedSessions = 0;
    const lateBefore = db.lateCount;
    const isLate = `__session_end <= ${timestampSql(lateWatermark)}`;
    // A session ends after its rows' event times: with every row after the watermark, none is late.
    const noneLate = batch.minEventUs !== null && batch.minEventUs > lateWatermark;
    if (dropsLate && !noneLate) {
      late = db.lateRows(plan.lateFrom, `FROM ${partial} AS ${alias} WHERE ${isLate}`, lateWatermark, this.id);
      droppedSessions = db.count(`SELECT DISTINCT ${sessionKey} FROM ${partial} AS ${alias} WHERE ${isLate}`);
    }
    db.query(
      `INSERT INTO ${state} SELECT ${sourceColumns} FROM ${partial}${dropsLate ? ` WHERE NOT (${isLate})` : ''}`,
    );

    const closed = dropsLate ? `__session_end <= ${timestampSql(eviction)}` : null;
    db.query(`CREATE OR REPLACE TABLE ${sessions} AS ${this.sessionize(state)}`);
    const before = countSessions(sessions);
    let removed = 0;
    if (this.outputMode === 'complete') {
      emit(this.output());
    } else if (closed) {
      db.query(`CREATE OR REPLACE TEMP TABLE ${touched} AS SELECT * FROM ${sessions} WHERE NOT (${closed})`);
      db.query(`DELETE FROM ${sessions} WHERE NOT (${closed})`);
      removed = countSessions(sessions);
      emit(this.output());
      db.query(`CREATE OR REPLACE TABLE ${state} AS SELECT ${sourceColumns} FROM ${touched}`);
    } else {
      emit(null);
    }
    return {
      late,
      state: {
        operatorName: 'sessionWindowStateStoreSaveExec',
        operatorId: this.id,
        numRowsTotal: before - removed,
        numRowsUpdated: db.count(`SELECT * FROM ${input}`) - (db.lateCount - lateBefore),
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: droppedSessions,
        memoryUsedBytes: db.estimateBytes(state, db.count(`SELECT * FROM ${state}`), () => db.textBytes(state)),
      },
    };
  }

  /** The user's query over the sessions table, named as DuckDB names its columns. */
  private output() {
    return {
      sql: `SELECT * FROM (${this.plan.reference}) AS __out(${this.names.map(quote).join(', ')})`,
      ordered: this.plan.ordered,
    };
  }
}
