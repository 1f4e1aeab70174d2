/**
 * Runs a scenario document's steps through the engine (DuckDB-Wasm under Node) and prints one
 * JSON line per executed micro-batch. A scenario without steps whose sources have generators or files runs
 * live for `--batches N` (default 10) one-second steps of processing time; with the availableNow trigger, until
 * every file is read (or for N triggers). File sources read the files their path matches, relative to the
 * document (standard input's: the current directory), in name order.
 * `--steps N` runs only the next N scripted steps. `--checkpoint FILE` writes a checkpoint after every
 * step (or trigger of a live run) and, when FILE exists, resumes from it: a stopped run continues exactly where
 * it stopped.
 * `--export pyspark|flink` prints the scenario as a PySpark or Flink SQL script instead, and
 * `--export databricks|jupyter` as a Databricks (source format) or Jupyter notebook of that PySpark job, its
 * `ui.title` and `ui.about` as markdown; `--export spark-bundle DIR` runs the scenario and writes into DIR each
 * batch's input as CSV, Tideline's output per batch and a PySpark job that replays the one and compares with the
 * other, `--export flink-bundle DIR` the same for Flink: a Flink SQL script (sql-client.sh -f) over the CSV files
 * that writes its changelog to DIR/output, and compare.py (workers/engine/bundle.ts; neither has been run on a
 * cluster); `--explain` prints each
 * query's pipeline of operators as one JSON object (`--explain --text`: as lines for people).
 * `scripts/scenario.ts` runs it as a process.
 * Usage: npm run --silent scenario -- <file.json | -> [--batches N] [--steps N] [--checkpoint FILE]
 *        [--export pyspark|flink|databricks|jupyter | --export spark-bundle|flink-bundle DIR] [--explain [--text]]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BatchReport, DataFile, QueryInfo } from '../workers/protocol';
import { bundleFiles, RunRecording } from '../workers/engine/bundle';
import type { Database } from '../workers/engine/database';
import { matchingFiles } from '../workers/engine/files';
import { openNodeDatabase } from '../workers/engine/node';
import { clusterScript } from '../workers/engine/cluster';
import { LiveRun } from '../workers/engine/live';
import { databaseCatalog } from '../workers/engine/streaming/catalog';
import { ScenarioRun } from '../workers/engine/runner';
import { MANUAL_STEP_MS } from '../workers/engine/scheduler';
import { describeFailure } from '../workers/engine/failures';
import { explainJson, explainText } from '../workers/engine/streaming/explain';
import { notebookOf, scenarioMarkdown } from '../workers/engine/notebook';
import { parseScenario, ScenarioError } from '../workers/engine/validate';
import type { ParquetToArrow } from '../workers/engine/files';
import type { Scenario } from '../workers/engine/scenario';
import type { InputRecorder } from '../workers/engine/streaming/sources';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  scenarioJson,
  type RunCheckpoint,
} from '../workers/engine/checkpoint';

/** Where the CLI reads a document given as `-` and writes its lines: the process's, or a test's. */
export interface CliIo {
  stdin(): string;
  write(text: string): void;
  /** The database a run uses: a new one, unless a test shares one between runs (opening one costs a second). */
  database?: () => Promise<Database>;
}

