import type { BatchReport, DataFile, QueryInfo, RejectedRow, StatePage, StateRequest } from '../protocol';
import { checkResumable, CheckpointError, scenarioJson, type RunCheckpoint, type RunClock } from './checkpoint';
import type { Database } from './database';
import { FileReplay, FileSource, type ParquetToArrow } from './files';
import { createGenerator, type EventGenerator } from './generator';
import type { GeneratorFeed } from './generator/feed';
import { triggerIntervalMs, type GeneratorSpec, type Scenario, type Step, type TableSpec } from './scenario';
import { queryNamed, startQueries, type ScenarioRun } from './runner';
import { ReusedIpc, STREAMS_IN_USE } from './reused-ipc';
import type { StreamingQuery } from './streaming/query';
import { Streams, type InputRecorder } from './streaming/sources';
import { ScenarioError } from './validate';

/** The most events one micro-batch reads from one source (Spark's maxOffsetsPerTrigger). */
export const MAX_ROWS_PER_BATCH = 500_000;

/** The processing time over which the flow's rates are measured. */
export const RATE_WINDOW_MS = 5000;

/** How the sources keep up with the engine, for the live status. */
export interface SourceFlow {
  /** The sources are held back: more events were due than one batch may read. */
  throttled: boolean;
  /** How far the sources' clock is behind processing time; 0 when the engine keeps up. */
  sourceLagMs: number;
  /** Events per second of processing time the sources would make, over the last seconds. */
  inputRowsPerSecond: number;
  /** Events per second of processing time the batches read, over the same seconds. */
  processedRowsPerSecond: number;
}

export interface LiveRunOptions {
  /** The most events one batch reads from one source; MAX_ROWS_PER_BATCH unless a test says otherwise. */
  maxRowsPerBatch?: number;
  /**
   * The most result rows of a stateless batch a report carries (the last ones): the UI
   * keeps a bounded tail anyway, and turning every row into JSON dominated pass-through queries. The
   * command line keeps every row.
   */
  maxReportRows?: number;
  /**
   * Generation in a worker of its own: each batch asks it for the next batch's events (those due one
   * trigger interval later) before running its queries, so that generation and the engine overlap.
   */
  feed?: GeneratorFeed;
  /** The data files the file sources read, and how to read Parquet (parquet-wasm, loaded by the caller). */
  files?: readonly DataFile[];
  readParquet?: ParquetToArrow;
  /** Told each batch's input rows (the CLI's Spark bundle). */
  recorder?: InputRecorder;
}

/**
 * A scenario running live: generators produce events as simulated processing time passes, and each
 * micro-batch reads the events that became available since the previous one.
 *
 * Backpressure: a batch reads at most MAX_ROWS_PER_BATCH events per source. When more are due, the
 * sources' own clock waits (it runs behind processing time) instead of piling up events, so what waits
 * is bounded by one batch; event times follow the sources' clock, so the event-time simulation stays
 * consistent. Once the engine catches up, the sources' clock catches up with processing time.
 *
 * A file source reads its next files each trigger, whatever the time: its offset is the number of files read. One
 * replayed at rowsPerSecond is due as a generator's events are, and its offset is the number of rows read.
 */
export class LiveRun {
  private readonly offsets = new Map<string, number>();
  /** The replayed file sources whose left-out rows no batch has reported yet: the first batch does. */
  private readonly rejectionsDue = new Set<string>();
  /** The sources' clock at the last batch: its processing time, or behind it while throttled. */
  private sourceMs = 0;
  private throttled = false;
  /** Per query, the processing time of its previous trigger (Spark's input rate is over that gap). */
  private readonly lastTriggerMs = new Map<string, number>();
  /** Per generated source, the memory its events' streams are written into, STREAMS_IN_USE buffers in turn. */
  private readonly written = new Map<string, ReusedIpc>();
  /** (processing time, events due, events read) after recent batches, for the flow's rates. */
  private samples: { ms: number; due: number; read: number }[] = [{ ms: 0, due: 0, read: 0 }];

