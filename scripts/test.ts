/**
 * `npm test`: every check, in three steps. In each, one stage prints as it goes and the others run beside it,
 * printed when the step ends: where each alone leaves a core idle (the type check and lint, the tail of the unit
 * tests, the soak's slow stream), the two cores stay busy. A step that fails stops the run. Last, each stage's
 * wall time.
 */
import { spawn } from 'node:child_process';

const STEPS: { live: string[]; beside: string[][] }[] = [
  // WebKit's run goes beside the static checks: beside the Chromium e2e tests and a busy loop, its first load
  // once never finished; beside these, or two busy loops, it has passed every run.
  { live: ['check'], beside: [['lint'], ['e2e:webkit']] },
  // The per-input bound only tells a hang from a slow input: generous, as this shares the cores.
  { live: ['test:unit'], beside: [['fuzz', '--', '--count', '400', '--timeout', '180000']] },
  { live: ['test:e2e'], beside: [['soak', '--', '--minutes', '1']] },
];

interface Outcome {
  name: string;
  ok: boolean;
  seconds: number;
  output: Buffer[];
}

function run(script: string[], live: boolean): Promise<Outcome> {
  const name = script.filter((word) => word !== '--').join(' ');
  const started = performance.now();
  const child = spawn('npm', ['run', ...script], { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ name, ok: code === 0, seconds: Math.round((performance.now() - started) / 1000), output }),
    ),
  );
}

const started = performance.now();
const outcomes: Outcome[] = [];
for (const step of STEPS) {
  const [live, ...beside] = await Promise.all([run(step.live, true), ...step.beside.map((s) => run(s, false))]);
  for (const outcome of beside) {
    console.log(`\n── ${outcome.name} (run beside ${live!.name}): ${outcome.ok ? 'passed' : 'FAILED'}`);
    process.stdout.write(Buffer.concat(outcome.output));
  }
  outcomes.push(live!, ...beside);
  if (outcomes.some((outcome) => !outcome.ok)) break;
}
const failed = outcomes.some((outcome) => !outcome.ok);
const total = Math.round((performance.now() - started) / 1000);
console.log(`\nnpm test ${failed ? 'FAILED' : 'passed'} in ${Math.floor(total / 60)} min ${total % 60} s:`);
const width = Math.max(...outcomes.map((outcome) => outcome.name.length));
for (const outcome of outcomes)
  console.log(
    `  ${outcome.name.padEnd(width)}  ${String(outcome.seconds).padStart(4)} s  ${outcome.ok ? 'ok' : 'FAILED'}`,
  );
process.exitCode = failed ? 1 : 0;
