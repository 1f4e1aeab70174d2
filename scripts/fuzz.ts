/**
 * Feeds the engine seeded, mutated inputs through the CLI's code path, the worker API (a LiveSession on
 * fake timers) and share links, and a few through the real CLI in a subprocess. Each input ends as ok,
 * a structured error (a failure the engine put in words), a crash (anything else) or a hang (over the
 * per-input time bound). Prints the counts as JSON, and every crash and hang with how to replay it; exits 1
 * when there is any.
 *
 * Usage: npm run fuzz -- [--count 10000] [--seed 1] [--time 900] [--timeout 60000] [--jobs 2] [--only N]
 *   --time     stops starting inputs after this many seconds (the counts say how many ran)
 *   --timeout  the per-input time bound, in milliseconds
 *   --jobs     how many engine processes run inputs side by side
 *   --only N   runs input N of the seed alone and prints it (to reproduce a finding)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { inhumanMessage, type Verdict } from './fuzz/classify';
import type { Outcome } from './fuzz/child';
import { makeInput, type FuzzInput } from './fuzz/inputs';

interface Options {
  count: number;
  seed: number;
  time: number;
  timeout: number;
  jobs: number;
  only?: number;
}

function parseOptions(args: string[]): Options {
  const options: Options = { count: 10_000, seed: 1, time: 900, timeout: 60_000, jobs: 2 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (
      !['count', 'seed', 'time', 'timeout', 'jobs', 'only'].includes(name) ||
      !Number.isSafeInteger(value) ||
      value < 0
    ) {
      throw new Error(`Unknown option or bad value: ${args[i]} ${args[i + 1] ?? ''}`);
    }
    options[name as keyof Options] = value;
  }
  return options;
}

/** The engine process, restarted after a hang or when its database stops working. */
class Engine {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  restarts = 0;

  private start(): Promise<void> {
    const child = fork(new URL('./fuzz/child.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the engine process exited (${code}) while starting`)));
    });
  }

  open(): Promise<void> {
    this.ready ??= this.start();
    return this.ready;
  }

  /** Runs one input; a hang when it has not answered within `timeout` ms (a restart is not counted in it). */
  async run(index: number, input: FuzzInput, timeout: number): Promise<Outcome | { verdict: 'hang' }> {
    await this.open();
    const child = this.child!;
    return new Promise((resolve) => {
      const done = (outcome: Outcome | { verdict: 'hang' }, restart: boolean) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (restart) {
          this.stop();
          this.restarts++;
        }
        resolve(outcome);
      };
      const onMessage = (message: { index: number; outcome: Outcome; healthy: boolean }) => {
        if (message.index === index) done(message.outcome, !message.healthy);
      };
      const onExit = (code: number | null, signal: string | null) =>
        done({ verdict: 'crash', detail: `the engine process died (exit ${code}, ${signal ?? 'no signal'})` }, true);
      const timer = setTimeout(() => done({ verdict: 'hang' }, true), timeout);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ index, input });
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
    this.ready = null;
  }
}

/** The real CLI, as a user runs it: `npm run scenario -- -` with the document on stdin. */
function runCliProcess(text: string, timeout: number): Promise<Outcome | { verdict: 'hang' }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', '-']);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {}); // a CLI that exits before reading everything
  child.stdin.end(text);
  // The process also starts Node and DuckDB: it gets 5 seconds more than an input in the engine process.
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout + 5_000);
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? { verdict: 'hang' } : cliVerdict(status, stdout, stderr.trim()));
    });
  });
}

