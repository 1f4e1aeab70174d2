/**
 * The playground's state and its conversation with the engine worker. The engine does all the work; this
 * class keeps what it reports and hands it to the screen at most once per animation frame (latest wins),
 * however fast batches arrive.
 */
import * as Comlink from 'comlink';
import { tableFromIPC } from 'apache-arrow';
import { tableToJsonRows } from '../../workers/engine/values';
import { fromLiveBatch } from '../../workers/live-batch';
import type {
  DataFile,
  EngineApi,
  EngineError,
  EngineInfo,
  JsonValue,
  LiveEvent,
  LiveStatus,
  QueryInfo,
  ResumeOutcome,
} from '../../workers/protocol';
import { CATALOG_SQL, staticTables, type CatalogTable } from './catalog';
import { fileSource, type FileSourceDraft } from './files';
import type { EngineConnection } from './engine';
import { LiveModel } from './live';
import { Staggered } from './staggered.svelte';
import { LoadTickets } from './loads';
import { tabCheckpointKey } from './saved';
import {
  defaultScenario,
  editable,
  toDocument,
  type EngineScenario,
  type OutputMode,
  type QuerySpec,
  type Scenario,
  type TriggerDocument,
} from './scenario';
import { streamsRead } from './sqlrefs';

/** An engine that dies again this soon after a restart does not get the scenario reloaded into it. */
export const RELOAD_UNLESS_DIED_WITHIN_MS = 30_000;

/** A one-off query's result holds at most this many rows. */
export const MAX_QUERY_ROWS = 100_000;

export interface QueryResult {
  sql: string;
  columns: string[];
  rows: JsonValue[][];
  /** Rows the query returned, before the cap. */
  total: number;
  elapsedMs: number;
}

export interface TablePreview {
  name: string;
  columns: string[];
  rows: JsonValue[][];
  error?: string;
}

/** What the screen shows of the live run; a new object each frame a batch arrived or the selection changed. */
export interface LiveView {
  version: number;
  /** One per query, in the scenario's order. */
  models: LiveModel[];
  /** The selected query's. */
  model: LiveModel;
}

export type RunState = 'idle' | 'running' | 'paused' | 'finished';

export class Playground {
  info = $state.raw<EngineInfo | null>(null);
  scenario = $state<Scenario>(defaultScenario());
  /** The error to show: from the last Run, or from the live run. */
  error = $state.raw<EngineError | null>(null);
  /** What Results shows: the live run's table or a one-off query's. */
  showing = $state<'live' | 'query'>('live');
  queryResult = $state.raw<QueryResult | null>(null);
  /** The loaded queries, from the last successful load. */
  queries = $state.raw<QueryInfo[]>([]);
  /** Which of the scenario's queries the editor, the timeline and the side panels show. */
  selected = $state(0);
  status = $state.raw<LiveStatus | null>(null);
  /**
   * The live run as each part of the screen shows it: the results, the timeline, and the side panels (sources,
   * late rows, progress). A new view reaches one part per frame, in turn, so that no frame redraws every panel.
   */
  readonly live = new Staggered<LiveView, 'results' | 'timeline' | 'details'>(['results', 'timeline', 'details']);
  catalog = $state.raw<CatalogTable[]>([]);
  /** The user's files that file sources read, named `<source>/<file>`: in this page's memory only. */
  dataFiles = $state.raw<DataFile[]>([]);
  preview = $state.raw<TablePreview | null>(null);
  /** How the last load asked to resume went. */
  private lastResume: ResumeOutcome | undefined;
  /** Whether the user has pressed Run on the live query since it was last loaded. */
  started = $state(false);
  /**
   * Why the engine worker was last restarted, whether the scenario was loaded again, and whether the run went on
   * from its last checkpoint; until dismissed.
   */
  restarted = $state.raw<{
    reason: string;
    reloaded: boolean;
    /** The new engine is still loading the scenario. */
    restoring?: boolean;
    resumed?: ResumeOutcome;
  } | null>(null);
  engine: Comlink.Remote<EngineApi>;

