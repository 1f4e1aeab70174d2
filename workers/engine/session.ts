import type { EngineError, LiveListener, LoadOutcome } from '../protocol';
import type { Database } from './database';
import { describeFailure } from './failures';
import type { GeneratorFeed } from './generator/feed';
import { LiveRun, ScriptedRun } from './live';
import { ScenarioRun } from './runner';
import type { Scenario } from './scenario';
import { Scheduler, REAL_TIMERS, type Timers } from './scheduler';
import { parseScenario } from './validate';

let runs = 0;

/**
 * The most rows of a stateless batch sent to the UI (the last ones; `progress.sink.numOutputRows` counts
 * them all): turning half a million rows into JSON per batch cost more than running the query.
 */
export const MAX_REPORT_ROWS = 1000;

/**
 * The playground's live session: one loaded scenario, its run and its trigger. Loading a new
 * scenario or resetting starts from a clean schema, so nothing of the old run leaks into the new.
 */
export class LiveSession {
  private scenario: Scenario | null = null;
  private scheduler: Scheduler | null = null;
  private listener: LiveListener = () => {};
  /** The schema the current run lives in; each run gets a new one. */
  private schema: string | null = null;

  constructor(
    private readonly db: Database,
    private readonly timers: Timers = REAL_TIMERS,
    /** Generation in a worker of its own, when there is one. */
    private readonly feed?: GeneratorFeed,
  ) {}

  load(document: unknown, listener: LiveListener): LoadOutcome {
    let scenario: Scenario;
    try {
      scenario = parseScenario(document);
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
    const outcome = this.start(scenario, listener);
    if (outcome.ok) {
      this.scenario = scenario;
      this.listener = listener;
    }
    return outcome;
  }

  reset(): LoadOutcome {
    if (!this.scenario) return { ok: false, error: { message: 'Nothing is loaded to reset.' } };
    return this.start(this.scenario, this.listener);
  }

  play(): void {
    this.guard(() => this.scheduler?.play());
  }

  pause(): void {
    this.scheduler?.pause();
  }

  step(): void {
    this.guard(() => this.scheduler?.step());
  }

  /** The previous run keeps going until the new one is planned: a bad scenario loses nothing. */
  private start(scenario: Scenario, listener: LiveListener): LoadOutcome {
    const previous = this.schema;
    const next = `run_${++runs}`;
    try {
      this.db.query(`CREATE SCHEMA ${next}`);
      this.db.query(`USE ${next}`);
      const run = scenario.steps
        ? new ScriptedRun(ScenarioRun.start(this.db, scenario), scenario.steps)
        : LiveRun.start(this.db, scenario, { maxReportRows: MAX_REPORT_ROWS, feed: this.feed });
      this.scheduler?.stop();
      if (previous) this.db.query(`DROP SCHEMA ${previous} CASCADE`);
      this.schema = next;
      this.scheduler = new Scheduler(
        run,
        scenario.trigger,
        (report, status) => listener({ kind: 'batch', report, status }),
        (status) => listener({ kind: 'status', status }),
        this.timers,
        (error) => listener({ kind: 'error', error: describeFailure(error) }),
      );
      listener({ kind: 'status', status: this.scheduler.status() });
      return { ok: true, queries: run.describe() };
    } catch (error) {
      this.db.query(`USE ${previous ?? 'main'}`);
      this.db.query(`DROP SCHEMA IF EXISTS ${next} CASCADE`);
      return { ok: false, error: describeFailure(error) };
    }
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.scheduler?.pause();
      const failure: EngineError = describeFailure(error);
      this.listener({ kind: 'error', error: failure });
    }
  }
}