  private constructor(
    private readonly streams: Streams,
    private readonly queries: StreamingQuery[],
    private readonly generators: Map<string, EventGenerator>,
    private readonly maxRows: number,
    private readonly specs: Map<string, GeneratorSpec>,
    /** The processing time from one trigger to the next, to ask the feed for the next batch. */
    private readonly intervalMs: number,
    private readonly feed: GeneratorFeed | undefined,
    private readonly scenarioJson: string,
    private readonly fileSources: Map<string, FileSource>,
    private readonly replays: Map<string, FileReplay>,
  ) {
    feed?.reset();
    for (const name of [...generators.keys(), ...fileSources.keys(), ...replays.keys()]) this.offsets.set(name, 0);
    for (const [name, replay] of replays) if (replay.rejected.length > 0) this.rejectionsDue.add(name);
  }

  /** The sources whose events are due by processing time: generators, and files replayed at a rate. */
  private *rated(): Iterable<[string, { offsetAt(ms: number): number }]> {
    yield* this.generators;
    yield* this.replays;
  }

  /** Sets up the streams and plans the queries; with a checkpoint, resumes where it was taken. */
  static start(db: Database, scenario: Scenario, options: LiveRunOptions = {}, checkpoint?: RunCheckpoint): LiveRun {
    const json = scenarioJson(scenario);
    if (checkpoint) checkResumable(checkpoint, json, 'live');
    const generators = new Map<string, EventGenerator>();
    const specs = new Map<string, GeneratorSpec>();
    const tables: TableSpec[] = [...scenario.tables];
    const fileSources = new Map<string, FileSource>();
    const replays = new Map<string, FileReplay>();
    scenario.sources.forEach((source, i) => {
      if (source.file?.rowsPerSecond)
        replays.set(source.name, FileReplay.open(db, source, i, options.files ?? [], options.readParquet));
      else if (source.file)
        fileSources.set(
          source.name,
          FileSource.open(db, source, i, options.files ?? [], {
            readParquet: options.readParquet,
            once: scenario.trigger.kind === 'once',
          }),
        );
      if (!source.generator) return;
      const generator = createGenerator(source.generator);
      const expected = generator.columns.map(([name, type]) => `${name} ${type}`).join(', ');
      const declared = source.columns.map(([name, type]) => `${name} ${type}`).join(', ');
      if (expected !== declared) {
        throw new ScenarioError(
          `sources[${i}].columns`,
          `the ${source.generator.kind} generator makes (${expected}), but the source declares (${declared})`,
          'Declare the columns the generator makes, in its order.',
        );
      }
      generators.set(source.name, generator);
      specs.set(source.name, source.generator);
      for (const table of generator.dimensionTables()) {
        if (!tables.some((known) => known.name.toLowerCase() === table.name.toLowerCase())) tables.push(table);
      }
    });
    const streams = Streams.create(db, scenario.sources, tables);
    streams.recorder = options.recorder;
    const queries = startQueries(db, scenario, checkpoint?.queries);
    streams.narrowTo(queries);
    if (options.maxReportRows !== undefined) for (const query of queries) query.maxReportRows = options.maxReportRows;
    const intervalMs = triggerIntervalMs(scenario.trigger) ?? 1000;
    const maxRows = options.maxRowsPerBatch ?? MAX_ROWS_PER_BATCH;
    const files = [fileSources, replays] as const;
    const run = new LiveRun(streams, queries, generators, maxRows, specs, intervalMs, options.feed, json, ...files);
    if (checkpoint?.position.kind === 'live') run.resumeAt(checkpoint.position, checkpoint.clock!);
    return run;
  }

  /** Where the run stands after its last batch, with the trigger's clock then. */
  checkpoint(clock: RunClock): RunCheckpoint {
    return {
      scenario: this.scenarioJson,
      position: {
        kind: 'live',
        offsets: Object.fromEntries(this.offsets),
        sourceMs: this.sourceMs,
        lastTriggerMs: Object.fromEntries(this.lastTriggerMs),
      },
      queries: this.queries.map((query) => query.checkpoint()),
      clock,
    };
  }

