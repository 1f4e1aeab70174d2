/** The command line in a test's process, on one database per test file (opening one costs about a second). */
import type { Database } from '../workers/engine/database';
import { openNodeDatabase } from '../workers/engine/node';
import { runCli } from './cli';

let shared: Promise<Database> | undefined;

/** JSON lines as the CLI prints them. */
export const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** The CLI as `npm run scenario` runs it, with `input` as its standard input: its exit code and what it printed. */
export async function cli(args: string[], input = '') {
  let text = '';
  const database = () => (shared ??= openNodeDatabase());
  const status = await runCli(args, { stdin: () => input, write: (chunk) => (text += chunk), database });
  return {
    status,
    text,
    get lines() {
      return jsonLines(text);
    },
  };
}