  private readonly loads = new LoadTickets<LiveEvent>();
  /** Engine calls under way that the controls wait for (loads, one-off queries). */
  private working = $state(0);
  /** After an engine reset, events of the old run may still be on their way: skip until the new run speaks. */
  private awaitingFreshRun = false;
  private models: LiveModel[] = [];
  private frame = 0;
  private liveDirty = false;
  /** Batches' answers to the engine, given once what has arrived is on screen. */
  private drawnWaiters: (() => void)[] = [];
  /** The scenario document the engine's run was loaded from, as JSON. */
  private loadedDocument: string | null = null;
  private latestStatus: LiveStatus | null = null;
  private latestError: EngineError | null = null;
  private version = 0;
  private connection: EngineConnection;
  /** Counts engine workers: calls to a worker that died never answer, and must not hold the controls. */
  private generation = 0;
  private lastRestartMs = -Infinity;
  /** This tab's checkpoint slot in the engine's storage. */
  private readonly checkpointKey = tabCheckpointKey();
  /** Settles when `init` has started the engine and loaded the first scenario, or failed to. */
  private readonly engineStarted: Promise<void>;
  private markEngineStarted: () => void = () => {};
  private engineHasStarted = false;
  /** Run or Step was pressed while the engine was starting: it goes ahead once the engine is ready. */
  waitingForEngine = $state<'run' | 'step' | null>(null);

  constructor(private readonly startEngine: (onDeath: (reason: string) => void) => EngineConnection) {
    this.connection = this.connect();
    this.engine = this.connection.api;
    this.engineStarted = new Promise((resolve) => (this.markEngineStarted = resolve));
  }

  private connect(): EngineConnection {
    const generation = ++this.generation;
    return this.startEngine((reason) => {
      if (generation === this.generation) void this.restart(reason);
    });
  }

  /**
   * The engine worker died: start a new one, load the scenario again and go on from the run's last checkpoint,
   * playing if it played. The screen keeps what it showed; batches the new engine runs again are not shown twice.
   * If it dies again soon after, the scenario may be what kills it: it then waits for the user to press Run.
   */
  private async restart(reason: string): Promise<void> {
    const reload = performance.now() - this.lastRestartMs > RELOAD_UNLESS_DIED_WITHIN_MS;
    const wasRunning = this.state === 'running';
    this.lastRestartMs = performance.now();
    this.connection.close();
    this.connection = this.connect();
    this.engine = this.connection.api;
    this.restarted = { reason, reloaded: reload, restoring: reload };
    this.working = 0;
    this.info = null;
    this.latestStatus = null;
    this.status = null;
    if (!reload) {
      this.queries = [];
      this.models = [];
      this.live.reset(null);
      this.started = false;
    }
    try {
      this.info = await this.engine.info();
      if (!reload) return;
      const resumed = await this.load(false, true);
      this.restarted = { reason, reloaded: true, resumed: this.lastResume };
      if (resumed && this.lastResume?.ok && wasRunning) await this.engine.play();
    } finally {
      // If the first engine died while it started, `init` never ends: a press waiting for it goes to this one.
      this.engineIsStarted();
    }
  }

  /** Loads, one-off queries or a press waiting for the engine to start: the controls wait. */
  get busy(): boolean {
    return this.working > 0 || this.waitingForEngine !== null;
  }

  get state(): RunState {
    return this.status?.state ?? 'idle';
  }

  /** The selected query as loaded; null before the first successful load. */
  get query(): QueryInfo | null {
    return this.queries[this.selected] ?? null;
  }

  /** The selected query of the document. */
  get selectedQuery(): QuerySpec {
    return this.scenario.queries[this.selected] ?? this.scenario.queries[0]!;
  }

  /** The SQL the editor shows: the selected query's. */
  get sql(): string {
    return this.selectedQuery.query;
  }

  set sql(text: string) {
    this.selectedQuery.query = text;
  }

  select(index: number): void {
    if (index === this.selected || index < 0 || index >= this.scenario.queries.length) return;
    this.selected = index;
    this.liveDirty = true;
    this.schedule();
  }

  /** The declared stream names. */
  get streams(): string[] {
    return this.scenario.sources.map((source) => source.name);
  }

