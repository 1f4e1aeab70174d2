/**
 * The fuzzer's engine process: opens DuckDB-Wasm once, then runs each input it is sent and answers with a
 * verdict. The parent kills and restarts it when an input overruns its time bound (a hang) or the
 * database stops answering.
 */
import type { BatchReport } from '../../workers/protocol';
import { clusterScript } from '../../workers/engine/cluster';
import type { Database } from '../../workers/engine/database';
import { LiveRun } from '../../workers/engine/live';
import { openNodeDatabase } from '../../workers/engine/node';
import { ScenarioRun } from '../../workers/engine/runner';
import { MANUAL_STEP_MS, type Timers } from '../../workers/engine/scheduler';
import { LiveSession, type SessionEvent } from '../../workers/engine/session';
import { databaseCatalog } from '../../workers/engine/streaming/catalog';
import { parseScenario } from '../../workers/engine/validate';
import { decodeLink } from '../../src/share/link';
import { inhumanMessage, structuredError, type Verdict } from './classify';
import type { FuzzInput, SessionOp } from './inputs';

export interface Outcome {
  verdict: Exclude<Verdict, 'hang'>;
  /** For a crash: what went wrong. */
  detail?: string;
}

/** How many batches the CLI path runs for a live scenario (the CLI's --batches). */
const LIVE_BATCHES = 3;

/**
 * Fake timers, as in the engine's own tests, except that a callback's own running time passes on the fake
 * clock too, as it does in a browser: a run that keeps rescheduling itself at once still reaches the end.
 */
class ManualTimers implements Timers {
  private time = 0;
  private queue: { at: number; callback: () => void; id: number }[] = [];
  private ids = 0;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    this.queue.push({ at: this.time + ms, callback, id: ++this.ids });
    return this.ids;
  };
  clearTimeout = (handle: unknown) => {
    this.queue = this.queue.filter((entry) => entry.id !== handle);
  };
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.time = Math.max(this.time, next.at);
      const started = performance.now();
      next.callback();
      this.time += performance.now() - started;
    }
    this.time = Math.max(this.time, end);
  }
}

function crash(error: unknown, where: string): Outcome {
  const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  return { verdict: 'crash', detail: `${where}: ${text.slice(0, 1500)}` };
}

/** The CLI's path (scripts/scenario.ts), in-process: parse, run, print each batch as a JSON line. */
function runCli(db: Database, document: unknown, exportTo?: 'pyspark' | 'flink'): Outcome {
  try {
    const scenario = parseScenario(document);
    if (exportTo) {
      clusterScript(scenario, exportTo, databaseCatalog(db).durationOf);
      return { verdict: 'ok' };
    }
    const print = (batch: BatchReport) => JSON.stringify(batch);
    if (!scenario.steps && scenario.sources.some((source) => source.generator)) {
      const run = LiveRun.start(db, scenario);
      for (let step = 1; step <= LIVE_BATCHES; step++) run.batchAt(step * MANUAL_STEP_MS, 0).forEach(print);
    } else {
      for (const batch of ScenarioRun.start(db, scenario).steps()) print(batch);
    }
    return { verdict: 'ok' };
  } catch (error) {
    const structured = structuredError(error);
    return structured.ok ? { verdict: 'error' } : crash(error, `cli (${structured.why})`);
  }
}

/** The worker's API: a LiveSession on fake timers, loaded and driven like the UI drives it. */
function runSession(db: Database, document: unknown, ops: SessionOp[]): Outcome {
  const timers = new ManualTimers();
  const session = new LiveSession(db, timers);
  const problems: string[] = [];
  let errors = 0;
  const listener = (event: SessionEvent) => {
    if (event.kind !== 'error') return;
    errors++;
    const why = inhumanMessage(event.error.message);
    if (why) problems.push(`error event (${why}): ${event.error.message}`);
  };
  const loaded = (outcome: ReturnType<LiveSession['load']>) => {
    if (outcome.ok) return;
    errors++;
    const why = inhumanMessage(outcome.error.message);
    if (why) problems.push(`load refused (${why}): ${outcome.error.message}`);
  };
  let op = 'load';
  try {
    loaded(session.load(document, listener));
    for (const next of ops) {
      op = next.op;
      if (next.op === 'step') session.step();
      else if (next.op === 'play') {
        session.play();
        timers.advance(next.ms);
      } else if (next.op === 'pause') session.pause();
      else if (next.op === 'reset') loaded(session.reset());
      else loaded(session.load(next.document, listener));
    }
    session.pause();
  } catch (error) {
    return crash(error, `session ${op} threw`);
  }
  if (problems.length > 0) return { verdict: 'crash', detail: problems.join('\n').slice(0, 1500) };
  return { verdict: errors > 0 ? 'error' : 'ok' };
}

/** A link as the UI opens it: decoded (never throwing), then loaded and stepped when it opens. */
async function runLink(db: Database, fragment: string): Promise<Outcome> {
  let decoded: Awaited<ReturnType<typeof decodeLink>>;
  try {
    decoded = await decodeLink(fragment);
  } catch (error) {
    return crash(error, 'decodeLink threw');
  }
  if (!decoded.ok) {
    const why = inhumanMessage(decoded.message);
    return why ? { verdict: 'crash', detail: `link refused (${why}): ${decoded.message}` } : { verdict: 'error' };
  }
  return runSession(db, decoded.scenario, [{ op: 'step' }, { op: 'step' }]);
}

/** Drops whatever schemas an input left behind and goes back to `main`. */
function cleanUp(db: Database): void {
  db.query('USE main');
  const schemas = db.query(
    "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() AND schema_name NOT IN ('main', 'information_schema', 'pg_catalog')",
  );
  for (const row of schemas.toArray()) db.query(`DROP SCHEMA "${String(row.schema_name)}" CASCADE`);
}

async function run(db: Database, input: FuzzInput, index: number): Promise<Outcome> {
  if (input.path === 'link') return runLink(db, input.fragment);
  if (input.path === 'session') return runSession(db, input.document, input.ops);
  if (input.path === 'cli') {
    db.query(`CREATE SCHEMA fuzz_${index}`);
    db.query(`USE fuzz_${index}`);
    return runCli(db, input.document, input.exportTo);
  }
  return { verdict: 'crash', detail: `the engine process cannot run a ${input.path} input` };
}

const db = await openNodeDatabase();
process.on('message', (message: { index: number; input: FuzzInput }) => {
  void (async () => {
    let outcome = await run(db, message.input, message.index).catch((error: unknown) => crash(error, 'fuzzer'));
    let healthy = true;
    try {
      cleanUp(db);
      db.query('SELECT 1');
    } catch (error) {
      healthy = false;
      if (outcome.verdict !== 'crash') outcome = crash(error, 'the database stopped working after this input');
    }
    process.send!({ index: message.index, outcome, healthy });
  })();
});
process.send!({ ready: true });
