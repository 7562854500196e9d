/** @emporia/cli — the `emporia` command. */
export { runCli, buildProgram } from './program.js';
export { CliError, type Io } from './output.js';