/** Runs the CLI on its arguments (the document's path first); resolves to the exit code. */
export async function runCli([documentPath, ...options]: string[], io: CliIo): Promise<number> {
  const fail = (error: { message: string; hint?: string }): number => {
    io.write(JSON.stringify({ error }) + '\n');
    return 1;
  };
  if (!documentPath)
    return fail({
      message: 'No scenario given.',
      hint: 'Usage: npm run --silent scenario -- <file.json> (or - for stdin)',
    });
  let document: unknown;
  try {
    document = JSON.parse(documentPath === '-' ? io.stdin() : readFileSync(documentPath, 'utf8'));
  } catch (error) {
    return fail({
      message: `Cannot read ${documentPath === '-' ? 'standard input' : documentPath}: ${(error as Error).message}`,
      hint: 'Pass a JSON scenario document.',
    });
  }
  try {
    const scenario = parseScenario(document);
    const db = await (io.database ?? openNodeDatabase)();
    const target = options.includes('--export') ? options[options.indexOf('--export') + 1] : undefined;
    const batches = optionValue(options, '--batches');
    const triggers = batches === undefined ? undefined : Number(batches);
    if (triggers !== undefined && (!Number.isInteger(triggers) || triggers < 1))
      return fail({ message: '--batches takes a whole number of batches.', hint: 'For example --batches 5.' });
    const baseDir = documentPath === '-' ? process.cwd() : path.dirname(documentPath);
    if (target === 'spark-bundle' || target === 'flink-bundle') {
      const dir = options[options.indexOf('--export') + 2];
      if (dir === undefined || dir.startsWith('--'))
        return fail({
          message: `--export ${target} takes a directory.`,
          hint: `For example --export ${target} out.`,
        });
      const bundled = bundleFiles(
        target === 'spark-bundle' ? 'spark' : 'flink',
        await recordedRun(db, scenario, baseDir, triggers),
        path.resolve(dir),
      );
      if (!bundled.ok) return fail(bundled.error);
      writeBundle(dir, bundled.files);
      return 0;
    }
    if (target !== undefined) {
      const { durationOf } = databaseCatalog(db);
      if (target === 'pyspark' || target === 'flink') io.write(clusterScript(scenario, target, durationOf));
      else if (target === 'databricks' || target === 'jupyter')
        io.write(notebookOf(target, scenarioMarkdown(document), clusterScript(scenario, 'pyspark', durationOf)));
      else
        return fail({
          message: `Cannot export to ${target}.`,
          hint: 'Use --export pyspark, flink, databricks, jupyter, spark-bundle DIR or flink-bundle DIR.',
        });
      return 0;
    }
    if (options.includes('--explain')) {
      const queries = ScenarioRun.start(db, scenario).describe();
      io.write(
        options.includes('--text')
          ? explainText(queries) + '\n'
          : explainJson(queries)
              .map((query) => JSON.stringify(query) + '\n')
              .join(''),
      );
      return 0;
    }
    const several = (scenario.queries?.length ?? 1) > 1;
    const print = (batch: BatchReport) => io.write(JSON.stringify(cliLine(batch, several)) + '\n');
    const file = optionValue(options, '--checkpoint');
    if (isLive(scenario)) {
      runLive(db, scenario, await dataFilesOf(scenario, baseDir), { triggers, checkpoint: file, print });
      return 0;
    }
    const resumed = file !== undefined && existsSync(file) ? readCheckpoint(file, scenario) : undefined;
    const steps = scenario.steps ?? [];
    const limit = optionValue(options, '--steps');
    const count = limit === undefined ? steps.length : Number(limit);
    if (!Number.isInteger(count) || count < 0)
      return fail({ message: '--steps takes a whole number of steps.', hint: 'For example --steps 2.' });
    const run = ScenarioRun.start(db, scenario, resumed);
    const last = Math.min(steps.length, run.stepsDone + count);
    while (run.stepsDone < last) {
      for (const batch of run.runStep(steps[run.stepsDone]!)) print(batch);
      if (file !== undefined) writeCheckpoint(file, run.checkpoint());
    }
    return 0;
  } catch (error) {
    return fail(describeFailure(error));
  }
}

/**
 * A live run, one trigger per second of processing time (available-now: every trigger at once, until nothing is
 * left to read), checkpointed after each trigger when asked.
 */
function runLive(
  db: Database,
  scenario: Scenario,
  files: { files: DataFile[]; readParquet?: ParquetToArrow },
  options: { triggers?: number; checkpoint?: string; print: (batch: BatchReport) => void; recorder?: InputRecorder },
): LiveRun {
  const file = options.checkpoint;
  const resumed = file !== undefined && existsSync(file) ? readCheckpoint(file, scenario) : undefined;
  const run = LiveRun.start(db, scenario, { ...files, recorder: options.recorder }, resumed);
  const availableNow = scenario.trigger.kind === 'availableNow';
  let clock = resumed?.clock ?? { processingMs: 0, batches: 0 };
  for (let trigger = 0; trigger < (options.triggers ?? (availableNow ? Infinity : 10)); trigger++) {
    const processingMs = availableNow ? MANUAL_STEP_MS : clock.processingMs + MANUAL_STEP_MS;
    const reports = run.batchAt(processingMs, 0);
    if (availableNow && reports.length === 0) return run;
    reports.forEach(options.print);
    clock = { processingMs, batches: clock.batches + (reports.length > 0 ? 1 : 0) };
    if (file !== undefined) writeCheckpoint(file, run.checkpoint(clock));
  }
  return run;
}

