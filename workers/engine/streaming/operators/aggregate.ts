import type { ColumnSpec, OutputMode } from '../../scenario';
import { quote, windowedRelation } from '../../sql/windows';
import { PlanError, VALUE_MERGES, type AggregatePlan, type GroupKey, type PartialAggregate } from '../plan';
import { FLINK_RULES } from '../rules';
import { END_OF_TIME } from '../watermark';
import {
  EVICT_AT,
  SMALL_BATCH_ROWS,
  type Emit,
  type OperatorBatch,
  type OperatorResult,
  type StateView,
  type StreamOperator,
} from './operator';
import { describeOperator } from './describe';
import { timestampSql, type Statements } from './statements';

/**
 * A streaming aggregation (Spark's StateStoreSave): each key's aggregates are kept as mergeable partial
 * states; each batch aggregates its on-time rows, merges them into the state, and emits in the output mode:
 * the closed windows (append), the keys it touched (update) or every key (complete).
 */
export class AggregateOperator implements StreamOperator {
  readonly description;
  readonly stateTables: Record<string, string>;
  readonly reference: string;
  readonly keyItems: boolean[];
  private readonly names: string[];
  /** The distinct aggregates: their values are kept in `tables.distinct`, one column `__v<index>` each. */
  private readonly distincts: PartialAggregate[];
  /** The state's rows, counted once and then kept from what each batch changed. */
  private stateRows: number | undefined;
  /**
   * At most the earliest event-time bound (a window's end, an event-time key) of the state's rows: while the
   * watermark is below it, no window can close, and the emit and evict statements are skipped. Unknown (null)
   * until measured.
   */
  private stateBoundUs: bigint | null = null;
  /** The two above after the running batch: kept once it has committed, since a batch that fails rolls back. */
  private pending: { stateRows?: number; stateBoundUs: bigint | null } = { stateBoundUs: null };
  /** Whether the batch is aggregated by panes: the plan allows it and each partial state merges exactly. */
  private readonly byPanes: boolean;
  /**
   * Whether the batch's partial aggregates are merged into the state in place, by one MERGE, rather than into a table
   * of touched keys that then replace theirs (which update mode emits). In place, a key's row keeps its position.
   */
  private readonly mergesInPlace: boolean;

  constructor(
    private readonly run_: Statements,
    private readonly plan: AggregatePlan,
    private readonly tables: { state: string; touched: string; distinct: string; panes: string },
    private readonly outputMode: OutputMode,
    readonly id: string,
    inputs: string[],
    /** Whether its output goes to the sink, which orders it: then no output depends on the state's row order. */
    feedsSink: boolean,
  ) {
    this.distincts = plan.aggregates.filter((a) => a.distinct);
    this.mergesInPlace =
      feedsSink && outputMode !== 'update' && this.distincts.length === 0 && !plan.orderBy && !plan.limit;
    this.stateTables = { state: tables.state, ...(this.distincts.length && { distinct: tables.distinct }) };
    this.reference = plan.reference;
    this.keyItems = plan.keyItems;
    // Binding the user's aggregation before its partial-state form names a misspelt column as such.
    this.names = run_.columnsOf(plan.reference);
    this.createState();
    this.byPanes = plan.panes !== undefined && mergesExactly(run_.describe(tables.state));
    if (this.distincts.length)
      run_.query(`CREATE OR REPLACE TABLE ${tables.distinct} AS ${this.distinctValues('FALSE')}`);
    this.description = describeOperator(id, 'aggregate', inputs, {
      keys: plan.groupingSets?.keys ?? plan.keys.map((key) => key.expression),
      window: plan.window,
      state: {
        holds: 'a partial aggregate per key',
        evictedWhen:
          plan.eventTime && outputMode !== 'complete'
            ? `${plan.eventTime.state.replaceAll('"', '')} <= ${plan.processingTime ? 'processing time' : 'watermark'}`
            : null,
      },
      watermark:
        plan.eventTime && !plan.processingTime
          ? { eventTime: plan.eventTime.input, dropsLate: outputMode !== 'complete' }
          : null,
      emits: outputMode === 'append' ? 'append' : 'updates',
      ...(this.distincts.length && { follows: FLINK_RULES.distinct }),
      ...(plan.groupingSets && { follows: FLINK_RULES.groupingSets }),
      ...(plan.processingTime && { follows: FLINK_RULES.processingTime }),
    });
  }

