import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import {
  ValidationError,
  emailSchema,
  passwordSchema,
  systemContext,
  usernameSchema,
  type Config,
  type Engine,
} from '@emporia/core';
import type { Command } from 'commander';
import { openEngine } from '../engine.js';
import { CliError, type Io } from '../output.js';

/** Asks one question at a time; null when input has ended. */
interface Prompter {
  ask(question: string, hidden?: boolean): Promise<string | null>;
  close(): void;
}

/**
 * Prompts on stdin/stdout. On a terminal, hidden answers are not echoed; piped input is read
 * line by line (a line iterator buffers, so answers that arrive early are not lost).
 */
function stdioPrompter(): Prompter {
  const tty = Boolean(process.stdin.isTTY);
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question, hidden = false) {
      process.stdout.write(question);
      muted = hidden && tty;
      try {
        const next = await lines.next();
        return next.done ? null : next.value;
      } finally {
        if (muted || !tty) process.stdout.write('\n');
        muted = false;
      }
    },
    close: () => rl.close(),
  };
}

function firstProblem(result: { success: boolean; error?: { issues: Array<{ message: string }> } }): string | null {
  return result.success ? null : (result.error?.issues[0]?.message ?? 'is invalid');
}

async function emailTaken(engine: Engine, email: string): Promise<boolean> {
  return (await engine.store.repositories.users.findByEmail(systemContext(), email)) !== null;
}

async function usernameTaken(engine: Engine, username: string): Promise<boolean> {
  return (await engine.store.repositories.users.findByUsername(systemContext(), username)) !== null;
}

/** What the command gathers; a username is optional. */
interface Superuser {
  email: string;
  username?: string;
  password: string;
  name: string;
}

type Given = { email?: string; username?: string; password?: string; name?: string };

async function promptForMissing(engine: Engine, io: Io, given: Given): Promise<Superuser> {
  const prompter = stdioPrompter();
  const need = (answer: string | null): string => {
    if (answer === null)
      throw new CliError('input ended before the superuser was complete (use --no-input to read the environment)');
    return answer;
  };
  try {
    let email = given.email;
    while (email === undefined) {
      const answer = need(await prompter.ask('Email: ')).trim();
      const problem = firstProblem(emailSchema.safeParse(answer));
      if (problem) io.err(`Error: email ${problem}`);
      else email = answer;
    }
    // As Django asks: e-mail, username, then the password twice; the display name comes from --name only.
    const name = given.name ?? '';
    if (await emailTaken(engine, emailSchema.parse(email)))
      throw new CliError(`a user with the e-mail ${email} already exists`);
    let username = given.username;
    // Asked only when the e-mail was asked too: `--email` alone means "no username" as before.
    while (username === undefined && given.email === undefined) {
      const answer = need(await prompter.ask('Username (leave blank for none): ')).trim();
      if (answer === '') break;
      const problem = firstProblem(usernameSchema.safeParse(answer));
      if (problem) io.err(`Error: username ${problem}`);
      else if (await usernameTaken(engine, answer)) io.err(`Error: the username ${answer} is already taken`);
      else username = answer;
    }
    let password = given.password;
    while (password === undefined) {
      const first = need(await prompter.ask('Password: ', true));
      const again = need(await prompter.ask('Password (again): ', true));
      const problem = firstProblem(passwordSchema.safeParse(first));
      if (first !== again) io.err("Error: the passwords didn't match");
      else if (problem) io.err(`Error: password ${problem}`);
      else password = first;
    }
    return { email, username, password, name };
  } finally {
    prompter.close();
  }
}

function fromEnvironment(config: Config, given: Given): Superuser {
  const email = given.email ?? config.superuserEmail;
  const password = given.password ?? config.superuserPassword;
  if (!email) throw new CliError('--no-input needs --email or EMPORIA_SUPERUSER_EMAIL');
  if (!password) throw new CliError('--no-input needs --password or EMPORIA_SUPERUSER_PASSWORD');
  return { email, username: given.username, password, name: given.name ?? '' };
}

export function createsuperuserCommand(program: Command, io: Io): void {
  program
    .command('createsuperuser')
    .description('create an admin user: prompts for what is missing, or reads EMPORIA_SUPERUSER_* with --no-input')
    .option('--email <email>', 'e-mail address of the new admin')
    .option('--password <password>', 'password (prefer the prompt or EMPORIA_SUPERUSER_PASSWORD)')
    .option('--username <username>', 'username (optional; 3-150 letters, digits, ., _ or -)')
    .option('--name <name>', 'display name')
    .option('--no-input', 'never prompt; take missing values from EMPORIA_SUPERUSER_EMAIL / _PASSWORD')
    .action(async (opts: Given & { input: boolean }) => {
      const { config, engine } = await openEngine({ migrate: true });
      try {
        const given: Given = { email: opts.email, username: opts.username, password: opts.password, name: opts.name };
        const data: Superuser = !opts.input
          ? fromEnvironment(config, given)
          : given.email !== undefined && given.password !== undefined
            ? { email: given.email, username: given.username, password: given.password, name: given.name ?? '' }
            : await promptForMissing(engine, io, given);
        const user = await engine.identity.createUser(systemContext(), { ...data, role: 'admin' });
        io.out(`Superuser created: ${user.email}${user.username ? ` (${user.username})` : ''}`);
      } catch (err) {
        if (err instanceof ValidationError) {
          throw new CliError((err.errors ?? []).map((e) => `${e.path} ${e.message}`).join('; ') || err.message);
        }
        throw err;
      } finally {
        await engine.close();
      }
    });
}