function isLive(scenario: Scenario): boolean {
  return !scenario.steps && scenario.sources.some((source) => source.generator || source.file);
}

/** Runs the scenario as the CLI does, recording each batch's input and output. */
async function recordedRun(db: Database, scenario: Scenario, baseDir: string, triggers: number | undefined) {
  const recording = new RunRecording();
  let queries: QueryInfo[];
  if (isLive(scenario)) {
    const files = await dataFilesOf(scenario, baseDir);
    const options = { triggers, print: (batch: BatchReport) => recording.keep(batch), recorder: recording.recorder };
    queries = runLive(db, scenario, files, options).describe();
  } else {
    const run = ScenarioRun.start(db, scenario, undefined, recording.recorder);
    for (const step of scenario.steps ?? []) for (const batch of run.runStep(step)) recording.keep(batch);
    queries = run.describe();
  }
  return { scenario, queries, recording, durationOf: databaseCatalog(db).durationOf };
}

/** The bundle's files under `dir`; the input files' modification times one second apart, in batch order. */
function writeBundle(dir: string, files: Map<string, string>): void {
  let second = Date.UTC(2024, 0, 1) / 1000;
  for (const [name, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    if (name.startsWith('input/')) utimesSync(file, second, second++);
  }
}

/** The files each file source's path matches, read from disk relative to `baseDir`: a clear error when none do. */
async function dataFilesOf(scenario: Scenario, baseDir: string) {
  const files = new Map<string, DataFile>();
  scenario.sources.forEach((source, i) => {
    if (!source.file) return;
    const directory = path.posix.dirname(source.file.path);
    const absolute = path.resolve(baseDir, directory);
    const names = existsSync(absolute) ? readdirSync(absolute).map((name) => path.posix.join(directory, name)) : [];
    const listed = names.map((name) => ({ name: path.posix.normalize(name), bytes: new Uint8Array() }));
    const matched = matchingFiles(source.file.path, listed);
    if (matched.length === 0)
      throw new ScenarioError(
        `sources[${i}].file.path`,
        `no file matches "${source.file.path}" in ${absolute}`,
        'The path is relative to the scenario document; * and ? match within the file name only.',
      );
    for (const { name } of matched) files.set(name, { name, bytes: readFileSync(path.resolve(baseDir, name)) });
  });
  const parquet = scenario.sources.some((source) => source.file?.format === 'parquet');
  const readParquet = parquet ? (await import('../workers/engine/parquet-node')).readParquetInNode : undefined;
  return { files: [...files.values()], readParquet };
}

function optionValue(options: string[], name: string): string | undefined {
  const at = options.indexOf(name);
  return at < 0 ? undefined : options[at + 1];
}

function readCheckpoint(file: string, scenario: Scenario): RunCheckpoint {
  const checkpoint = decodeCheckpoint(readFileSync(file));
  if (checkpoint.scenario !== scenarioJson(scenario))
    throw new CheckpointError(
      `The checkpoint ${file} was written by another scenario.`,
      'Delete it to start over, or pass another --checkpoint file.',
    );
  return checkpoint;
}

/** Written beside and renamed into place: a stop while writing leaves the previous checkpoint whole. */
function writeCheckpoint(file: string, checkpoint: RunCheckpoint): void {
  writeFileSync(`${file}.partial`, encodeCheckpoint(checkpoint));
  renameSync(`${file}.partial`, file);
}

/**
 * The CLI contract's fields, in its order, then rejected rows and warnings when there are any; with several
 * queries, which query the batch is of.
 */
function cliLine(batch: BatchReport, several: boolean) {
  const { query, batchId, watermark, numInputRows, columns, rows, lateRows, numRowsDroppedByWatermark, progress } =
    batch;
  const line = {
    batchId,
    watermark,
    numInputRows,
    columns,
    rows,
    lateRows,
    numRowsDroppedByWatermark,
    progress,
    ...(batch.rejected.length > 0 && { rejected: batch.rejected }),
    ...(batch.warnings.length > 0 && { warnings: batch.warnings }),
  };
  return several ? { query, ...line } : line;
}