  get evictsByWatermark(): boolean {
    return this.plan.eventTime !== null && !this.plan.processingTime && this.outputMode !== 'complete';
  }

  /** A processing-time window's: the earliest end of the windows it holds, which the clock closes. */
  clockCloses(): bigint | null {
    return this.plan.processingTime && this.outputMode !== 'complete' ? this.stateBoundUs : null;
  }

  get keepsStateForever(): boolean {
    return this.plan.eventTime === null || this.outputMode === 'complete';
  }

  private createState(): void {
    try {
      this.run_.query(`CREATE OR REPLACE TABLE ${this.tables.state} AS ${this.partialSql()} LIMIT 0`);
    } catch (error) {
      if (!(error instanceof Error && /Cannot use EXPORT_STATE on aggregate functions/.test(error.message)))
        throw error;
      const holistic = this.plan.aggregates.filter((a) => a.merge === 'combine').map((a) => a.call.split('(')[0]);
      throw new PlanError(
        `A streaming aggregate must be kept as a running partial state merged batch by batch, and one of ${holistic.join(', ')} has none in DuckDB (it needs all the values at once).`,
        'Use aggregates that merge: count, sum, avg, min, max, approx_count_distinct, stddev, var, bool_and, bool_or, first, last...',
      );
    }
  }

  /** The batch's rows: FROM and WHERE of the user's query, and any further conditions. */
  private batchRows(...conditions: (string | undefined)[]): string {
    return this.rowsFrom(this.plan.from, conditions);
  }

  /** The batch's rows as they are grouped: each once per grouping set, when there are sets. */
  private groupedRows(...conditions: (string | undefined)[]): string {
    const sets = this.plan.groupingSets;
    return this.rowsFrom(sets ? `${this.plan.from} ${sets.expansion}` : this.plan.from, conditions);
  }

  private rowsFrom(from: string, conditions: (string | undefined)[]): string {
    const where = [this.plan.where && `(${this.plan.where})`, ...conditions].filter(Boolean).join(' AND ');
    return `FROM ${from}${where ? ` WHERE ${where}` : ''}`;
  }

  /**
   * The batch's distinct values of every distinct aggregate, per group: the group's keys, which aggregate
   * (`__d`), and the value in that aggregate's column `__v<index>`.
   */
  private distinctValues(condition?: string): string {
    const keys = this.plan.keys.map((key) => `${key.expression} AS ${key.column}`);
    return this.distincts
      .map((aggregate) => {
        const { index, value, filter } = aggregate.distinct!;
        const values = this.distincts.map(
          ({ distinct: other }) => `${other!.index === index ? value : 'NULL'} AS __v${other!.index}`,
        );
        const rows = this.groupedRows(condition, filter && `(${filter})`);
        return `SELECT DISTINCT ${[...keys, `${index} AS __d`, ...values].join(', ')} ${rows}`;
      })
      .join(' UNION ALL ');
  }

  private partialSql(condition?: string): string {
    const { keys, aggregates } = this.plan;
    const columns = [
      ...keys.map((key) => `${key.expression} AS ${key.column}`),
      ...aggregates.map((a) => `${a.call}${a.merge === 'combine' ? ' EXPORT_STATE' : ''} AS ${a.column}`),
    ];
    const groupBy = keys.length ? ` GROUP BY ${keys.map((key) => key.expression).join(', ')}` : '';
    return `SELECT ${columns.join(', ')} ${this.groupedRows(condition)}${groupBy}`;
  }

