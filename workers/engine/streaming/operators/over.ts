import { quote } from '../../sql/windows';
import { STATE_TABLE, type OverPlan } from '../over';
import { FLINK_RULES } from '../rules';
import { END_OF_TIME } from '../watermark';
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
 * An OVER aggregation, as Flink's RowTimeRangeBoundedPrecedingFunction and RowTimeRowsBoundedPrecedingFunction
 * run it: the state holds the rows not yet emitted and the rows their ranges still need. Each batch adds its
 * on-time rows, emits the rows the watermark has passed with the aggregates over their ranges, then evicts the
 * rows no later row's range reaches: older than the range behind the watermark (RANGE), or all but each
 * partition's last n the watermark has passed (ROWS).
 */
export class OverOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly evictsByWatermark = true;
  readonly keepsStateForever = false;
  private readonly names: string[];

  constructor(
    private readonly db: Statements,
    private readonly plan: OverPlan,
    private readonly tables: { state: string },
    readonly id: string,
    inputs: string[],
  ) {
    this.stateTables = { state: tables.state };
    db.query(`CREATE OR REPLACE TABLE ${tables.state} AS SELECT *, 0::BIGINT AS __seq FROM (${plan.input}) LIMIT 0`);
    this.reference = this.select();
    this.names = db.columnsOf(this.reference);
    const { frame, eventTime } = plan;
    this.description = describeOperator(id, 'over', inputs, {
      keys: plan.partitionBy,
      state: {
        holds:
          frame.kind === 'range'
            ? `the rows not yet emitted, and those within ${frame.text} of the watermark`
            : `the rows not yet emitted, and each partition's last ${frame.preceding} the watermark has passed`,
        evictedWhen:
          frame.kind === 'range'
            ? `${eventTime} + ${frame.text} <= watermark`
            : `${frame.preceding} later rows of its partition are at or below the watermark`,
      },
      watermark: { eventTime, dropsLate: true },
      emits: 'append',
      follows: FLINK_RULES.over,
    });
  }

  private get rowtime(): string {
    return `${quote(this.plan.alias)}.${quote(this.plan.eventTime)}`;
  }

  /** The user's select list over the state; rows whose event time is past `after` and at most `upTo`. */
  private select(after?: bigint, upTo?: bigint): string {
    const sql = this.plan.output.replace(STATE_TABLE, this.tables.state);
    if (after === undefined || upTo === undefined) return sql;
    return `${sql} QUALIFY ${this.rowtime} > ${timestampSql(after)} AND ${this.rowtime} <= ${timestampSql(upTo)}`;
  }

  stateViews(): StateView[] {
    const { frame, eventTime } = this.plan;
    const evict =
      frame.kind === 'range'
        ? `, ${quote(eventTime)} + to_microseconds(${frame.precedingUs}) AS ${quote(EVICT_AT)}`
        : '';
    return [{ table: 'rows in range', sql: `SELECT * EXCLUDE (__seq)${evict} FROM ${this.tables.state}` }];
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { db, plan } = this;
    const { state } = this.tables;
    const { late: lateUs, eviction } = batch.watermarks;
    const alias = quote(plan.alias);
    const isLate = `${this.rowtime} <= ${timestampSql(lateUs)}`;
    const lateBefore = db.lateCount;
    const late = db.lateRows(plan.lateFrom, `FROM (${plan.input}) AS ${alias} WHERE ${isLate}`, lateUs, this.id);
    // Rows of equal event time keep the order they arrived in: the batch's, after the batches before.
    const added = db.changed(
      `INSERT INTO ${state} SELECT *, (${batch.batchId}::BIGINT << 32) + row_number() OVER () FROM (${plan.input}) AS ${alias} WHERE NOT (${isLate})`,
    );
    emit(eviction > lateUs ? { sql: this.output(lateUs, eviction), ordered: false } : null);
    const removed = eviction > lateUs ? db.changed(this.evict(eviction)) : 0;
    const total = db.count(`SELECT 1 FROM ${state}`);
    return {
      late,
      state: {
        operatorName: 'overAggregate',
        operatorId: this.id,
        numRowsTotal: total,
        numRowsUpdated: added,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: db.lateCount - lateBefore,
        memoryUsedBytes: db.estimateBytes(state, total, () => db.textBytes(state)),
      },
    };
  }

  /** The rows the watermark has passed since the last batch, named as DuckDB names the user's columns. */
  private output(after: bigint, upTo: bigint): string {
    return `SELECT * FROM (${this.select(after, upTo)}) AS __out(${this.names.map(quote).join(', ')})`;
  }

  /** Deletes the rows no row still to come can reach: every such row is past the watermark. */
  private evict(watermark: bigint): string {
    const { frame, partitionBy } = this.plan;
    const { state } = this.tables;
    const alias = quote(this.plan.alias);
    if (frame.kind === 'range') {
      const before = watermark === END_OF_TIME ? END_OF_TIME : watermark - frame.precedingUs;
      return `DELETE FROM ${state} AS ${alias} WHERE ${this.rowtime} <= ${timestampSql(before)}`;
    }
    const partition = partitionBy.length ? `PARTITION BY ${partitionBy.join(', ')} ` : '';
    const older = `SELECT __seq FROM ${state} AS ${alias} WHERE ${this.rowtime} <= ${timestampSql(watermark)} QUALIFY row_number() OVER (${partition}ORDER BY ${this.rowtime} DESC, __seq DESC) > ${frame.preceding}`;
    return `DELETE FROM ${state} WHERE __seq IN (${older})`;
  }
}
