import type { BatchReport, QueryInfo, StatePage, StateRequest } from '../protocol';
import type { Database } from './database';
import { queriesOf, triggerIntervalMs, type Scenario, type Step } from './scenario';
import { MANUAL_STEP_MS } from './scheduler';
import { databaseCatalog } from './streaming/catalog';
import { StreamingQuery } from './streaming/query';
import { Streams, type InputRecorder } from './streaming/sources';
import { QueryShapeError } from './sql/windows';
import { CheckpointError, checkResumable, scenarioJson, type QueryCheckpoint, type RunCheckpoint } from './checkpoint';

/** Plans every query of a scenario over the same streams; each keeps its own state tables (`q0_...`, `q1_...`). */
/** The query of that name; a clear error when there is none. */
export function queryNamed(queries: StreamingQuery[], name: string): StreamingQuery {
  const query = queries.find((known) => known.name === name);
  if (!query)
    throw new QueryShapeError(
      `There is no query named ${name}.`,
      `The queries are ${queries.map((known) => known.name).join(', ')}.`,
    );
  return query;
}

export function startQueries(db: Database, scenario: Scenario, checkpoints?: QueryCheckpoint[]): StreamingQuery[] {
  const catalog = databaseCatalog(db);
  const specs = queriesOf(scenario);
  if (checkpoints && checkpoints.length !== specs.length)
    throw new CheckpointError(`The checkpoint has ${checkpoints.length} queries; the scenario has ${specs.length}.`);
  return specs.map((spec, i) => StreamingQuery.start(db, scenario, spec, catalog, `q${i}`, checkpoints?.[i]));
}

/**
 * Runs a scenario's scripted steps the way Spark's test harness does: each `add` is one
 * micro-batch of every query, followed by the no-data batches Spark would run (none with the `once`
 * trigger); `restart` resumes every query from its checkpoint; `end` closes every window.
 */
export class ScenarioRun {
  /** How many scripted steps have run. */
  stepsDone = 0;

  private constructor(
    private readonly db: Database,
    private readonly scenario: Scenario,
    private readonly streams: Streams,
    private queries: StreamingQuery[],
  ) {}

  /** Sets up the streams and plans the queries; throws a clear error for a query Spark would reject. */
  static start(db: Database, scenario: Scenario, checkpoint?: RunCheckpoint, recorder?: InputRecorder): ScenarioRun {
    const streams = Streams.create(db, scenario.sources, scenario.tables);
    streams.recorder = recorder;
    if (checkpoint) checkResumable(checkpoint, scenarioJson(scenario), 'scripted');
    const queries = startQueries(db, scenario, checkpoint?.queries);
    streams.narrowTo(queries);
    const run = new ScenarioRun(db, scenario, streams, queries);
    run.stepsDone = checkpoint?.position.kind === 'scripted' ? checkpoint.position.steps : 0;
    return run;
  }

  /** Every remaining step's batches, in order. */
  *steps(): Generator<BatchReport> {
    const steps = this.scenario.steps ?? [];
    while (this.stepsDone < steps.length) yield* this.runStep(steps[this.stepsDone]!);
  }

  /** Where the run stands after its last finished step. */
  checkpoint(): RunCheckpoint {
    return {
      scenario: scenarioJson(this.scenario),
      position: { kind: 'scripted', steps: this.stepsDone },
      queries: this.queries.map((query) => query.checkpoint()),
    };
  }

  /** The batches of one scripted step. */
  *runStep(step: Step): Generator<BatchReport> {
    yield* this.batchesOf(step);
    this.stepsDone++;
  }

  /**
   * The processing time of the step at `index` on the simulated clock: each `add` is one trigger, so the n-th runs
   * n trigger intervals (a second for triggers without one) after the first, as the scheduler plays them; a restart
   * or the end runs at the time of the next trigger.
   */
  processingMsAt(index: number): number {
    const adds = (this.scenario.steps ?? []).slice(0, index).filter((step) => 'add' in step).length;
    return adds * (triggerIntervalMs(this.scenario.trigger) ?? MANUAL_STEP_MS);
  }

  private *batchesOf(step: Step): Generator<BatchReport> {
    const processingMs = this.processingMsAt(this.stepsDone);
    if ('add' in step) {
      const stats = this.streams.load(step.add);
      for (const query of this.queries) yield query.runBatch(stats, processingMs);
      yield* this.noDataBatches(processingMs);
    } else if ('restart' in step) {
      const catalog = databaseCatalog(this.db);
      const specs = queriesOf(this.scenario);
      this.streams.widen();
      this.queries = this.queries.map((query, i) => {
        // Spark restores the global watermark from its offset log, not each input's.
        const checkpoint = { ...query.checkpoint(), perInput: undefined };
        query.dispose();
        return StreamingQuery.start(this.db, this.scenario, specs[i]!, catalog, `q${i}`, checkpoint);
      });
      this.streams.narrowTo(this.queries);
    } else {
      const flushing = this.queries.filter((query) => query.flushesAtEnd);
      for (const query of this.queries) query.end();
      if (flushing.length > 0) {
        const stats = this.streams.load({});
        for (const query of flushing) yield query.runBatch(stats, processingMs);
      }
    }
  }

  describe(): QueryInfo[] {
    return this.queries.map((query) => query.info());
  }

  statePage(request: StateRequest): StatePage {
    return queryNamed(this.queries, request.query).statePage(request);
  }

  private *noDataBatches(processingMs: number): Generator<BatchReport> {
    if (this.scenario.trigger.kind === 'once') return;
    for (;;) {
      const due = this.queries.filter((query) => query.needsNoDataBatch(processingMs));
      if (due.length === 0) return;
      const stats = this.streams.load({});
      for (const query of due) yield query.runBatch(stats, processingMs);
    }
  }
}