  /**
   * The batch's partial aggregates by panes: each key's rows per pane, then each window's panes merged, the
   * windows whose end the watermark has passed (`onTime`) left out.
   */
  private paneSql(onTime?: string): string {
    const { keys, aggregates, where, window, alias } = this.plan;
    const panes = this.plan.panes!;
    const own = keys.filter((_, i) => !panes.windowKeys[i]);
    const paneColumns = [
      ...own.map((key) => `${key.expression} AS ${key.column}`),
      `${panes.start} AS __pane`,
      ...aggregates.map((a) => `${a.call}${a.merge === 'combine' ? ' EXPORT_STATE' : ''} AS ${a.column}`),
    ];
    const grouped = [...own.map((key) => key.expression), panes.start].join(', ');
    const byPane = `SELECT ${paneColumns.join(', ')} FROM ${panes.from}${where ? ` WHERE (${where})` : ''} GROUP BY ${grouped}`;
    const windows = windowedRelation({ ...window!, timeColumn: '__pane' }, this.tables.panes);
    const columns = keys.map((key) => key.column).join(', ');
    const merged = aggregates.map(
      (a) => `${MERGE_PARTIALS[a.merge as keyof typeof MERGE_PARTIALS](a.column)} AS ${a.column}`,
    );
    const kept = onTime ? ` WHERE ${onTime}` : '';
    return `WITH ${quote(this.tables.panes)} AS (${byPane}) SELECT ${columns}, ${merged.join(', ')} FROM (${windows}) AS ${quote(alias)}${kept} GROUP BY ${columns}`;
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    const { plan, outputMode, run_: db } = this;
    const { state, touched } = this.tables;
    const { late: lateWatermark, eviction } = batch.watermarks;
    const dropsLate = outputMode !== 'complete' && batch.watermarked && plan.eventTime !== null && !plan.processingTime;

    let late: OperatorResult['late'] = [];
    let droppedKeys = 0;
    let onTime: string | undefined;
    // A window ends after its rows' event times: with every row after the watermark, none is late.
    const noneLate = plan.window && batch.minEventUs !== null && batch.minEventUs > lateWatermark;
    if (dropsLate && !noneLate) {
      const isLate = `${plan.eventTime!.input} <= ${timestampSql(lateWatermark)}`;
      onTime = `NOT (${isLate})`;
      const overlapping = plan.window?.kind === 'hop' || plan.window?.kind === 'cumulate';
      late = db.lateRows(plan.lateFrom, this.batchRows(isLate), lateWatermark, this.id, { distinct: overlapping });
      if (late.length > 0) {
        const keys = plan.keys.map((key) => key.expression).join(', ') || '1';
        droppedKeys = db.count(`SELECT DISTINCT ${keys} ${this.groupedRows(isLate)}`);
      }
    }

    const partialSql = this.byPanes ? this.paneSql(onTime) : this.partialSql(onTime);
    const distinct = this.tables.distinct;
    // Flink's distinct aggregates: the group's values seen so far, each once, and the aggregate over them.
    if (this.distincts.length)
      db.query(
        `INSERT INTO ${distinct} SELECT * FROM (${this.distinctValues(onTime)}) EXCEPT SELECT * FROM ${distinct}`,
      );
    const { updated, added } = this.mergesInPlace
      ? this.mergeInPlace(partialSql, onTime === undefined && batch.inputRows <= SMALL_BATCH_ROWS)
      : this.mergeByTouched(partialSql);
    let stateRows = this.stateRows === undefined ? db.count(`SELECT * FROM ${state}`) : this.stateRows + added;

    // A row's window ends after its event time, and an event-time key is the event time: the batch's
    // earliest event time bounds what it added to the state from below.
    let stateBoundUs =
      this.stateBoundUs === null || batch.minEventUs === null
        ? null
        : batch.minEventUs < this.stateBoundUs
          ? batch.minEventUs
          : this.stateBoundUs;
    // A processing-time window closes once the batch's processing time reaches its end; the bound is then kept exact.
    const closesAt = plan.processingTime ? batch.processingUs : eviction;
    const closes = plan.processingTime || stateBoundUs === null || closesAt >= stateBoundUs;
    const closed =
      plan.eventTime && (batch.watermarked || plan.processingTime) && closes
        ? `${plan.eventTime.state} <= ${timestampSql(closesAt)}`
        : null;
    if (outputMode === 'complete') emit(this.output(state));
    else if (outputMode === 'update') emit(this.output(touched));
    else emit(closed ? this.output(state, closed) : null);
    let removed = 0;
    if (closed && outputMode !== 'complete') {
      removed = db.changed(`DELETE FROM ${state} AS ${quote(plan.alias)} WHERE ${closed}`);
      if (this.distincts.length) db.query(`DELETE FROM ${distinct} AS ${quote(plan.alias)} WHERE ${closed}`);
      stateRows -= removed;
      stateBoundUs = this.earliestBound();
    }
    this.pending = { stateRows, stateBoundUs };
    return {
      late,
      state: {
        operatorName: 'stateStoreSave',
        operatorId: this.id,
        numRowsTotal: stateRows,
        numRowsUpdated: updated,
        numRowsRemoved: removed,
        numRowsDroppedByWatermark: droppedKeys,
        memoryUsedBytes: db.estimateBytes(state, stateRows, () => this.stateBytes()),
      },
    };
  }