  /**
   * Starts the engine, then loads the scenario (`scenario`, else the default) so that its tables can be browsed
   * before the first run.
   */
  async init(scenario?: Partial<EngineScenario>): Promise<void> {
    try {
      if (scenario) this.scenario = editable(scenario);
      this.info = await this.engine.info();
      await this.load(false);
    } finally {
      this.engineIsStarted();
    }
  }

  private engineIsStarted(): void {
    this.engineHasStarted = true;
    this.markEngineStarted();
  }

  /**
   * A press of Run or Step while the engine starts waits for it: a load issued now would be overtaken by the
   * start's own load of the scenario, and the press would come to nothing.
   */
  private async whenEngineStarted(action: 'run' | 'step'): Promise<void> {
    if (this.engineHasStarted) return;
    this.waitingForEngine = action;
    try {
      await this.engineStarted;
    } finally {
      this.waitingForEngine = null;
    }
  }

  /**
   * Run: a query that reads no stream runs once; one that reads a stream plays. A paused run of the scenario as
   * shown plays on; an edited scenario, or a finished or failed run, is loaded again first.
   */
  async run(): Promise<void> {
    await this.whenEngineStarted('run');
    if (streamsRead(this.sql, this.streams).length === 0) {
      await this.runOnce(this.sql);
      return;
    }
    if (this.pausedAsShown() || (await this.load(true))) {
      this.started = true;
      this.showing = 'live';
      await this.engine.play();
    }
  }

  /** Whether the engine holds a paused, unfailed run of the very scenario the page shows. */
  private pausedAsShown(): boolean {
    return (
      this.state === 'paused' &&
      this.error === null &&
      this.query !== null &&
      this.loadedDocument === JSON.stringify(this.document())
    );
  }

  async pause(): Promise<void> {
    await this.engine.pause();
  }

  async step(): Promise<void> {
    await this.whenEngineStarted('step');
    if (!this.pausedAsShown() && !(await this.load(true))) return;
    this.started = true;
    this.showing = 'live';
    await this.engine.step();
  }

  /** Starts the loaded run over: same seed, same events; paused. */
  async reset(): Promise<void> {
    if (!this.query) return;
    this.awaitingFreshRun = true;
    const outcome = await this.engine.reset();
    if (!outcome.ok) {
      this.awaitingFreshRun = false;
      this.error = outcome.error;
      return;
    }
    this.begin(outcome.queries);
  }

  /** After the scenario changed (a knob, the output mode, the trigger): load it again, and play on if it played. */
  async reload(): Promise<void> {
    if (this.queries.length === 0) return;
    const wasRunning = this.state === 'running';
    if (!(await this.load(this.started))) return;
    if (wasRunning) await this.engine.play();
  }

  /** The bytes of the user's files held now. */
  dataFileBytes(): number {
    return this.dataFiles.reduce((sum, file) => sum + file.bytes.byteLength, 0);
  }

  /**
   * Adds a stream read from the user's files and loads the scenario with it. When the engine refuses it (a type
   * that does not fit, say), the source goes again and the run stays as it was: what the engine said comes back.
   */
  async addFileSource(draft: FileSourceDraft): Promise<string | null> {
    if (this.scenario.sources.some((source) => source.name.toLowerCase() === draft.name.toLowerCase())) {
      return `There is a source named ${draft.name} already: choose another name.`;
    }
    const { source, files } = fileSource(draft);
    const shown = this.error;
    this.scenario.sources.push(source);
    this.dataFiles = [...this.dataFiles, ...files];
    if (await this.load(this.started)) return null;
    // No new error: a later load (the user went on meanwhile) took this one's place, and it holds the source too.
    const refused = this.error === shown ? null : this.error;
    if (!refused) return null;
    this.scenario.sources = this.scenario.sources.filter((known) => known.name !== source.name);
    this.dataFiles = this.dataFiles.filter((file) => !files.includes(file));
    this.error = shown;
    return [refused.message, refused.hint].filter(Boolean).join(' ');
  }