  private resumeAt(position: Extract<RunCheckpoint['position'], { kind: 'live' }>, clock: RunClock): void {
    for (const name of this.offsets.keys()) {
      const offset = position.offsets[name];
      if (!Number.isSafeInteger(offset) || offset! < 0)
        throw new CheckpointError(`The checkpoint has no offset for the source ${name}.`);
      const files = this.fileSources.get(name)?.size;
      if (files !== undefined && offset! > files)
        throw new CheckpointError(`The checkpoint has read ${offset} files of the source ${name}, which has ${files}.`);
      const rows = this.replays.get(name)?.size;
      if (rows !== undefined && offset! > rows)
        throw new CheckpointError(`The checkpoint has read ${offset} rows of the source ${name}, which has ${rows}.`);
      this.offsets.set(name, offset!);
      if (offset! > 0) this.rejectionsDue.delete(name);
    }
    for (const [query, ms] of Object.entries(position.lastTriggerMs)) this.lastTriggerMs.set(query, ms);
    this.sourceMs = position.sourceMs;
    this.samples = [];
    this.sample(clock.processingMs);
  }

  /** Events the sources have made by `processingMs` that no batch has read yet: at most one batch's worth each. */
  pending(processingMs: number): number {
    const sourceMs = this.sourceClock(processingMs);
    let pending = 0;
    for (const [name, source] of this.rated()) pending += source.offsetAt(sourceMs) - this.offsets.get(name)!;
    return pending;
  }

  filesWaiting(): number {
    let waiting = 0;
    for (const [name, source] of this.fileSources) waiting += source.size - this.offsets.get(name)!;
    return waiting;
  }

  /** The flow as of the last batch. */
  flow(): SourceFlow {
    const last = this.samples.at(-1)!;
    const first = this.samples[0]!;
    const seconds = (last.ms - first.ms) / 1000;
    return {
      throttled: this.throttled,
      sourceLagMs: Math.round(last.ms - this.sourceMs),
      inputRowsPerSecond: seconds > 0 ? Math.round((last.due - first.due) / seconds) : 0,
      processedRowsPerSecond: seconds > 0 ? Math.round((last.read - first.read) / seconds) : 0,
    };
  }

  /**
   * Runs the micro-batches due at simulated processing time `processingMs`: every query's data batch
   * when events are waiting (each batch of events is generated once and read by all), otherwise the
   * no-data batches Spark would run; nothing when nothing is due.
   */
  batchAt(processingMs: number, wallClock: number = Date.now()): BatchReport[] {
    const arrow: Record<string, Uint8Array> = {};
    const fileRejections = this.readFiles(arrow);
    const sourceMs = this.sourceClock(processingMs);
    this.throttled = sourceMs < processingMs;
    this.sourceMs = sourceMs;
    for (const [name, generator] of this.generators) {
      const from = this.offsets.get(name)!;
      const to = generator.offsetAt(sourceMs);
      if (to > from) {
        arrow[name] = this.feed?.take(name, from, to) ?? generator.generate(from, to, this.writtenFor(name)).ipc;
        this.offsets.set(name, to);
      }
    }
    for (const [name, replay] of this.replays) {
      const from = this.offsets.get(name)!;
      const to = replay.offsetAt(sourceMs);
      if (to > from) arrow[name] = replay.take(from, to);
      if (this.rejectionsDue.delete(name)) fileRejections.set(name, replay.rejected);
      this.offsets.set(name, to);
    }
    this.sample(processingMs);
    if (this.feed) this.prefetch(processingMs + this.intervalMs);
    const hasData = Object.keys(arrow).length > 0 || fileRejections.size > 0;
    const due = hasData ? this.queries : this.queries.filter((query) => query.needsNoDataBatch(processingMs));
    if (due.length === 0) return [];
    const stats = this.streams.load({}, arrow);
    for (const [name, rows] of fileRejections) {
      const source = stats.get(name)!;
      source.rejected = [...rows, ...(source.rejected ?? [])];
    }
    return due.map((query) => {
      const report = query.runBatch(stats, processingMs, wallClock);
      // Spark's input rate: the batch's rows over the time since the query's previous trigger.
      const sincePrevious = Math.max(1, processingMs - (this.lastTriggerMs.get(query.name) ?? 0)) / 1000;
      this.lastTriggerMs.set(query.name, processingMs);
      report.progress.inputRowsPerSecond = report.numInputRows / sincePrevious;
      return report;
    });
  }

