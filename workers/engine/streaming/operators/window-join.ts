import type { LateRow } from '../../../protocol';
import { quote } from '../../sql/windows';
import type { JoinPlan, WindowJoin } from '../join';
import { describeOperator } from './describe';
import {
  EVICT_AT,
  type Emit,
  type OperatorBatch,
  type OperatorResult,
  type StateView,
  type StreamOperator,
} from './operator';
import { heldBack } from '../watermark';
import { timestampSql, type Statements } from './statements';

/**
 * Flink's window join (WindowJoinOperator): each side keeps its windowed rows until the watermark closes their
 * window; then the query, inner, outer or semi as written, joins the closed windows' rows of both sides, and
 * they are purged. Nothing comes out before a window closes; a row whose window has closed is late.
 */
export class WindowJoinOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly evictsByWatermark = true;
  readonly keepsStateForever = false;
  private readonly states: [string, string];
  private readonly window: WindowJoin;

  constructor(
    private readonly db: Statements,
    private readonly plan: JoinPlan,
    private readonly tables: { left: string; right: string; matches: string },
    readonly id: string,
  ) {
    this.states = [tables.left, tables.right];
    this.stateTables = { left: tables.left, right: tables.right };
    this.reference = plan.sql;
    this.window = plan.window!;
    this.window.relations.forEach((relation, i) =>
      db.query(`CREATE OR REPLACE TABLE ${this.states[i]} AS SELECT * FROM ${relation} LIMIT 0`),
    );
    this.description = describeOperator(
      id,
      'stream-stream join',
      plan.sides.map((side) => side.source),
      {
        keys: [plan.condition],
        state: {
          holds: `each side's windowed rows; the ${plan.type === 'semi' ? 'left semi' : plan.type} window join of a window comes out when it closes`,
          evictedWhen: 'window_end <= watermark',
        },
        watermark: {
          eventTime: plan.sides.map((side) => `${side.alias}.${side.eventTimeColumn}`).join(', '),
          dropsLate: true,
        },
        emits: 'append',
      },
    );
  }

  /** A window that closes now holds rows as old as its start: the output watermark stands a window size back. */
  outputWatermark(inputUs: bigint): bigint {
    return heldBack(inputUs, this.plan.watermarkDelayUs);
  }

  stateViews(): StateView[] {
    return this.plan.sides.map((side, i) => ({
      table: side.alias === side.source ? side.source : `${side.alias} (${side.source})`,
      sql: `SELECT *, window_end AS ${quote(EVICT_AT)} FROM ${this.states[i]}`,
    }));
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { db, plan, states, window } = this;
    const { late: lateWatermark, eviction } = batch.watermarks;
    const late: LateRow[] = [];
    const lateBefore = db.lateCount;
    let updated = 0;
    plan.sides.forEach((side, i) => {
      const stream = `${quote(side.source)} AS ${quote(side.alias)}`;
      const from = { ...side, columns: side.sourceColumns };
      const isLate = `${window.lastEnds[i]} <= epoch_us(${timestampSql(lateWatermark)})`;
      late.push(...db.lateRows(from, `FROM ${stream} WHERE ${isLate}`, lateWatermark, this.id));
      updated += db.changed(
        `INSERT INTO ${states[i]} SELECT * FROM ${window.relations[i]} WHERE window_end > ${timestampSql(lateWatermark)}`,
      );
    });
    const closed = `window_end <= ${timestampSql(eviction)}`;
    plan.sides.forEach((side, i) =>
      db.query(`CREATE OR REPLACE TEMP TABLE ${quote(side.source)} AS SELECT * FROM ${states[i]} WHERE ${closed}`),
    );
    db.query(`CREATE OR REPLACE TEMP TABLE ${this.tables.matches} AS ${window.sql}`);
    for (const side of plan.sides) db.query(`DROP TABLE IF EXISTS temp.${quote(side.source)}`);
    const removed = states.reduce((sum, table) => sum + db.changed(`DELETE FROM ${table} WHERE ${closed}`), 0);
    emit({ sql: `SELECT * FROM ${this.tables.matches}`, ordered: false });
    return {
      late,
      state: {
        operatorName: 'windowJoin',
        operatorId: this.id,
        numRowsTotal: db.count(`SELECT 1 FROM ${states[0]} UNION ALL SELECT 1 FROM ${states[1]}`),
        numRowsUpdated: updated,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: db.lateCount - lateBefore,
        memoryUsedBytes: states.reduce((sum, table) => sum + db.textBytes(table), 0),
      },
    };
  }
}