  /**
   * Gives a file source its files again (a reload or a link leaves them behind), replacing any it had, and
   * loads the scenario with them.
   */
  async setSourceFiles(source: string, files: DataFile[]): Promise<boolean> {
    const folder = `${source}/`;
    this.dataFiles = [
      ...this.dataFiles.filter((file) => !file.name.startsWith(folder)),
      ...files.map((file) => ({ name: folder + file.name, bytes: file.bytes })),
    ];
    return this.load(this.started);
  }

  /** Adds a copy of the selected query, to change and compare side by side; selects it. */
  addQuery(): Promise<void> {
    const taken = this.scenario.queries.map((spec) => spec.name.toLowerCase());
    let n = taken.length + 1;
    while (taken.includes(`query_${n}`)) n++;
    this.scenario.queries.push({ ...this.selectedQuery, name: `query_${n}` });
    this.selected = this.scenario.queries.length - 1;
    return this.reload();
  }

  removeQuery(index: number): Promise<void> {
    if (this.scenario.queries.length < 2) return Promise.resolve();
    this.scenario.queries.splice(index, 1);
    this.selected = Math.min(this.selected, this.scenario.queries.length - 1);
    return this.reload();
  }

  setOutputMode(mode: OutputMode): Promise<void> {
    this.selectedQuery.outputMode = mode;
    return this.reload();
  }

  setTrigger(trigger: TriggerDocument): Promise<void> {
    this.scenario.trigger = trigger;
    return this.reload();
  }

  /** Replaces the whole scenario (a lesson, a share link) and loads it, paused, showing query `selected`. */
  async open(scenario: Partial<EngineScenario>, selected = 0): Promise<boolean> {
    this.scenario = editable(scenario);
    this.selected = Math.min(selected, this.scenario.queries.length - 1);
    this.started = false;
    return this.load(false);
  }

  /**
   * Opens a scenario from a file (a lesson an instructor wrote, a scenario archive with its data files) only if
   * the engine takes it. Otherwise the playground stays as it was, the user's SQL and files too, and what the
   * engine said comes back.
   */
  async openIfValid(scenario: Partial<EngineScenario>, files = this.dataFiles): Promise<EngineError | null> {
    const before = { scenario: $state.snapshot(this.scenario) as Scenario, selected: this.selected };
    const { started, error, dataFiles } = this;
    this.dataFiles = files;
    if (await this.open(scenario)) return null;
    // As for a file source: without a new error, a later load took this one's place.
    const refused = this.error === error ? null : this.error;
    if (!refused) return null;
    this.scenario = before.scenario;
    this.selected = before.selected;
    this.started = started;
    this.error = error;
    this.dataFiles = dataFiles;
    return refused;
  }

  async runOnce(sql: string): Promise<boolean> {
    const generation = this.generation;
    this.working++;
    try {
      const outcome = await this.engine.query(sql);
      if (!outcome.ok) {
        this.error = outcome.error;
        return false;
      }
      const table = tableFromIPC(outcome.arrow);
      const kept = table.numRows > MAX_QUERY_ROWS ? table.slice(0, MAX_QUERY_ROWS) : table;
      const { columns, rows } = tableToJsonRows(kept);
      this.queryResult = { sql, columns, rows, total: table.numRows, elapsedMs: outcome.elapsedMs };
      this.showing = 'query';
      this.error = null;
      return true;
    } finally {
      if (generation === this.generation) this.working--;
    }
  }

  async previewTable(name: string): Promise<void> {
    const outcome = await this.engine.query(`SELECT * FROM "${name.replaceAll('"', '""')}" LIMIT 200`);
    if (!outcome.ok) {
      this.preview = { name, columns: [], rows: [], error: outcome.error.message };
      return;
    }
    const { columns, rows } = tableToJsonRows(tableFromIPC(outcome.arrow));
    this.preview = { name, columns, rows };
  }

  /** The document as it stands: for the engine, share links and export. */
  document(): EngineScenario {
    return toDocument($state.snapshot(this.scenario) as Scenario);
  }