  /**
   * Each file source's next files into `arrow`, and per file source that read any, the rows its files left out
   * (a file of no rows is read all the same, and makes a batch). The offsets move once every source has read.
   */
  private readFiles(arrow: Record<string, Uint8Array>): Map<string, RejectedRow[]> {
    const read = new Map<string, { files: number; rejected: RejectedRow[] }>();
    for (const [name, source] of this.fileSources) {
      const batch = source.batchFrom(this.offsets.get(name)!);
      if (!batch) continue;
      if (batch.ipc) arrow[name] = batch.ipc;
      read.set(name, batch);
    }
    for (const [name, { files }] of read) this.offsets.set(name, this.offsets.get(name)! + files);
    return new Map([...read].map(([name, { rejected }]) => [name, rejected]));
  }

  private writtenFor(source: string): ReusedIpc {
    let written = this.written.get(source);
    if (!written) this.written.set(source, (written = new ReusedIpc(STREAMS_IN_USE)));
    return written;
  }

  describe(): QueryInfo[] {
    return this.queries.map((query) => query.info());
  }

  statePage(request: StateRequest): StatePage {
    return queryNamed(this.queries, request.query).statePage(request);
  }

  /** Resolves once the events asked of the generator worker have arrived; null when none are on their way. */
  ready(): Promise<void> | null {
    return this.feed?.settled() ?? null;
  }

  /** Asks the generator worker for the events a batch at `processingMs` will read. */
  private prefetch(processingMs: number): void {
    const sourceMs = this.sourceClock(processingMs);
    for (const [name, generator] of this.generators) {
      this.feed!.request(name, this.specs.get(name)!, this.offsets.get(name)!, generator.offsetAt(sourceMs));
    }
  }

  /**
   * The sources' clock at `processingMs`: processing time, held back to the latest moment at which no
   * source has more than `maxRows` unread events.
   */
  private sourceClock(processingMs: number): number {
    let clock = Math.max(this.sourceMs, processingMs);
    for (const [name, source] of this.rated()) {
      const most = this.offsets.get(name)! + this.maxRows;
      if (source.offsetAt(clock) <= most) continue;
      // offsetAt is non-decreasing: bisect to the microsecond between the last batch and `clock`.
      let lo = this.sourceMs;
      let hi = clock;
      while (hi - lo > 0.001) {
        const mid = (lo + hi) / 2;
        if (source.offsetAt(mid) <= most) lo = mid;
        else hi = mid;
      }
      clock = lo;
    }
    return clock;
  }

  private sample(processingMs: number): void {
    let due = 0;
    let read = 0;
    for (const [name, source] of this.rated()) {
      due += source.offsetAt(processingMs);
      read += this.offsets.get(name)!;
    }
    this.samples.push({ ms: processingMs, due, read });
    while (this.samples.length > 2 && this.samples[1]!.ms <= processingMs - RATE_WINDOW_MS) this.samples.shift();
  }
}

/**
 * A scripted scenario played like a live one: each batch the trigger asks for is the next scripted
 * step (an `add` with the no-data batches after it, a `restart`, or the `end`), whatever the time.
 */
export class ScriptedRun {
  constructor(
    private readonly run: ScenarioRun,
    private readonly script: Step[],
  ) {}

  pending(): number {
    return this.script.length - this.run.stepsDone;
  }

  batchAt(): BatchReport[] {
    const reports: BatchReport[] = [];
    while (reports.length === 0 && this.run.stepsDone < this.script.length)
      reports.push(...this.run.runStep(this.script[this.run.stepsDone]!));
    return reports;
  }

  /** Where the run stands after its last step, with the trigger's clock then. */
  checkpoint(clock: RunClock): RunCheckpoint {
    return { ...this.run.checkpoint(), clock };
  }

  describe(): QueryInfo[] {
    return this.run.describe();
  }

  statePage(request: StateRequest): StatePage {
    return this.run.statePage(request);
  }
}
