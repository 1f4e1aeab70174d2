import type { OperatorFlow, PipelineOperator } from '../../protocol';
import type { OutputMode, SourceSpec } from '../scenario';
import { outputEventTimes, planChained, stateTables, type Catalog, type OperatorPlan, type QueryPlan } from './plan';
import { AggregateOperator } from './operators/aggregate';
import { DedupOperator } from './operators/dedup';
import { describeOperator } from './operators/describe';
import { JoinOperator } from './operators/join';
import { WindowJoinOperator } from './operators/window-join';
import { WindowRankOperator } from './operators/window-rank';
import { OverOperator } from './operators/over';
import { RankOperator } from './operators/rank';
import type { Emit, OperatorBatch, OperatorResult, StreamOperator } from './operators/operator';
import { SessionOperator } from './operators/session';
import { StatelessOperator } from './operators/stateless';
import { readSink, type SinkOutput } from './operators/sink';
import type { Statements } from './operators/statements';
import { formatWatermark } from './watermark';

/** What a batch did across the pipeline: the sink's rows and every operator's late rows and progress. */
export interface PipelineOutcome extends SinkOutput {
  results: OperatorResult[];
  /** Each operator's rows and the watermark it ran with, then the sink's: `explain` without the sources. */
  flow: OperatorFlow[];
}

/** The sink's id in the pipeline. */
const SINK = 'sink';

/**
 * A query's physical operators in order: each batch runs them one after the other, each reading what the one
 * before it emitted (the first reads the sources' batch tables), and the sink reads the last one's output.
 */
export class Pipeline {
  private constructor(
    private readonly db: Statements,
    readonly operators: StreamOperator[],
    /** Where each operator after the first reads its input: the table its upstream fills. */
    private readonly inputTables: (string | undefined)[],
    private readonly sources: string[],
    /** Each operator's table prefix. */
    private readonly prefixes: string[],
  ) {}

  static build(db: Statements, plan: QueryPlan, outputMode: OutputMode, prefix: string, catalog: Catalog): Pipeline {
    const operators: StreamOperator[] = [];
    const plans: OperatorPlan[] = [];
    const counts = new Map<string, number>();
    plan.stages.forEach((planned, i) => {
      const upstream = operators[i - 1];
      if (upstream && planned.inputTable)
        db.query(`CREATE OR REPLACE TEMP TABLE ${planned.inputTable} AS ${upstream.reference} LIMIT 0`);
      // A chained stage is planned over its upstream's output: its columns, and which carry event time.
      const stage =
        planned.kind === 'chained'
          ? planChained(
              planned,
              upstreamOutput(db, upstream!, plans[i - 1]!),
              outputMode,
              catalog,
              stagePrefix(prefix, i),
            )
          : planned;
      plans.push(stage);
      // A stateless operator after another runs once per batch over what that one emitted: whole windows.
      const kind = upstream && stage.kind === 'stateless' ? 'per-window' : stage.kind;
      const seen = (counts.get(kind) ?? 0) + 1;
      counts.set(kind, seen);
      const id = seen === 1 ? kind : `${kind}${seen}`;
      const inputs = upstream ? [upstream.description.id] : plan.sources;
      const last = i === plan.stages.length - 1;
      operators.push(createOperator(db, stage, outputMode, stagePrefix(prefix, i), id, inputs, last));
    });
    const prefixes = plan.stages.map((_, i) => stagePrefix(prefix, i));
    return new Pipeline(
      db,
      operators,
      plan.stages.map((stage) => stage.inputTable),
      plan.sources,
      prefixes,
    );
  }

  /** Every stateful operator's state tables, by role; the first operator's roles are unprefixed. */
  stateTables(): Record<string, string> {
    return Object.fromEntries(
      this.operators.flatMap((operator, i) =>
        Object.entries(operator.stateTables).map(([role, table]) => [i === 0 ? role : `${i}.${role}`, table]),
      ),
    );
  }

  /** Every table the pipeline's operators keep, for dropping them. */
  tables(): string[] {
    const inputs = this.inputTables.filter((table): table is string => table !== undefined);
    return [...this.prefixes.flatMap((prefix) => Object.values(stateTables(prefix))), ...inputs];
  }

  get stateful(): StreamOperator[] {
    return this.operators.filter((operator) => operator.description.state !== null);
  }

  /** The query's output columns: the last operator's. */
  columns(): string[] {
    return this.db.columnsOf(this.operators.at(-1)!.reference);
  }

