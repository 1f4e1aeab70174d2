/** `npm run scenario`: the CLI of `scripts/cli.ts`, on this process's arguments, standard input and output. */
import { readFileSync } from 'node:fs';
import { runCli } from './cli';

// A closed pipe (`| head`) ends the output quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
process.exitCode = await runCli(process.argv.slice(2), {
  stdin: () => readFileSync(0, 'utf8'),
  write: (text) => process.stdout.write(text),
});
