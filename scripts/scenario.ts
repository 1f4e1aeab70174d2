/**
 * Runs a scenario document's steps through the engine (DuckDB-Wasm under Node) and prints one
 * JSON line per executed micro-batch. Usage: npm run --silent scenario -- <file.json | ->
 */
import { readFileSync } from 'node:fs';
import type { BatchReport } from '../workers/protocol';
import { openNodeDatabase } from '../workers/engine/node';
import { ScenarioRun } from '../workers/engine/runner';
import { describeFailure } from '../workers/engine/failures';
import { parseScenario } from '../workers/engine/validate';

async function main(path: string | undefined): Promise<number> {
  if (!path)
    return fail({
      message: 'No scenario given.',
      hint: 'Usage: npm run --silent scenario -- <file.json> (or - for stdin)',
    });
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (error) {
    return fail({
      message: `Cannot read ${path === '-' ? 'standard input' : path}: ${(error as Error).message}`,
      hint: 'Pass a JSON scenario document.',
    });
  }
  try {
    const scenario = parseScenario(document);
    const db = await openNodeDatabase();
    const run = ScenarioRun.start(db, scenario);
    const several = (scenario.queries?.length ?? 1) > 1;
    for (const batch of run.steps()) process.stdout.write(JSON.stringify(cliLine(batch, several)) + '\n');
    return 0;
  } catch (error) {
    return fail(describeFailure(error));
  }
}

/** The CLI contract's fields, in its order; with several queries, which query the batch is of. */
function cliLine(batch: BatchReport, several: boolean) {
  const { query, batchId, watermark, numInputRows, columns, rows, lateRows, numRowsDroppedByWatermark, progress } =
    batch;
  const line = { batchId, watermark, numInputRows, columns, rows, lateRows, numRowsDroppedByWatermark, progress };
  return several ? { query, ...line } : line;
}

function fail(error: { message: string; hint?: string }): number {
  process.stdout.write(JSON.stringify({ error }) + '\n');
  return 1;
}

// A closed pipe (`| head`) ends the output quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
process.exitCode = await main(process.argv[2]);
