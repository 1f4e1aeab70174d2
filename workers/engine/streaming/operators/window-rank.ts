import { quote } from '../../sql/windows';
import { FLINK_RULES } from '../rules';
import { ROWS_TABLE, type WindowRankPlan } from '../window-rank';
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
 * Flink's window Top-N and window deduplication on a window TVF (WindowRankOperator, WindowDeduplicateOperator):
 * the state holds each open window's rows, pruned after every batch to the top N of each partition, as no later
 * row can raise a pruned one. When the watermark passes a window's end, the query ranks its rows, they come out
 * once, and the window leaves the state; a row whose windows have all closed is late.
 */
export class WindowRankOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly evictsByWatermark = true;
  readonly keepsStateForever = false;

  constructor(
    private readonly db: Statements,
    private readonly plan: WindowRankPlan,
    private readonly tables: { state: string; input: string },
    readonly id: string,
    inputs: string[],
  ) {
    this.stateTables = { state: tables.state };
    db.query(`CREATE OR REPLACE TABLE ${tables.state} AS SELECT *, 0::BIGINT AS __seq FROM (${plan.input}) LIMIT 0`);
    db.query(`CREATE OR REPLACE TEMP TABLE ${tables.input} AS SELECT * FROM ${tables.state} LIMIT 0`);
    this.reference = plan.output.replace(ROWS_TABLE, tables.input);
    const ranked = plan.keeps ? `each window's ${plan.keeps} row` : `each window's top ${plan.limit} rows`;
    this.description = describeOperator(id, 'window rank', inputs, {
      keys: plan.partitionBy,
      window: plan.window,
      state: {
        holds: `${ranked} of each partition by ${plan.orderBy}; they come out when it closes`,
        evictedWhen: 'window_end <= watermark',
      },
      watermark: { eventTime: plan.lateFrom.eventTimeColumn, dropsLate: true },
      emits: 'append',
      follows: FLINK_RULES.windowRank,
    });
  }

  stateViews(): StateView[] {
    return [
      {
        table: 'rows per window',
        sql: `SELECT * EXCLUDE (__seq), window_end AS ${quote(EVICT_AT)} FROM ${this.tables.state}`,
      },
    ];
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { db, plan } = this;
    const { state, input } = this.tables;
    const { late: lateUs, eviction } = batch.watermarks;
    const alias = quote(plan.alias);
    const lateBefore = db.lateCount;
    const late = db.lateRows(
      plan.lateFrom,
      `FROM ${quote(plan.sources[0]!)} AS ${alias} WHERE ${plan.lastEnd} <= epoch_us(${timestampSql(lateUs)})`,
      lateUs,
      this.id,
    );
    // Rows of equal rank keep the order they arrived in: the batch's, after the batches before.
    const added = db.changed(
      `INSERT INTO ${state} SELECT *, (${batch.batchId}::BIGINT << 32) + row_number() OVER () FROM (${plan.input}) WHERE window_end > ${timestampSql(lateUs)}`,
    );
    const partition = plan.partitionBy.join(', ');
    const outranked = `SELECT __seq FROM ${state} AS ${alias} QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY ${plan.orderBy}, ${plan.ties}) > ${plan.limit}`;
    const pruned = db.changed(`DELETE FROM ${state} WHERE __seq IN (${outranked})`);
    const closed = `window_end <= ${timestampSql(eviction)}`;
    const closing = db.changed(`CREATE OR REPLACE TEMP TABLE ${input} AS SELECT * FROM ${state} WHERE ${closed}`);
    emit(closing > 0 ? { sql: this.reference, ordered: false } : null);
    const removed = pruned + db.changed(`DELETE FROM ${state} WHERE ${closed}`);
    const total = db.count(`SELECT 1 FROM ${state}`);
    return {
      late,
      state: {
        operatorName: plan.keeps ? 'windowDeduplicate' : 'windowRank',
        operatorId: this.id,
        numRowsTotal: total,
        numRowsUpdated: added,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: db.lateCount - lateBefore,
        memoryUsedBytes: db.estimateBytes(state, total, () => db.textBytes(state)),
      },
    };
  }
}
