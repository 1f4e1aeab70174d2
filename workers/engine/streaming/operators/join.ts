import type { LateRow } from '../../../protocol';
import { quote } from '../../sql/windows';
import type { JoinPlan, JoinSide } from '../join';
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
 * A join of two streams (Spark's StreamingSymmetricHashJoinExec): each side keeps its rows as state. The stream
 * tables are shadowed by temporary tables of the same names, so that the user's query joins (new left rows ×
 * all right rows) and then (old left rows × new right rows). A row failing its side's part of the condition
 * is never stored, and on an outer side comes out with NULLs at once; an outer side's unmatched row comes out
 * with NULLs once the watermark evicts it; a left semi join emits a left row at its first match, once.
 */
export class JoinOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  private readonly states: [string, string];
  private collected = false;

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
      const tracked = side.tracked ? ', false AS __matched, 0::BIGINT AS __row' : '';
      db.query(`CREATE OR REPLACE TABLE ${this.states[i]} AS SELECT *${tracked} FROM ${quote(side.source)} LIMIT 0`);
    });
    const outer = plan.sides.filter((side) => side.outer).map((side) => side.alias);
    const holds =
      plan.type === 'semi'
        ? "each side's rows; a left row comes out once, at its first match"
        : outer.length
          ? `each side's rows; unmatched rows of ${outer.join(' and ')} come out with NULLs when evicted`
          : "each side's rows";
    this.description = describeOperator(
      id,
      'stream-stream join',
      plan.sides.map((side) => side.source),
      {
        keys: [plan.condition],
        state: {
          holds,
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
    return heldBack(inputUs, this.plan.watermarkDelayUs);
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
      const internal = side.tracked ? ' EXCLUDE (__matched, __row)' : '';
      const table = side.alias === side.source ? side.source : `${side.alias} (${side.source})`;
      return { table, sql: `SELECT *${internal}${evict} FROM ${this.states[i]}` };
    });
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { plan, db, states } = this;
    const late: LateRow[] = [];
    const lateBefore = db.lateCount;
    this.collected = false;
    const fresh = plan.sides.map((side, i) => this.admit(side, states[i]!, batch, late));
    if (plan.type === 'semi') this.matchSemi(fresh);
    else this.matchAll(fresh);
    plan.sides.forEach((side, i) => {
      if (side.outer && side.filter) this.padded(i, `SELECT * FROM ${states[i]}_failed`);
    });
    const updated = this.store(fresh, batch);
    let removed = 0;
    if (batch.watermarked) {
      plan.sides.forEach((side, i) => {
        const expired = this.expired(side, batch);
        if (!expired) return;
        if (side.outer)
          this.padded(i, `SELECT ${this.columns(i)} FROM ${states[i]} WHERE NOT __matched AND ${expired}`);
        removed += db.changed(`DELETE FROM ${states[i]} WHERE ${expired}`);
      });
    }
    for (const side of plan.sides) db.query(`DROP TABLE IF EXISTS temp.${quote(side.source)}`);
    emit({ sql: `SELECT * FROM ${this.tables.matches}`, ordered: false });
    return {
      late,
      state: {
        operatorName: 'symmetricHashJoin',
        operatorId: this.id,
        numRowsTotal: db.count(`SELECT 1 FROM ${states[0]} UNION ALL SELECT 1 FROM ${states[1]}`),
        numRowsUpdated: updated,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: db.lateCount - lateBefore,
        memoryUsedBytes: states.reduce((sum, table) => sum + db.textBytes(table), 0),
      },
    };
  }

  /**
   * The side's batch rows that are not late and pass its part of the condition, in `<state>_new` (with row ids
   * when it is tracked); on an outer side, those that fail it in `<state>_failed`.
   */
  private admit(side: JoinSide, state: string, batch: OperatorBatch, late: LateRow[]): string {
    const { db } = this;
    const lateWatermark = batch.watermarks.late;
    const stream = `${quote(side.source)} AS ${quote(side.alias)}`;
    const isLate = `${quote(side.alias)}.${quote(side.eventTimeColumn)} <= ${timestampSql(lateWatermark)}`;
    if (batch.watermarked) {
      const from = { ...side, columns: side.sourceColumns };
      late.push(...db.lateRows(from, `FROM ${stream} WHERE ${isLate}`, lateWatermark, this.id));
    }
    const onTime = batch.watermarked ? `NOT (${isLate})` : 'true';
    const passes = side.filter ? `coalesce(${side.filter}, false)` : 'true';
    const ids = side.tracked ? `, (SELECT coalesce(max(__row), 0) FROM ${state}) + row_number() OVER () AS __row` : '';
    db.query(
      `CREATE OR REPLACE TEMP TABLE ${state}_new AS SELECT ${quote(side.alias)}.*${ids} FROM ${stream} WHERE ${onTime} AND ${passes}`,
    );
    if (side.outer && side.filter)
      db.query(
        `CREATE OR REPLACE TEMP TABLE ${state}_failed AS SELECT ${quote(side.alias)}.* FROM ${stream} WHERE ${onTime} AND NOT ${passes}`,
      );
    return `${state}_new`;
  }

  /** Inner and outer joins: each new row's matches in the other side, new rows included once. */
  private matchAll(fresh: string[]): void {
    const { plan, states } = this;
    this.shadow(0, `SELECT ${this.columns(0)} FROM ${fresh[0]}`);
    this.shadow(1, `SELECT ${this.columns(1)} FROM ${states[1]} UNION ALL SELECT ${this.columns(1)} FROM ${fresh[1]}`);
    this.collect(plan.innerSql);
    this.shadow(0, `SELECT ${this.columns(0)} FROM ${states[0]}`);
    this.shadow(1, `SELECT ${this.columns(1)} FROM ${fresh[1]}`);
    this.collect(plan.innerSql);
  }

  /**
   * A left semi join: a new left row matching a right row of the state comes out now and is not stored; a stored
   * left row comes out at its first match with a new right row, and is marked so that it does not again.
   */
  private matchSemi(fresh: string[]): void {
    const { db, plan, states } = this;
    const [left, right] = [quote(plan.sides[0].alias), quote(plan.sides[1].alias)];
    const rights = `SELECT ${this.columns(1)} FROM ${states[1]} UNION ALL SELECT ${this.columns(1)} FROM ${fresh[1]}`;
    db.query(
      `CREATE OR REPLACE TEMP TABLE ${states[0]}_hits AS SELECT ${left}.__row FROM ${fresh[0]} AS ${left} JOIN ${states[1]} AS ${right} ON ${plan.condition}`,
    );
    db.query(
      `INSERT INTO ${states[0]} SELECT * EXCLUDE (__row), false, __row FROM ${fresh[0]} WHERE __row NOT IN (SELECT __row FROM ${states[0]}_hits)`,
    );
    db.query(
      `CREATE OR REPLACE TEMP TABLE ${states[0]}_first AS SELECT ${left}.__row FROM ${states[0]} AS ${left} JOIN (${rights}) AS ${right} ON ${plan.condition} WHERE NOT ${left}.__matched`,
    );
    this.shadow(
      0,
      `SELECT ${this.columns(0)} FROM ${fresh[0]} WHERE __row IN (SELECT __row FROM ${states[0]}_hits)
       UNION ALL SELECT ${this.columns(0)} FROM ${states[0]} WHERE __row IN (SELECT __row FROM ${states[0]}_first)`,
    );
    this.shadow(1, rights);
    this.collect(plan.sql);
    db.query(`UPDATE ${states[0]} SET __matched = true WHERE __row IN (SELECT __row FROM ${states[0]}_first)`);
  }

  /**
   * Adds the new rows to the state and marks the tracked sides' matched rows; a right row that this batch evicts
   * is not stored (Spark's AddingProcessedRowToStateCompletionIterator), unless an outer side's unmatched row.
   * The rows stored.
   */
  private store(fresh: string[], batch: OperatorBatch): number {
    const { db, plan, states } = this;
    const [leftSide, rightSide] = plan.sides;
    const [left, right] = [quote(plan.sides[0].alias), quote(plan.sides[1].alias)];
    let stored =
      plan.type === 'semi' ? db.count(`SELECT 1 FROM ${states[0]} WHERE __row IN (SELECT __row FROM ${fresh[0]})`) : 0;
    if (plan.type !== 'semi') {
      const row = leftSide.tracked ? ' EXCLUDE (__row), false, __row' : '';
      stored += db.changed(`INSERT INTO ${states[0]} SELECT *${row} FROM ${fresh[0]}`);
    }
    const expired = this.expired(rightSide, batch);
    const row = rightSide.tracked ? ' EXCLUDE (__row), false, __row' : '';
    const kept = expired && !rightSide.tracked ? ` WHERE NOT (${expired})` : '';
    stored += db.changed(`INSERT INTO ${states[1]} SELECT *${row} FROM ${fresh[1]}${kept}`);
    // Only a row not matched yet can be marked: the join reads those alone.
    const pairs = (unmatched: string, table: string, other: string) =>
      `${table} JOIN ${other} ON ${plan.condition} WHERE NOT ${unmatched}.__matched`;
    if (plan.type !== 'semi' && leftSide.tracked) {
      const rights = `(SELECT ${this.columns(1)} FROM ${states[1]} UNION ALL SELECT ${this.columns(1)} FROM ${fresh[1]})`;
      db.query(
        `UPDATE ${states[0]} SET __matched = true WHERE NOT __matched AND __row IN (SELECT ${left}.__row FROM ${pairs(left, `${states[0]} AS ${left}`, `${rights} AS ${right}`)})`,
      );
    }
    if (rightSide.tracked) {
      db.query(
        `UPDATE ${states[1]} SET __matched = true WHERE NOT __matched AND __row IN (SELECT ${right}.__row FROM ${pairs(right, `${states[0]} AS ${left}`, `${states[1]} AS ${right}`)})`,
      );
      if (expired)
        stored -= db.changed(
          `DELETE FROM ${states[1]} WHERE __matched AND ${expired} AND __row IN (SELECT __row FROM ${fresh[1]})`,
        );
    }
    return stored;
  }

  /**
   * The rows of a side the batch's watermark evicts, as a condition over its state; null when it keeps them. The
   * watermark is compared in microseconds as it is held: `epoch_us('infinity')`, the end of the input's, is NULL.
   */
  private expired(side: JoinSide, batch: OperatorBatch): string | null {
    if (side.retainUs === null || !batch.watermarked) return null;
    return `epoch_us(${quote(side.eventTimeColumn)}) + ${side.retainUs} <= ${batch.watermarks.eviction}`;
  }

  /** The rows of side `i` that `rows` selects, with NULLs for the other side's columns, into the output. */
  private padded(i: number, rows: string): void {
    const other = 1 - i;
    this.shadow(i, rows);
    this.shadow(other, `SELECT ${this.columns(other)} FROM ${this.states[other]} LIMIT 0`);
    this.collect(this.plan.sides[i]!.paddedSql);
  }

  private columns(i: number): string {
    return this.plan.sides[i]!.sourceColumns.map(quote).join(', ');
  }

  private shadow(i: number, relation: string): void {
    this.db.query(`CREATE OR REPLACE TEMP TABLE ${quote(this.plan.sides[i]!.source)} AS ${relation}`);
  }

  /** The batch's output, in one table: its first relation creates it, the others add to it. */
  private collect(sql: string): void {
    const matches = this.tables.matches;
    this.db.query(
      this.collected ? `INSERT INTO ${matches} ${sql}` : `CREATE OR REPLACE TEMP TABLE ${matches} AS ${sql}`,
    );
    this.collected = true;
  }
}
