/**
 * Runs a scenario document's steps through the engine (DuckDB-Wasm under Node) and prints one
 * JSON line per executed micro-batch. A scenario without steps whose sources have generators runs
 * live for `--batches N` (default 10) one-second steps of processing time.
 * `--steps N` runs only the next N scripted steps. `--checkpoint FILE` writes a checkpoint after every
 * step and, when FILE exists, resumes from it: a stopped run continues exactly where it stopped.
 * `--export pyspark|flink` prints the scenario as a PySpark or Flink SQL script instead, and
 * `--export databricks|jupyter` as a Databricks (source format) or Jupyter notebook of that PySpark job, its
 * `ui.title` and `ui.about` as markdown; `--explain` prints each
 * query's pipeline of operators as one JSON object (`--explain --text`: as lines for people).
 * `scripts/scenario.ts` runs it as a process.
 * Usage: npm run --silent scenario -- <file.json | -> [--batches N] [--steps N] [--checkpoint FILE]
 *        [--export pyspark|flink|databricks|jupyter] [--explain [--text]]
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { BatchReport } from '../workers/protocol';
import { openNodeDatabase } from '../workers/engine/node';
import { clusterScript } from '../workers/engine/cluster';
import { LiveRun } from '../workers/engine/live';
import { databaseCatalog } from '../workers/engine/streaming/catalog';
import { ScenarioRun } from '../workers/engine/runner';
import { MANUAL_STEP_MS } from '../workers/engine/scheduler';
import { describeFailure } from '../workers/engine/failures';
import { explainJson, explainText } from '../workers/engine/streaming/explain';
import { notebookOf, scenarioMarkdown } from '../workers/engine/notebook';
import { parseScenario } from '../workers/engine/validate';
import type { Scenario } from '../workers/engine/scenario';
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
}

/** Runs the CLI on its arguments (the document's path first); resolves to the exit code. */
export async function runCli([path, ...options]: string[], io: CliIo): Promise<number> {
  const fail = (error: { message: string; hint?: string }): number => {
    io.write(JSON.stringify({ error }) + '\n');
    return 1;
  };
  if (!path)
    return fail({
      message: 'No scenario given.',
      hint: 'Usage: npm run --silent scenario -- <file.json> (or - for stdin)',
    });
  let document: unknown;
  try {
    document = JSON.parse(path === '-' ? io.stdin() : readFileSync(path, 'utf8'));
  } catch (error) {
    return fail({
      message: `Cannot read ${path === '-' ? 'standard input' : path}: ${(error as Error).message}`,
      hint: 'Pass a JSON scenario document.',
    });
  }
  try {
    const scenario = parseScenario(document);
    const db = await openNodeDatabase();
    const target = options.includes('--export') ? options[options.indexOf('--export') + 1] : undefined;
    if (target !== undefined) {
      const { durationOf } = databaseCatalog(db);
      if (target === 'pyspark' || target === 'flink') io.write(clusterScript(scenario, target, durationOf));
      else if (target === 'databricks' || target === 'jupyter')
        io.write(notebookOf(target, scenarioMarkdown(document), clusterScript(scenario, 'pyspark', durationOf)));
      else
        return fail({
          message: `Cannot export to ${target}.`,
          hint: 'Use --export pyspark, flink, databricks or jupyter.',
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
    if (!scenario.steps && scenario.sources.some((source) => source.generator)) {
      const batches = Number(options[options.indexOf('--batches') + 1] ?? 10);
      if (!Number.isInteger(batches) || batches < 1)
        return fail({ message: '--batches takes a whole number of batches.', hint: 'For example --batches 5.' });
      const run = LiveRun.start(db, scenario);
      for (let step = 1; step <= batches; step++) run.batchAt(step * MANUAL_STEP_MS, 0).forEach(print);
      return 0;
    }
    const file = optionValue(options, '--checkpoint');
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
