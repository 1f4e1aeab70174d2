import type { BatchReport, QueryInfo } from '../protocol';
import type { Database } from './database';
import { queriesOf, type Scenario, type Step } from './scenario';
import { databaseCatalog } from './streaming/catalog';
import { StreamingQuery } from './streaming/query';
import { Streams } from './streaming/sources';

/** Plans every query of a scenario over the same streams; each keeps its own state tables (`q0_...`, `q1_...`). */
export function startQueries(db: Database, scenario: Scenario): StreamingQuery[] {
  const catalog = databaseCatalog(db);
  return queriesOf(scenario).map((spec, i) => StreamingQuery.start(db, scenario, spec, catalog, `q${i}`));
}

/**
 * Runs a scenario's scripted steps the way Spark's test harness does: each `add` is one
 * micro-batch of every query, followed by the no-data batches Spark would run (none with the `once`
 * trigger); `restart` resumes every query from its checkpoint; `end` closes every window.
 */
export class ScenarioRun {
  private constructor(
    private readonly db: Database,
    private readonly scenario: Scenario,
    private readonly streams: Streams,
    private queries: StreamingQuery[],
  ) {}

  /** Sets up the streams and plans the queries; throws a clear error for a query Spark would reject. */
  static start(db: Database, scenario: Scenario): ScenarioRun {
    const streams = Streams.create(db, scenario.sources, scenario.tables);
    return new ScenarioRun(db, scenario, streams, startQueries(db, scenario));
  }

  /** Every step's batches, in order. */
  *steps(): Generator<BatchReport> {
    for (const step of this.scenario.steps ?? []) yield* this.runStep(step);
  }

  /** The batches of one scripted step. */
  *runStep(step: Step): Generator<BatchReport> {
    if ('add' in step) {
      const stats = this.streams.load(step.add);
      for (const query of this.queries) yield query.runBatch(stats);
      yield* this.noDataBatches();
    } else if ('restart' in step) {
      const catalog = databaseCatalog(this.db);
      const specs = queriesOf(this.scenario);
      this.queries = this.queries.map((query, i) => {
        const checkpoint = query.checkpoint();
        query.dispose();
        return StreamingQuery.start(this.db, this.scenario, specs[i]!, catalog, `q${i}`, checkpoint);
      });
    } else {
      const flushing = this.queries.filter((query) => query.flushesAtEnd);
      for (const query of this.queries) query.end();
      if (flushing.length > 0) {
        const stats = this.streams.load({});
        for (const query of flushing) yield query.runBatch(stats);
      }
    }
  }

  describe(): QueryInfo[] {
    return this.queries.map((query) => query.info());
  }

  private *noDataBatches(): Generator<BatchReport> {
    if (this.scenario.trigger.kind === 'once') return;
    for (;;) {
      const due = this.queries.filter((query) => query.needsNoDataBatch);
      if (due.length === 0) return;
      const stats = this.streams.load({});
      for (const query of due) yield query.runBatch(stats);
    }
  }
}
