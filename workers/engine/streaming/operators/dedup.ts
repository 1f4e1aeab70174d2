import type { OutputMode } from '../../scenario';
import { quote } from '../../sql/windows';
import type { DedupPlan } from '../dedup';
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

const STYLE = {
  distinct: 'each distinct row seen',
  first: 'each key seen',
  withinWatermark: 'each key seen, until the watermark passes its event time plus the delay',
};

/**
 * Deduplication (Spark's StreamingDeduplicate): emits the batch's rows whose key was never seen; the state
 * holds the keys seen, and the watermark forgets the keys that carry an event time.
 */
export class DedupOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;

  constructor(
    private readonly db: Statements,
    private readonly plan: DedupPlan,
    private readonly tables: { state: string; input: string; emitted: string },
    outputMode: OutputMode,
    readonly id: string,
    inputs: string[],
  ) {
    this.stateTables = { state: tables.state };
    this.reference = plan.output;
    db.query(`CREATE OR REPLACE TEMP TABLE ${tables.input} AS SELECT * FROM ${quote(plan.sources[0]!)} LIMIT 0`);
    db.query(
      `CREATE OR REPLACE TABLE ${tables.state} AS SELECT ${plan.keys.join(', ')}, ${plan.evictBy ?? 'NULL::TIMESTAMP'} AS __evict FROM (${plan.candidates}) LIMIT 0`,
    );
    db.query(`CREATE OR REPLACE TEMP TABLE ${tables.emitted} AS ${plan.candidates} LIMIT 0`);
    this.description = describeOperator(id, 'dedup', inputs, {
      keys: plan.keys,
      state: { holds: STYLE[plan.style], evictedWhen: plan.evictBy ? `${plan.evictBy} <= watermark` : null },
      watermark: plan.lateFrom.eventTimeColumn
        ? { eventTime: plan.lateFrom.eventTimeColumn, dropsLate: plan.dropsLate && outputMode !== 'complete' }
        : null,
      emits: 'append',
    });
  }

  get evictsByWatermark(): boolean {
    return this.plan.evictBy !== undefined;
  }

  get keepsStateForever(): boolean {
    return this.plan.evictBy === undefined;
  }

  /** The keys seen, and when the watermark forgets each. */
  stateViews(): StateView[] {
    const evict = this.plan.evictBy ? `, __evict AS ${quote(EVICT_AT)}` : '';
    return [{ table: 'keys seen', sql: `SELECT * EXCLUDE (__evict)${evict} FROM ${this.tables.state}` }];
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { plan, db } = this;
    const { state, input, emitted } = this.tables;
    const stream = quote(plan.sources[0]!);
    const dropsLate = plan.dropsLate && batch.watermarked;
    const isLate = `${quote(plan.lateFrom.eventTimeColumn ?? '')} <= ${timestampSql(batch.watermarks.late)}`;
    const lateBefore = db.lateCount;
    const late = dropsLate
      ? db.lateRows(
          plan.lateFrom,
          `FROM ${stream} AS ${quote(plan.alias)} WHERE ${isLate}`,
          batch.watermarks.late,
          this.id,
        )
      : [];
    db.query(
      `CREATE OR REPLACE TEMP TABLE ${input} AS SELECT * FROM ${stream}${dropsLate ? ` WHERE NOT (${isLate})` : ''}`,
    );
    const sameKey = plan.keys.map((key) => `c.${key} IS NOT DISTINCT FROM s.${key}`).join(' AND ');
    db.query(
      `CREATE OR REPLACE TEMP TABLE ${emitted} AS SELECT c.* FROM (${plan.candidates}) AS c ANTI JOIN ${state} AS s ON ${sameKey}`,
    );
    const updated = db.changed(
      `INSERT INTO ${state} SELECT ${plan.keys.join(', ')}, ${plan.evictBy ?? 'NULL'} FROM ${emitted}`,
    );
    emit({ sql: plan.output, ordered: false });
    let removed = 0;
    if (plan.evictBy && batch.watermarked) {
      removed = db.changed(`DELETE FROM ${state} WHERE __evict <= ${timestampSql(batch.watermarks.eviction)}`);
    }
    return {
      late,
      state: {
        operatorName: 'dedupe',
        operatorId: this.id,
        numRowsTotal: db.count(`SELECT * FROM ${state}`),
        numRowsUpdated: updated,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: db.lateCount - lateBefore,
        memoryUsedBytes: db.textBytes(state),
      },
    };
  }
}
