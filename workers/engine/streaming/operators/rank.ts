import type { OutputMode } from '../../scenario';
import { sameName } from '../../sql/tokens';
import { quote } from '../../sql/windows';
import { RANKED_TABLE, type RankPlan } from '../rank';
import { FLINK_RULES, PlanError } from '../rules';
import { describeOperator } from './describe';
import type { Emit, OperatorBatch, OperatorResult, StateView, StreamOperator } from './operator';
import type { Statements } from './statements';

/**
 * Flink's unbounded Top-N over an append-only stream (AppendOnlyTopNFunction): the state keeps each partition's top
 * N rows with their rank, as a row that falls out of the top N can never come back. Each batch ranks the partitions
 * it touched anew; in update mode the rows whose rank changed come out (a new row at its rank, and each row it pushed
 * down at its new one), in complete mode the whole ranking. Rows are never late: a Top-N has no time. Over an
 * updating aggregation (RetractableTopNFunction) a row replaces its group's, and the state keeps every row: one that
 * falls out of the top N can come back when the rows above it change.
 */
export class RankOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly keyItems: boolean[];
  readonly evictsByWatermark = false;
  readonly keepsStateForever = true;

  constructor(
    private readonly db: Statements,
    private readonly plan: RankPlan,
    private readonly tables: { state: string; input: string; touched: string; emitted: string },
    private readonly outputMode: OutputMode,
    readonly id: string,
    inputs: string[],
  ) {
    this.stateTables = { state: tables.state };
    db.query(
      `CREATE OR REPLACE TABLE ${tables.state} AS SELECT *, 0::BIGINT AS __seq, 0::BIGINT AS __rank FROM (${plan.input}) LIMIT 0`,
    );
    db.query(`CREATE OR REPLACE TEMP TABLE ${tables.emitted} AS SELECT * FROM ${tables.state} LIMIT 0`);
    this.reference = this.output(tables.state);
    this.keyItems = this.keyColumns(db.columnsOf(this.reference));
    const { start, end } = plan.range;
    const top = plan.upsertKey
      ? `each partition's rows, one per ${plan.upsertKey.join(', ')},`
      : start === end
        ? `each partition's rank ${end}`
        : `each partition's top ${end} rows`;
    this.description = describeOperator(id, 'rank', inputs, {
      keys: plan.partitionBy,
      state: { holds: `${top} by ${plan.orderBy}, ranked`, evictedWhen: null },
      emits: plan.rankNumber || plan.range.end === 1 ? 'updates' : 'retractions',
      follows: plan.upsertKey ? FLINK_RULES.rankOverUpdates : FLINK_RULES.rank,
    });
  }

  /**
   * A result row's key, as Flink's unique keys of a Top-N: its partition and rank number; the partition alone for
   * the top 1 (a deduplication); without either, the whole row, which enters and leaves the ranking as it is.
   */
  private keyColumns(names: string[]): boolean[] {
    const { plan } = this;
    const { rankNumber, partitionColumns } = plan;
    const keys = rankNumber ? [...partitionColumns, rankNumber] : plan.range.end === 1 ? partitionColumns : null;
    if (!keys) return names.map(() => true);
    const missing = keys.filter((key) => !names.some((name) => sameName(name, key)));
    if (this.outputMode === 'update' && (missing.length > 0 || partitionColumns.length < plan.partitionBy.length))
      throw new PlanError(
        `In update mode a Top-N's result rows are replaced by their key, which is, as Flink says, "the combination of partition columns and rownum column": the output must select ${missing.length ? missing.join(', ') : 'its partition columns'}.`,
        'Select the partition columns and the rank number in the outer SELECT (SELECT * does), and partition by columns, not expressions.',
      );
    return names.map((name) => keys.some((key) => sameName(name, key)));
  }

  /** The user's query over ranked rows of `table`. */
  private output(table: string): string {
    return this.plan.output.replace(RANKED_TABLE, table);
  }

  /** Removes the rows the batch's input replaces: those of the same group key. */
  private replaceUpdated(keys: string[]): void {
    const { state, input } = this.tables;
    const same = keys.map((key) => `${state}.${quote(key)} IS NOT DISTINCT FROM u.${quote(key)}`).join(' AND ');
    this.db.query(`DELETE FROM ${state} WHERE EXISTS (SELECT 1 FROM ${input} AS u WHERE ${same})`);
  }

  stateViews(): StateView[] {
    return [
      {
        table: 'top rows per partition',
        sql: `SELECT * EXCLUDE (__seq, __rank), __rank AS ${quote('rank')} FROM ${this.tables.state}`,
      },
    ];
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { db, plan } = this;
    const { state, input, touched, emitted } = this.tables;
    const alias = quote(plan.alias);
    // Rows of equal rank keep the order they arrived in: the batch's, after the batches before. An aggregation's
    // updates of one batch have no order of their own: they take their keys'.
    const arrival = plan.upsertKey ? `ORDER BY ${plan.upsertKey.map(quote).join(', ')}` : '';
    const added = db.changed(
      `CREATE OR REPLACE TEMP TABLE ${input} AS SELECT *, (${batch.batchId}::BIGINT << 32) + row_number() OVER (${arrival}) AS __seq, NULL::BIGINT AS __rank FROM (${plan.input})`,
    );
    let [removed, changed] = [0, 0];
    if (added > 0) {
      if (plan.upsertKey) this.replaceUpdated(plan.upsertKey);
      db.query(`INSERT INTO ${state} SELECT * FROM ${input}`);
      const partition = plan.partitionBy.join(', ');
      const touchedOnly = plan.partitionBy.length
        ? ` SEMI JOIN (SELECT DISTINCT ${plan.partitionBy.map((p, i) => `${p} AS __p${i}`).join(', ')} FROM ${input} AS ${alias}) AS __t ON ${plan.partitionBy.map((p, i) => `${p} IS NOT DISTINCT FROM __t.__p${i}`).join(' AND ')}`
        : '';
      const over = `${partition ? `PARTITION BY ${partition} ` : ''}ORDER BY ${plan.orderBy}, ${plan.ties}`;
      db.query(
        `CREATE OR REPLACE TEMP TABLE ${touched} AS SELECT __seq, __rank, row_number() OVER (${over}) AS __new FROM ${state} AS ${alias}${touchedOnly}`,
      );
      const { end } = plan.range;
      if (!plan.upsertKey)
        removed = db.changed(`DELETE FROM ${state} WHERE __seq IN (SELECT __seq FROM ${touched} WHERE __new > ${end})`);
      changed = db.changed(
        `CREATE OR REPLACE TEMP TABLE ${emitted} AS SELECT s.* EXCLUDE (__rank), r.__new AS __rank FROM ${state} AS s JOIN ${touched} AS r USING (__seq) WHERE r.__new IS DISTINCT FROM r.__rank AND r.__new <= ${end}`,
      );
      // Over an aggregation a row beyond the top N stays in the state, and its rank may change unseen.
      if (plan.upsertKey || changed > 0)
        db.query(
          `UPDATE ${state} SET __rank = r.__new FROM ${touched} AS r WHERE ${state}.__seq = r.__seq AND r.__new IS DISTINCT FROM r.__rank`,
        );
    }
    if (this.outputMode === 'complete') emit({ sql: this.output(state), ordered: plan.ordered });
    else emit(changed > 0 ? { sql: this.output(emitted), ordered: plan.ordered } : null);
    const total = db.count(`SELECT 1 FROM ${state}`);
    return {
      late: [],
      state: {
        operatorName: plan.keepsLast ? 'deduplicate' : 'rank',
        operatorId: this.id,
        numRowsTotal: total,
        numRowsUpdated: changed,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: 0,
        memoryUsedBytes: db.estimateBytes(state, total, () => db.textBytes(state)),
      },
    };
  }
}