function cliVerdict(status: number | null, stdout: string, stderr: string): Outcome {
  if (stderr !== '') return { verdict: 'crash', detail: `the CLI wrote to stderr: ${stderr.slice(0, 1500)}` };
  const lines = stdout.split('\n').filter((line) => line !== '');
  try {
    const parsed = lines.map((line) => JSON.parse(line) as { error?: { message?: unknown } });
    if (status === 0 && parsed.every((line) => line.error === undefined)) return { verdict: 'ok' };
    if (status === 1 && parsed.length === 1 && parsed[0]!.error) {
      const why = inhumanMessage(parsed[0]!.error.message);
      return why ? { verdict: 'crash', detail: `CLI error (${why}): ${lines[0]}` } : { verdict: 'error' };
    }
  } catch {
    // not JSON lines: a crash, below
  }
  return { verdict: 'crash', detail: `CLI exit ${status}: ${stdout.slice(0, 1500)}` };
}

/** An input as it can be shown in a report: long strings shortened. */
function preview(input: FuzzInput): string {
  return JSON.stringify(input, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 300 ? `${value.slice(0, 300)}…(${value.length} chars)` : value,
  ).slice(0, 3000);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const engines = Array.from({ length: Math.max(1, options.jobs) }, () => new Engine());
  const started = performance.now();
  const counts: Record<Verdict, number> = { ok: 0, error: 0, crash: 0, hang: 0 };
  const byPath: Record<string, Record<Verdict, number>> = {};
  const findings: { index: number; verdict: Verdict; label: string; detail?: string; input: string }[] = [];
  const slowest = { index: -1, ms: 0 };
  let inputs = 0;
  const indices = options.only === undefined ? [...Array(options.count).keys()] : [options.only];
  let next = 0;
  const timeUp = () => performance.now() - started > options.time * 1000;

  /** One engine's share of the inputs: each lane takes the next input as it finishes one. */
  async function lane(engine: Engine): Promise<void> {
    while (next < indices.length && !timeUp()) {
      const index = indices[next++]!;
      const input = makeInput(options.seed, index);
      if (options.only !== undefined) console.error(preview(input));
      const began = performance.now();
      const outcome =
        input.path === 'cli-process'
          ? await runCliProcess(input.text, options.timeout)
          : await engine.run(index, input, options.timeout);
      const ms = performance.now() - began;
      if (process.env.FUZZ_SLOW && ms > Number(process.env.FUZZ_SLOW))
        console.error(`#${index} ${Math.round(ms)} ms [${input.path}; ${input.label}]`);
      if (ms > slowest.ms && outcome.verdict !== 'hang') Object.assign(slowest, { index, ms: Math.round(ms) });
      inputs++;
      counts[outcome.verdict]++;
      (byPath[input.path] ??= { ok: 0, error: 0, crash: 0, hang: 0 })[outcome.verdict]++;
      if (outcome.verdict === 'crash' || outcome.verdict === 'hang') {
        const detail = 'detail' in outcome ? outcome.detail : undefined;
        findings.push({ index, verdict: outcome.verdict, label: input.label, detail, input: preview(input) });
        console.error(`#${index} ${outcome.verdict} [${input.path}; ${input.label}] ${detail ?? ''}`);
      }
    }
  }

  // Each engine opens DuckDB before the clock starts counting its inputs.
  await Promise.all(engines.map((engine) => engine.open()));
  await Promise.all(engines.map(lane));
  for (const engine of engines) engine.stop();
  findings.sort((a, b) => a.index - b.index);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const summary = {
    seed: options.seed,
    inputs,
    requested: indices.length,
    ok: counts.ok,
    structuredErrors: counts.error,
    crashes: counts.crash,
    hangs: counts.hang,
    byPath,
    seconds,
    perInputTimeoutMs: options.timeout,
    slowestInput: slowest,
    engineRestarts: engines.reduce((sum, engine) => sum + engine.restarts, 0),
    jobs: engines.length,
    findings: findings.map(({ index, verdict, label, detail }) => ({ index, verdict, label, detail })),
  };
  console.log(JSON.stringify(summary, null, 2));
  if (findings.length > 0) {
    console.error(`Replay one with: npm run fuzz -- --seed ${options.seed} --only <index>`);
    if (options.only !== undefined) console.error(findings[0]!.input);
  }
  return findings.length > 0 ? 1 : 0;
}

process.exitCode = await main();