  /**
   * Loads the scenario into the engine (a new run, paused); whether it worked and is the latest load.
   * `started`: the user asked to run it. `resume`: go on from the run's last checkpoint, keeping the views.
   */
  private async load(started: boolean, resume = false): Promise<boolean> {
    const ticket = this.loads.issue();
    const listener = Comlink.proxy((event: LiveEvent) => this.receive(ticket, event));
    const generation = this.generation;
    this.working++;
    this.lastResume = undefined;
    const document = this.document();
    try {
      const outcome = await this.engine.load(document, listener, {
        checkpointKey: this.checkpointKey,
        resume,
        files: this.dataFiles,
        // For Export's Spark and Flink bundles; the engine stops recording a run past a bound of its input.
        record: true,
      });
      const early = this.loads.answered(ticket, outcome.ok);
      if (!outcome.ok) {
        if (this.loads.isLatest(ticket)) this.error = outcome.error;
        return false;
      }
      this.awaitingFreshRun = false;
      this.loadedDocument = JSON.stringify(document);
      this.lastResume = outcome.resumed;
      if (outcome.resumed?.ok && this.sameQueries(outcome.queries)) {
        // The run goes on where the views stand: they stay, and `started` with them.
        this.queries = outcome.queries;
        this.error = null;
      } else {
        this.started = started;
        this.begin(outcome.queries);
      }
      for (const event of early) this.receive(ticket, event);
      void this.refreshCatalog();
      return this.loads.isLatest(ticket);
    } finally {
      if (generation === this.generation) this.working--;
    }
  }

  private sameQueries(queries: QueryInfo[]): boolean {
    return (
      queries.length === this.models.length &&
      queries.every((query, i) => JSON.stringify(query) === JSON.stringify(this.models[i]!.info))
    );
  }

  /** A new run: empty views. */
  private begin(queries: QueryInfo[]): void {
    this.queries = queries;
    this.models = queries.map((query) => new LiveModel(query));
    this.error = null;
    this.latestError = null;
    this.liveDirty = true;
    this.schedule();
  }

  /** What the engine sent, taken in; for a batch, a promise that settles once the page has drawn it. */
  private receive(ticket: number, event: LiveEvent): Promise<void> | undefined {
    if (!this.loads.admit(ticket, event)) return;
    if (this.awaitingFreshRun) {
      if (event.kind !== 'status' || event.status.batches !== 0) return;
      this.awaitingFreshRun = false;
    }
    if (event.kind === 'error') {
      this.latestError = event.error;
    } else {
      this.latestStatus = event.status;
      if (event.kind === 'batch') {
        const { batch } = event;
        const model = this.models.find((candidate) => candidate.info.name === batch.query);
        // A run resumed from a checkpoint runs again, identically, the batches after it: shown once.
        if (model && batch.batchId > model.lastBatchId) model.apply(fromLiveBatch(batch), event.status);
        this.liveDirty = true;
        this.schedule();
        return this.drawn();
      }
    }
    this.schedule();
  }

  /** Settles once every part of the screen shows what has arrived and has been painted; at once while hidden. */
  private drawn(): Promise<void> {
    if (typeof document === 'undefined' || document.hidden) return Promise.resolve();
    return new Promise((resolve) => this.drawnWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Once per frame: publish what arrived since the last one. */
  private draw(): void {
    this.frame = 0;
    if (this.latestStatus !== this.status) this.status = this.latestStatus;
    if (this.latestError) {
      this.error = this.latestError;
      this.latestError = null;
    }
    const model = this.models[this.selected] ?? this.models[0];
    if (this.liveDirty && model) {
      this.liveDirty = false;
      this.live.publish({ version: ++this.version, models: this.models, model });
    }
    if (this.live.step()) {
      this.schedule();
    } else if (this.drawnWaiters.length > 0) {
      // The last part is drawn in this frame, after this callback: the next frame comes after its paint.
      const waiters = this.drawnWaiters.splice(0);
      requestAnimationFrame(() => waiters.forEach((resolve) => resolve()));
    }
  }

  /** The static tables of the loaded run, with their columns, for the Sources panel and completion. */
  private async refreshCatalog(): Promise<void> {
    const outcome = await this.engine.query(CATALOG_SQL);
    if (!outcome.ok) return;
    this.catalog = staticTables(tableToJsonRows(tableFromIPC(outcome.arrow)).rows, this.streams);
  }
}
