#!/usr/bin/env node
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// `serve` and `worker` keep running; every other command exits with its code.
if (code !== 0) process.exit(code);
