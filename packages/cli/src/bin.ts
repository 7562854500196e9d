import { runCli } from './program.js';

// `emporia migrate status | head`: the reader went away; that is the end of the output, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

// `serve` and `worker` keep running; every other command exits with its code. (No top-level await:
// the bundle is CommonJS, see launch.ts.)
void runCli(process.argv.slice(2)).then((code) => {
  if (code !== 0) process.exit(code);
});
