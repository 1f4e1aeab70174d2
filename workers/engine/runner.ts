import type { BatchReport } from '../protocol';
import type { Database } from './database';
import type { Scenario } from './scenario';
import { databaseCatalog } from './streaming/catalog';
import type { Catalog } from './streaming/plan';
import { StreamingQuery } from './streaming/query';
import { Streams } from './streaming/sources';

/**
 * Runs a scenario's scripted steps the way Spark's test harness does: each `add` is one
 * micro-batch, followed by the no-data batches Spark would run (none with the `once` trigger);
 * `restart` resumes from a checkpoint; `end` closes every window.
 */
export class ScenarioRun {
  private query: StreamingQuery;

  private constructor(
    private readonly db: Database,
    private readonly scenario: Scenario,
    private readonly catalog: Catalog,
    private readonly streams: Streams,
  ) {
    this.query = StreamingQuery.start(db, scenario, catalog);
  }

  /** Sets up the streams and plans the query; throws a clear error for a query Spark would reject. */
  static start(db: Database, scenario: Scenario): ScenarioRun {
    const streams = Streams.create(db, scenario.sources, scenario.tables);
    return new ScenarioRun(db, scenario, databaseCatalog(db), streams);
  }

  *steps(): Generator<BatchReport> {
    for (const step of this.scenario.steps ?? []) {
      if ('add' in step) {
        yield this.query.runBatch(this.streams.load(step.add));
        yield* this.noDataBatches();
      } else if ('restart' in step) {
        const checkpoint = this.query.checkpoint();
        this.query.dispose();
        this.query = StreamingQuery.start(this.db, this.scenario, this.catalog, 'q0', checkpoint);
      } else {
        this.query.end();
        if (this.query.flushesAtEnd) yield this.query.runBatch(this.streams.load({}));
      }
    }
  }

  private *noDataBatches(): Generator<BatchReport> {
    if (this.scenario.trigger.kind === 'once') return;
    while (this.query.needsNoDataBatch) yield this.query.runBatch(this.streams.load({}));
  }
}
