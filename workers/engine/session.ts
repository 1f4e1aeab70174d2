import type {
  BatchReport,
  BundleOutcome,
  DataFile,
  EngineError,
  LiveEvent,
  LiveStatus,
  LoadOutcome,
  ResumeOutcome,
  StateOutcome,
  StateRequest,
} from '../protocol';
import { bundleFiles, RunRecording, type BundleTarget } from './bundle';
import { decodeCheckpoint, encodeCheckpoint, type RunCheckpoint } from './checkpoint';
import { dieOfTrap, isTrap, type Database } from './database';
import { describeFailure } from './failures';
import type { ParquetToArrow } from './files';
import type { GeneratorFeed } from './generator/feed';
import { LiveRun, ScriptedRun } from './live';
import { ScenarioRun } from './runner';
import type { Scenario } from './scenario';
import { Scheduler, REAL_TIMERS, type Timers } from './scheduler';
import { databaseCatalog } from './streaming/catalog';
import { parseScenario } from './validate';

let runs = 0;

/**
 * What a live session tells its listener: each batch's report as the CLI prints it. The engine worker sends it
 * on to the UI as a `LiveBatch` (`workers/live-batch.ts`).
 */
export type SessionEvent =
  { kind: 'batch'; report: BatchReport; status: LiveStatus } | Exclude<LiveEvent, { kind: 'batch' }>;
/** A promise the listener returns for a batch settles once the batch is drawn; the next batch waits for it. */
export type SessionListener = (event: SessionEvent) => unknown;

/**
 * The most rows of a stateless batch sent to the UI (the last ones; `progress.sink.numOutputRows` counts
 * them all): turning half a million rows into JSON per batch cost more than running the query.
 */
export const MAX_REPORT_ROWS = 1000;

/** The most input values a session records for a bundle (about as many rows as a few seconds of Nexmark at 50k/s). */
export const MAX_RECORDED_VALUES = 1_000_000;

/** A running session checkpoints at most this often, and whenever it pauses. */
export const CHECKPOINT_EVERY_MS = 1000;

/** Where a session keeps its latest checkpoint (the browser's storage, written in the background). */
export interface CheckpointSlot {
  /** Keeps these bytes in place of the last ones. */
  save(bytes: Uint8Array): void;
  clear(): void;
}

export interface SessionLoadOptions {
  slot?: CheckpointSlot;
  /** A checkpoint's bytes to go on from, when it is of this scenario; null: asked to resume, but none was saved. */
  resumeFrom?: Uint8Array | null;
  /** The data files its file sources read, and how to read Parquet; kept for `reset`. */
  files?: readonly DataFile[];
  readParquet?: ParquetToArrow;
  /** Record the run (and its resets) for `bundle`: the streams then copy each batch's input as JSON. */
  record?: boolean;
}

/**
 * The playground's live session: one loaded scenario, its run and its trigger. Loading a new
 * scenario or resetting starts from a clean schema, so nothing of the old run leaks into the new.
 */
export class LiveSession {
  private scenario: Scenario | null = null;
  private run: LiveRun | ScriptedRun | null = null;
  private recording: RunRecording | null = null;
  private scheduler: Scheduler | null = null;
  private listener: SessionListener = () => {};
  private slot: CheckpointSlot | undefined;
  private files: Pick<SessionLoadOptions, 'files' | 'readParquet'> = {};
  private record = false;
  /** The schema the current run lives in; each run gets a new one. */
  private schema: string | null = null;
  private checkpointTimer: unknown = null;
  private lastCheckpointMs = -Infinity;
  /** Whether batches ran since the last checkpoint. */
  private unsaved = false;

  constructor(
    private readonly db: Database,
    private readonly timers: Timers = REAL_TIMERS,
    /** Generation in a worker of its own, when there is one. */
    private readonly feed?: GeneratorFeed,
  ) {}

