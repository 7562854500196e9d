import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '@emporia/cli';
import { migrations } from '../../adapters/src/migrations/index.js';
import { allRoutes } from '../../http/src/routes/index.js';
import { repoRoot, runEmporia } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real binary, in its own process. */
function emporia(args: string[], env: Record<string, string> = {}) {
  return runEmporia(args, { cwd: dir, env: { DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, ...env } });
}

/** `runCli` in this process, with its output caught: for what needs no configuration or database. */
async function inProcess(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** README's CLI table: each command with the flags its row names. */
function readmeCommands(): Map<string, string[]> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## CLI');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const commands = new Map<string, string[]>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `emporia '))) {
    const cell = line.split('|')[1];
    commands.set(/`emporia (\w+)/.exec(cell)![1], cell.match(/--[a-z-]+/g) ?? []);
  }
  return commands;
}

/** Every command and sub-command of the program as its words (`['jobs', 'purge']`), but `help`. */
function commandPaths(command: Command, prefix: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [{ path: [...prefix, c.name()], command: c }, ...commandPaths(c, [...prefix, c.name()])]);
}

/** The names under `Commands:` in a help text. */
function listedCommands(help: string): string[] {
  const block = help.slice(help.indexOf('Commands:\n') + 'Commands:\n'.length);
  return [...block.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
}

describe('emporia CLI', () => {
  it('lists exactly the commands README documents in --help', () => {
    const help = emporia(['--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: emporia \[options\] \[command\]/);
    expect(listedCommands(help.stdout).sort()).toEqual([...readmeCommands().keys()].sort());
  });

  it('answers --help for every command and sub-command with its usage, description and options', async () => {
    const paths = commandPaths(buildProgram({ out: () => {}, err: () => {}, isTty: false }));
    expect(paths.map((p) => p.path.join(' ')).sort()).toEqual([
      'backup',
      'createsuperuser',
      'import',
      'import products',
      'jobs',
      'jobs list',
      'jobs purge',
      'jobs retry',
      'jobs show',
      'migrate',
      'migrate status',
      'openapi',
      'recommendations',
      'recommendations evaluate',
      'recommendations rebuild',
      'restore',
      'seed',
      'serve',
      'users',
      'users erase',
      'worker',
    ]);
    const readme = readmeCommands();
    for (const { path, command } of paths) {
      const r = await inProcess([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^Usage: emporia ${path.join(' ')} `));
      expect(r.out.replace(/\s+/g, ' ')).toContain(command.description());
      for (const option of command.options) expect(r.out, path.join(' ')).toContain(option.long!);
      if (command.commands.length) expect(listedCommands(r.out)).toEqual(command.commands.map((c) => c.name()));
    }
    // Each flag README names is offered by its command or one of its sub-commands.
    for (const [name, flags] of readme) {
      const offered = paths.filter((p) => p.path[0] === name).flatMap((p) => p.command.options.map((o) => o.long));
      for (const flag of flags) expect(offered, `emporia ${name} ${flag}`).toContain(flag);
    }
  });

  it('prints its version', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8'));
    expect(await inProcess(['--version'])).toEqual({ code: 0, out: manifest.version, err: '' });
  });

  it.each([
    [['frobnicate'], "emporia: unknown command 'frobnicate' (see --help)"],
    [['serv'], "emporia: unknown command 'serv' (Did you mean serve?) (see --help)"],
    [['migrate', '--frobnicate'], "emporia: unknown option '--frobnicate' (see --help)"],
    [['backup'], "emporia: missing required argument 'file' (see --help)"],
    [['seed', '--products'], "emporia: option '--products <n>' argument missing (see --help)"],
    [['jobs', 'purge'], "emporia: required option '--status <status>' not specified (see --help)"],
    [['seed', '--products', 'lots'], "emporia: --products: expected a whole number, got 'lots'"],
    [['seed', '--batch-size', '0'], 'emporia: --batch-size: must be at least 1'],
  ])('refuses %j with one line and exit code 1', async (args, line) => {
    expect(await inProcess(args)).toEqual({ code: 1, out: '', err: line });
  });

  it('exits 1 with that line from the binary too', () => {
    const r = emporia(['frobnicate']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: "emporia: unknown command 'frobnicate' (see --help)\n" });
  });

  // Six runs of the binary, the last two over every migration: more than the default timeout on a loaded machine.
  it('migrates, reports status and rolls back', { timeout: 120_000 }, () => {
    const names = migrations.map((m) => m.name);
    const up = emporia(['migrate']);
    expect(up.code).toBe(0);
    expect(up.stdout).toBe(`Applied: ${names.join(', ')}\n`);
    expect(emporia(['migrate']).stdout).toBe('Database is up to date\n');
    expect(emporia(['migrate', 'status']).stdout).toBe(names.map((n) => `[x] ${n}\n`).join(''));
    const down = emporia(['migrate', '--rollback', '--all']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^Rolled back: /);
    expect(down.stdout.trim().slice('Rolled back: '.length).split(', ').sort()).toEqual([...names].sort());
    expect(emporia(['migrate', 'status']).stdout).toBe(names.map((n) => `[ ] ${n}\n`).join(''));
  });

  it('prints one line per bad variable under one heading and exits 1 on bad configuration', () => {
    const r = emporia(['migrate'], { PORT: 'abc', WORKER: 'maybe' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('emporia: invalid configuration:');
    expect(lines.slice(1).sort()).toEqual([
      '  PORT: expected a whole number (got "abc")',
      expect.stringMatching(/^ {2}WORKER: .*\(got "maybe"\)$/),
    ]);
  });

  it('exits 1 with one line when the database cannot be reached', () => {
    const r = emporia(['migrate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^emporia: cannot reach the database/);
  });

  it('prints the OpenAPI document of exactly the HTTP route table', () => {
    const r = emporia(['openapi', '--server', 'https://shop.example']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://shop.example', 'x-internal': false }]);
    const operations = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => `${method} ${path} ${op.operationId}`),
      )
      .sort();
    expect(operations).toEqual(allRoutes.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
  });
});