  /** Both partial states of an aggregate merged: the state's row `s` and the batch's `p`. */
  private mergedState(aggregate: PartialAggregate): string {
    const { column, merge } = aggregate;
    if (merge === 'combine') return `combine(s.${column}, p.${column})`;
    return VALUE_MERGES[merge as keyof typeof VALUE_MERGES](`s.${column}`, `p.${column}`);
  }

  private sameKey(a: string, b: string): string {
    return (
      this.plan.keys.map((key) => `${a}.${key.column} IS NOT DISTINCT FROM ${b}.${key.column}`).join(' AND ') || 'TRUE'
    );
  }

  /**
   * One MERGE: each touched key's row updated where it is, each new key's inserted; it returns which it did. Its SQL
   * is the same every batch without late rows: for a small batch (`repeats`) it is prepared once.
   */
  private mergeInPlace(partialSql: string, repeats: boolean): { updated: number; added: number } {
    const { keys, aggregates } = this.plan;
    const set = aggregates.map((a) => `${a.column} = ${this.mergedState(a)}`);
    const columns = [...keys, ...aggregates].map((item) => item.column);
    const actions = this.run_.query(
      `MERGE INTO ${this.tables.state} AS s USING (${partialSql}) AS p ON ${this.sameKey('p', 's')} WHEN MATCHED THEN UPDATE SET ${set.join(', ')} WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((column) => `p.${column}`).join(', ')}) RETURNING merge_action = 'INSERT' AS added`,
      repeats,
    );
    let added = 0;
    for (const inserted of actions.getChildAt(0)!) if (inserted) added++;
    return { updated: actions.numRows, added };
  }

  /** The touched keys' merged rows into their table, then in the state in place of their rows there. */
  private mergeByTouched(partialSql: string): { updated: number; added: number } {
    const { plan, run_: db } = this;
    const { state, touched, distinct } = this.tables;
    const merged = plan.aggregates.map((a) => {
      if (a.merge === 'distinct') {
        const { over, index } = a.distinct!;
        return `(SELECT ${over} FROM ${distinct} AS d WHERE d.__d = ${index} AND ${this.sameKey('d', 'p')}) AS ${a.column}`;
      }
      return `CASE WHEN s.__present THEN ${this.mergedState(a)} ELSE p.${a.column} END AS ${a.column}`;
    });
    const keyColumns = plan.keys.map((key) => `p.${key.column}`);
    const sameKey = this.sameKey('p', 's');
    db.query(
      `CREATE OR REPLACE TEMP TABLE ${touched} AS SELECT ${[...keyColumns, ...merged].join(', ')} FROM (${partialSql}) AS p LEFT JOIN (SELECT *, TRUE AS __present FROM ${state}) AS s ON ${sameKey}`,
    );
    // DuckDB's DELETE and INSERT return how many rows they changed: no statements to count them.
    const replaced = db.changed(`DELETE FROM ${state} AS s USING ${touched} AS p WHERE ${sameKey}`);
    const updated = db.changed(`INSERT INTO ${state} SELECT * FROM ${touched}`);
    return { updated, added: updated - replaced };
  }

  commit(): void {
    ({ stateRows: this.stateRows, stateBoundUs: this.stateBoundUs } = this.pending);
  }

  /** Each key's result so far: the user's select list over the state, every key (no HAVING, no LIMIT). */
  stateViews(): StateView[] {
    const { plan } = this;
    const evict = this.evictsByWatermark ? `, ${plan.eventTime!.state}` : '';
    const names = [...this.names, ...(evict ? [EVICT_AT] : [])].map(quote).join(', ');
    const select = `SELECT ${plan.output}${evict} FROM ${this.tables.state} AS ${quote(plan.alias)}`;
    const keys = this.names.filter((_, i) => plan.keyItems[i]);
    const partials = { table: 'partial aggregates', sql: `SELECT * FROM (${select}) AS __out(${names})`, keys };
    return this.distincts.length ? [partials, this.distinctView(evict)] : [partials];
  }

