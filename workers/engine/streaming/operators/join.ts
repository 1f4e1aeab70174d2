import type { LateRow } from '../../../protocol';
import { quote } from '../../sql/windows';
import type { JoinPlan } from '../join';
import { describeOperator } from './describe';
import {
  EVICT_AT,
  type Emit,
  type OperatorBatch,
  type OperatorResult,
  type StateView,
  type StreamOperator,
} from './operator';
import { END_OF_TIME } from '../watermark';
import { timestampSql, type Statements } from './statements';

/**
 * A join of two streams (Spark's StreamingSymmetricHashJoin): each side keeps its rows as state. The stream
 * tables are shadowed by temporary tables of the same names, so that the user's query joins (new left rows ×
 * all right rows) and then (old left rows × new right rows). A left outer join emits an unmatched left row
 * with NULLs once the watermark evicts it.
 */
export class JoinOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  private readonly states: [string, string];

  constructor(
    private readonly db: Statements,
    private readonly plan: JoinPlan,
    private readonly tables: { left: string; right: string; matches: string },
    readonly id: string,
  ) {
    this.states = [tables.left, tables.right];
    this.stateTables = { left: tables.left, right: tables.right };
    this.reference = plan.sql;
    plan.sides.forEach((side, i) => {
      const matched = i === 0 && plan.outer ? ', false AS __matched, 0::BIGINT AS __row' : '';
      db.query(`CREATE OR REPLACE TABLE ${this.states[i]} AS SELECT *${matched} FROM ${quote(side.source)} LIMIT 0`);
    });
    this.description = describeOperator(
      id,
      'stream-stream join',
      plan.sides.map((side) => side.source),
      {
        keys: [plan.condition],
        state: {
          holds: "each side's rows",
          evictedWhen: plan.sides.some((side) => side.retainUs !== null)
            ? plan.sides
                .map((side) =>
                  side.retainUs === null
                    ? `${side.alias}: never`
                    : `${side.alias}: ${side.eventTimeColumn} + ${Number(side.retainUs) / 1e6} s <= watermark`,
                )
                .join('; ')
            : null,
        },
        watermark: {
          eventTime: plan.sides.map((side) => `${side.alias}.${side.eventTimeColumn}`).join(', '),
          dropsLate: true,
        },
        emits: 'append',
      },
    );
  }

  outputWatermark(inputUs: bigint): bigint {
    if (inputUs === END_OF_TIME) return inputUs;
    const output = inputUs - this.plan.watermarkDelayUs;
    return output > 0n ? output : 0n;
  }

  get evictsByWatermark(): boolean {
    return this.plan.sides.some((side) => side.retainUs !== null);
  }

  get keepsStateForever(): boolean {
    return this.plan.sides.some((side) => side.retainUs === null);
  }

  /** Each side's buffered rows, and when the watermark evicts each. */
  stateViews(): StateView[] {
    return this.plan.sides.map((side, i) => {
      const evict =
        side.retainUs === null
          ? ''
          : `, make_timestamp(epoch_us(${quote(side.eventTimeColumn)}) + ${side.retainUs}) AS ${quote(EVICT_AT)}`;
      const internal = i === 0 && this.plan.outer ? ' EXCLUDE (__matched, __row)' : '';
      const table = side.alias === side.source ? side.source : `${side.alias} (${side.source})`;
      return { table, sql: `SELECT *${internal}${evict} FROM ${this.states[i]}` };
    });
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { plan, db, states } = this;
    const { late: lateWatermark, eviction } = batch.watermarks;
    const late: LateRow[] = [];
    const lateBefore = db.lateCount;
    const fresh = plan.sides.map((side, i) => {
      const stream = quote(side.source);
      const isLate = `${quote(side.eventTimeColumn)} <= ${timestampSql(lateWatermark)}`;
      if (batch.watermarked) {
        const from = { ...side, columns: side.sourceColumns };
        late.push(
          ...db.lateRows(from, `FROM ${stream} AS ${quote(side.alias)} WHERE ${isLate}`, lateWatermark, this.id),
        );
      }
      const table = `${states[i]}_new`;
      db.query(
        `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${stream}${batch.watermarked ? ` WHERE NOT (${isLate})` : ''}`,
      );
      return table;
    });
    const columnsOf = (i: number) => plan.sides[i]!.sourceColumns.map(quote).join(', ');
    const shadow = (i: number, relation: string) =>
      db.query(`CREATE OR REPLACE TEMP TABLE ${quote(plan.sides[i]!.source)} AS ${relation}`);
    // The matches of this batch, then (with an outer join) the unmatched left rows evicted now: one relation.
    const matches = this.tables.matches;
    const collect = (sql: string, first: boolean) =>
      db.query(first ? `CREATE OR REPLACE TEMP TABLE ${matches} AS ${sql}` : `INSERT INTO ${matches} ${sql}`);

    shadow(0, `SELECT * FROM ${fresh[0]}`);
    shadow(1, `SELECT ${columnsOf(1)} FROM ${states[1]} UNION ALL SELECT * FROM ${fresh[1]}`);
    collect(plan.innerSql, true);
    shadow(0, `SELECT ${columnsOf(0)} FROM ${states[0]}`);
    shadow(1, `SELECT * FROM ${fresh[1]}`);
    collect(plan.innerSql, false);

    if (plan.outer) {
      const next = `(SELECT coalesce(max(__row), 0) FROM ${states[0]})`;
      db.query(`INSERT INTO ${states[0]} SELECT *, false, ${next} + row_number() OVER () FROM ${fresh[0]}`);
    } else {
      db.query(`INSERT INTO ${states[0]} SELECT * FROM ${fresh[0]}`);
    }
    db.query(`INSERT INTO ${states[1]} SELECT * FROM ${fresh[1]}`);
    const [left, right] = plan.sides;
    if (plan.outer) {
      db.query(
        `UPDATE ${states[0]} SET __matched = true WHERE NOT __matched AND __row IN (SELECT ${quote(left.alias)}.__row FROM ${states[0]} AS ${quote(left.alias)} JOIN ${states[1]} AS ${quote(right.alias)} ON ${plan.condition})`,
      );
    }

    let removed = 0;
    if (batch.watermarked) {
      plan.sides.forEach((side, i) => {
        if (side.retainUs === null) return;
        const expired = `epoch_us(${quote(side.eventTimeColumn)}) + ${side.retainUs} <= epoch_us(${timestampSql(eviction)})`;
        if (i === 0 && plan.outer) {
          // Unmatched left rows that can no longer match: the left outer join's NULL rows.
          shadow(0, `SELECT ${columnsOf(0)} FROM ${states[0]} WHERE NOT __matched AND ${expired}`);
          shadow(1, `SELECT * FROM ${fresh[1]} LIMIT 0`);
          collect(plan.sql, false);
        }
        removed += db.changed(`DELETE FROM ${states[i]} WHERE ${expired}`);
      });
    }
    for (const side of plan.sides) db.query(`DROP TABLE IF EXISTS temp.${quote(side.source)}`);
    emit({ sql: `SELECT * FROM ${matches}`, ordered: false });
    return {
      late,
      state: {
        operatorName: 'symmetricHashJoin',
        operatorId: this.id,
        numRowsTotal: db.count(`SELECT 1 FROM ${states[0]} UNION ALL SELECT 1 FROM ${states[1]}`),
        numRowsUpdated: db.count(`SELECT 1 FROM ${fresh[0]} UNION ALL SELECT 1 FROM ${fresh[1]}`),
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: db.lateCount - lateBefore,
        memoryUsedBytes: states.reduce((sum, table) => sum + db.textBytes(table), 0),
      },
    };
  }
}