  /** A new run of `document`, paused; with `resumeFrom`, it goes on from that checkpoint if it can. */
  load(document: unknown, listener: SessionListener, options: SessionLoadOptions = {}): LoadOutcome {
    let scenario: Scenario;
    try {
      scenario = parseScenario(document);
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
    let resumed: ResumeOutcome | undefined;
    let outcome: LoadOutcome | undefined;
    const previous = { files: this.files, record: this.record };
    this.files = { files: options.files, readParquet: options.readParquet };
    this.record = options.record ?? false;
    if (options.resumeFrom) {
      try {
        const checkpoint = decodeCheckpoint(options.resumeFrom);
        outcome = this.start(scenario, listener, checkpoint);
        resumed = outcome.ok ? { ok: true, ...checkpoint.clock! } : { ok: false, reason: outcome.error.message };
      } catch (error) {
        resumed = { ok: false, reason: describeFailure(error).message };
      }
    } else if (options.resumeFrom === null) {
      resumed = { ok: false, reason: 'No checkpoint was saved yet.' };
    }
    if (!outcome?.ok) outcome = this.start(scenario, listener);
    if (!outcome.ok) {
      ({ files: this.files, record: this.record } = previous);
      return outcome;
    }
    this.scenario = scenario;
    this.listener = listener;
    this.slot = options.slot;
    if (!resumed?.ok) this.slot?.clear();
    return resumed ? { ...outcome, resumed } : outcome;
  }

  reset(): LoadOutcome {
    if (!this.scenario) return { ok: false, error: { message: 'Nothing is loaded to reset.' } };
    const outcome = this.start(this.scenario, this.listener);
    if (outcome.ok) this.slot?.clear();
    return outcome;
  }

  play(): void {
    this.guard(() => this.scheduler?.play());
  }

  pause(): void {
    this.scheduler?.pause();
    if (this.unsaved) this.checkpoint();
  }

  step(): void {
    this.guard(() => this.scheduler?.step());
  }

  /** Ends the run for good and drops its tables; the session can load again. */
  close(): void {
    this.scheduler?.stop();
    this.cancelCheckpoint();
    if (this.schema) this.db.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    this.schema = null;
    this.run = this.scheduler = this.scenario = this.recording = null;
  }

  /** The run so far as a bundle to replay on Spark or Flink, from the input its batches read (bundle.ts). */
  bundle(target: BundleTarget, root: string): BundleOutcome {
    if (!this.run || !this.scenario)
      return { ok: false, error: { message: 'Nothing is loaded yet.', hint: 'Open a scenario first.' } };
    if (!this.recording)
      return {
        ok: false,
        error: { message: 'This run is not recorded.', hint: 'Load it with record set to bundle it.' },
      };
    const { durationOf } = databaseCatalog(this.db);
    const run = { scenario: this.scenario, queries: this.run.describe(), recording: this.recording, durationOf };
    const bundled = bundleFiles(target, run, root);
    return bundled.ok ? { ok: true, files: Object.fromEntries(bundled.files) } : bundled;
  }

  /** Read between batches: the worker runs one call at a time, so no batch is half done. */
  state(request: StateRequest): StateOutcome {
    if (!this.run) return { ok: false, error: { message: 'Nothing is loaded yet.', hint: 'Open a scenario first.' } };
    try {
      return { ok: true, page: this.run.statePage(request) };
    } catch (error) {
      if (isTrap(error)) return { ok: false, error: this.crash(error) };
      return { ok: false, error: describeFailure(error) };
    }
  }

  /** The previous run keeps going until the new one is planned: a bad scenario loses nothing. */
  private start(scenario: Scenario, listener: SessionListener, checkpoint?: RunCheckpoint): LoadOutcome {
    const previous = this.schema;
    const next = `run_${++runs}`;
    try {
      this.db.query(`CREATE SCHEMA ${next}`);
      this.db.query(`USE ${next}`);
      const recording = this.record
        ? new RunRecording({ resumed: checkpoint !== undefined, maxValues: MAX_RECORDED_VALUES })
        : null;
      const recorder = recording?.recorder;
      const run = scenario.steps
        ? new ScriptedRun(ScenarioRun.start(this.db, scenario, checkpoint, recorder), scenario.steps)
        : LiveRun.start(
            this.db,
            scenario,
            { maxReportRows: MAX_REPORT_ROWS, feed: this.feed, recorder, ...this.files },
            checkpoint,
          );
      this.scheduler?.stop();
      this.cancelCheckpoint();
      this.unsaved = false;
      if (previous) this.db.query(`DROP SCHEMA ${previous} CASCADE`);
      this.schema = next;
      this.run = run;
      this.recording = recording;
      this.scheduler = new Scheduler(
        run,
        scenario.trigger,
        (report, status) => {
          recording?.keep(report);
          const drawn = listener({ kind: 'batch', report, status });
          this.checkpointSoon();
          return drawn;
        },
        (status) => listener({ kind: 'status', status }),
        this.timers,
        (error) => this.fail(error),
      );
      if (checkpoint?.clock) this.scheduler.resumeFrom(checkpoint.clock);
      listener({ kind: 'status', status: this.scheduler.status() });
      return { ok: true, queries: run.describe() };
    } catch (error) {
      if (isTrap(error)) return { ok: false, error: this.crash(error) };
      this.db.query(`USE ${previous ?? 'main'}`);
      this.db.query(`DROP SCHEMA IF EXISTS ${next} CASCADE`);
      return { ok: false, error: describeFailure(error) };
    }
  }

  /** After a trigger's batches have all run (never between two queries' batches of one trigger). */
  private checkpointSoon(): void {
    this.unsaved = true;
    if (!this.slot || this.checkpointTimer !== null) return;
    const wait = Math.max(0, this.lastCheckpointMs + CHECKPOINT_EVERY_MS - this.timers.now());
    this.checkpointTimer = this.timers.setTimeout(() => {
      this.checkpointTimer = null;
      this.checkpoint();
    }, wait);
  }

  private checkpoint(): void {
    this.cancelCheckpoint();
    if (!this.slot || !this.run || !this.scheduler) return;
    this.unsaved = false;
    this.lastCheckpointMs = this.timers.now();
    try {
      this.slot.save(encodeCheckpoint(this.run.checkpoint(this.scheduler.clock())));
    } catch (error) {
      if (isTrap(error)) {
        this.crash(error);
        return;
      }
      const failure = describeFailure(error);
      this.listener({
        kind: 'error',
        error: { ...failure, message: `Could not save a checkpoint: ${failure.message}` },
      });
    }
  }

  private cancelCheckpoint(): void {
    if (this.checkpointTimer !== null) this.timers.clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
  }

  /** A batch failed: the run pauses; the partly run trigger is not checkpointed. */
  private fail(error: unknown): void {
    this.cancelCheckpoint();
    this.unsaved = false;
    if (isTrap(error)) {
      this.crash(error);
      return;
    }
    this.listener({ kind: 'error', error: describeFailure(error) });
  }

  /**
   * After a wasm trap this engine is done for: it answers the call under way, then dies where the UI sees it
   * (the worker's error event), and the UI starts a new engine that resumes from the last checkpoint.
   */
  private crash(error: unknown): EngineError {
    return dieOfTrap(error, (die) => this.timers.setTimeout(die, 0));
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.scheduler?.pause();
      this.fail(error);
    }
  }
}