  run(batch: OperatorBatch): PipelineOutcome {
    const results: OperatorResult[] = [];
    const flow: OperatorFlow[] = [];
    let sink: SinkOutput = { rows: [], arrow: null, numOutputRows: 0 };
    let emitted = false;
    let inputRows = batch.inputRows;
    let watermarks = batch.watermarks;
    const record = (operatorId: string, numInputRows: number, numOutputRows: number, numLateRows = 0) =>
      flow.push({
        operatorId,
        numInputRows,
        numOutputRows,
        numLateRows,
        ...(batch.watermarked && { watermark: formatWatermark(watermarks.eviction) }),
      });
    for (const [i, operator] of this.operators.entries()) {
      // A stateless operator over an upstream that emitted nothing emits nothing.
      if (i > 0 && !emitted && !operator.description.state) {
        record(operator.description.id, 0, 0);
        continue;
      }
      const next = this.operators[i + 1];
      const input = this.inputTables[i + 1];
      let passedOn = 0;
      // The relation is read at once: an operator may evict what it emitted right after.
      const emit: Emit = (relation) => {
        emitted = relation !== null;
        if (!next) sink = readSink(this.db, relation, batch.inputRows);
        // DuckDB's CREATE TABLE AS returns its row count.
        else if (relation) passedOn = this.db.changed(`CREATE OR REPLACE TEMP TABLE ${input} AS ${relation.sql}`);
        else if (next.description.state) this.db.query(`DELETE FROM ${input}`);
      };
      const lateBefore = this.db.lateCount;
      // The batch's earliest event time is the sources'; what an upstream emits has event times of its own.
      const result = operator.run(i === 0 ? batch : { ...batch, watermarks, minEventUs: null }, emit);
      if (result.state && batch.watermarked) {
        result.state.watermarkForLateRows = formatWatermark(watermarks.late);
        result.state.watermarkForEviction = formatWatermark(watermarks.eviction);
      }
      results.push(result);
      const outputRows = next ? passedOn : sink.numOutputRows;
      record(operator.description.id, inputRows, outputRows, this.db.lateCount - lateBefore);
      inputRows = outputRows;
      // Spark 3.5's WatermarkPropagator: each operator runs with the watermark its upstream's output carries.
      const carried = (us: bigint) => operator.outputWatermark?.(us) ?? us;
      watermarks = { late: carried(watermarks.late), eviction: carried(watermarks.eviction) };
    }
    record(SINK, sink.numOutputRows, sink.numOutputRows);
    return { ...sink, results, flow };
  }

  commit(): void {
    for (const operator of this.operators) operator.commit?.();
  }

  /** The pipeline as EXPLAIN prints it: the sources, every operator, the sink. */
  explain(sources: SourceSpec[]): PipelineOperator[] {
    const read = sources.filter((source) => this.sources.includes(source.name));
    return [
      ...read.map((source) =>
        describeOperator(source.name, 'source', [], {
          watermark: source.eventTime
            ? {
                eventTime: source.eventTime,
                dropsLate: false,
                ...(source.watermark && { delay: source.watermark.text }),
              }
            : null,
        }),
      ),
      ...this.operators.map((operator) => operator.description),
      describeOperator(SINK, 'sink', [this.operators.at(-1)!.description.id], {
        emits: this.operators.at(-1)!.description.emits,
      }),
    ];
  }
}

function upstreamOutput(db: Statements, operator: StreamOperator, plan: OperatorPlan) {
  const columns = db.describe(operator.reference);
  const eventTimes = outputEventTimes(
    plan,
    columns.map(([name]) => name),
  );
  return {
    id: operator.description.id,
    columns,
    eventTimes,
    aggregated: plan.kind === 'aggregate' || plan.kind === 'session',
    keys: columns.filter((_, i) => operator.keyItems?.[i]).map(([name]) => name),
  };
}

/** The first operator's tables are named after the query, as before pipelines; the others after their position. */
function stagePrefix(prefix: string, i: number): string {
  return i === 0 ? prefix : `${prefix}_${i}`;
}

function createOperator(
  db: Statements,
  stage: OperatorPlan,
  outputMode: OutputMode,
  prefix: string,
  id: string,
  inputs: string[],
  last: boolean,
): StreamOperator {
  const tables = stateTables(prefix);
  switch (stage.kind) {
    case 'stateless':
      return new StatelessOperator(stage, id, inputs);
    case 'aggregate':
      return new AggregateOperator(db, stage, tables, outputMode, id, inputs, last);
    case 'session':
      return new SessionOperator(db, stage, tables, outputMode, id, inputs);
    case 'dedup':
      return new DedupOperator(db, stage, tables, outputMode, id, inputs);
    case 'join':
      return stage.window ? new WindowJoinOperator(db, stage, tables, id) : new JoinOperator(db, stage, tables, id);
    case 'over':
      return new OverOperator(db, stage, tables, id, inputs);
    case 'windowRank':
      return new WindowRankOperator(db, stage, tables, id, inputs);
    case 'rank':
      return new RankOperator(db, stage, tables, outputMode, id, inputs);
  }
}
