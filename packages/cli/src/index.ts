/**
 * @emporia/cli — the `emporia` command, as a library: run it in-process with your own output.
 * This list is the whole public surface.
 */
export { runCli, buildProgram } from './program.js';
export { CliError, type Io } from './output.js';
