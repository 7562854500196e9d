#!/usr/bin/env node
import { runCli } from './program.js';

// `emporia migrate status | head`: the reader went away; that is the end of the output, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const code = await runCli(process.argv.slice(2));
// `serve` and `worker` keep running; every other command exits with its code.
if (code !== 0) process.exit(code);