  /** Each group's distinct values, one row each: the group's keys, the aggregate, the value. */
  private distinctView(evict: string): StateView {
    const which = this.distincts.map((a) => `WHEN ${a.distinct!.index} THEN '${a.call.replaceAll("'", "''")}'`);
    const value = `coalesce(${this.distincts.map((a) => `__v${a.distinct!.index}::VARCHAR`).join(', ')})`;
    const columns = [...this.plan.keys.map((key) => key.column), `CASE __d ${which.join(' ')} END AS aggregate`];
    const named = evict && `${evict} AS ${quote(EVICT_AT)}`;
    const sql = `SELECT ${columns.join(', ')}, ${value} AS value${named} FROM ${this.tables.distinct} AS ${quote(this.plan.alias)}`;
    return { table: 'distinct values', sql };
  }

  /** The user's select list over state rows, named as DuckDB names the user's query's columns. */
  private output(from: string, where?: string) {
    const { plan } = this;
    const filters = [where, plan.having && `(${plan.having})`].filter(Boolean).join(' AND ');
    const order = plan.orderBy ? ` ORDER BY ${plan.orderBy}` : '';
    const select = `SELECT ${plan.output} FROM ${from} AS ${quote(plan.alias)}${filters ? ` WHERE ${filters}` : ''}${order}${plan.limit ? ` LIMIT ${plan.limit}` : ''}`;
    return {
      sql: `SELECT * FROM (${select}) AS __out(${this.names.map(quote).join(', ')})`,
      ordered: plan.orderBy !== undefined,
    };
  }

  /** The earliest event-time bound of the state's rows; END_OF_TIME when the state is empty. */
  private earliestBound(): bigint {
    const earliest = this.run_
      .query(
        `SELECT min(epoch_us(${this.plan.eventTime!.state})) AS us FROM ${this.tables.state} AS ${quote(this.plan.alias)}`,
      )
      .getChildAt(0)!
      .get(0) as bigint | number | null;
    return earliest === null ? END_OF_TIME : BigInt(earliest);
  }

  /** The state's size: each partial state's bytes, plus each key's size as text. */
  private stateBytes(): number {
    const distinct = this.distincts.length ? this.run_.textBytes(this.tables.distinct) : 0;
    const sizes = partialBytes(this.plan.keys, this.plan.aggregates);
    return (
      distinct +
      Number(
        this.run_.query(`SELECT coalesce(sum(${sizes}), 0)::BIGINT FROM ${this.tables.state}`).getChildAt(0)!.get(0),
      )
    );
  }
}

/** A state row's size: each partial state's bytes, plus each key's size as text. */
export function partialBytes(keys: GroupKey[], aggregates: PartialAggregate[]): string {
  const sizes = [
    ...keys.map((key) => `coalesce(strlen(${key.column}::VARCHAR), 0)`),
    ...aggregates.map((a) =>
      a.merge === 'combine' ? `octet_length(${a.column}::BLOB)` : `coalesce(strlen(${a.column}::VARCHAR), 0)`,
    ),
  ];
  return sizes.join(' + ') || '0';
}

/** How a group merges the partial states of its rows (a window's panes, a session's parts) in an aggregate. */
export const MERGE_PARTIALS = {
  combine: (column: string) => `list_reduce(list(${column}), lambda a, b: combine(a, b))`,
  least: (column: string) => `min(${column})`,
  greatest: (column: string) => `max(${column})`,
};

/** Exported states whose merge is exact (integers, decimals, bits, sketches): any grouping gives the same value. */
const EXACT_STATE =
  /^AGGREGATE_STATE<(count_star|count|count_if|sum|avg|mean|bool_and|bool_or|bit_and|bit_or|bit_xor|approx_count_distinct)\((.*)\)::/;

/** Whether a state's exported states merge exactly, however a group's rows are split into partials. */
export function mergesExactly(columns: ColumnSpec[]): boolean {
  return columns.every(([, type]) => {
    const exact = EXACT_STATE.exec(type);
    return !type.startsWith('AGGREGATE_STATE<') || (exact !== null && !/FLOAT|DOUBLE|REAL/.test(exact[2]!));
  });
}
