import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as adapters from '@emporia/adapters';
import * as core from '@emporia/core';
import * as http from '@emporia/http';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';

const PACKAGES = ['core', 'adapters', 'http', 'cli'] as const;
/** The names each package root exports. Widening a surface is deliberate: edit this file with it. */
const EXPECTED_FILE = join(repoRoot, 'test', 'public-surface.json');

interface Surface {
  names: string[];
  /** `pkg: Symbol` or `pkg: Type.method` without a TSDoc comment. */
  undocumented: string[];
}

/**
 * Reads each package's root entry with the TypeScript compiler: every exported symbol (aliases
 * followed to their declaration), and the public methods of exported classes and interfaces.
 */
function readSurfaces(): Record<(typeof PACKAGES)[number], Surface> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(repoRoot, 'tsconfig.tests.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.tests.json could not be read');
  const entries = PACKAGES.map((pkg) => join(repoRoot, 'packages', pkg, 'src', 'index.ts'));
  const program = ts.createProgram(entries, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const documented = (symbol: ts.Symbol) =>
    ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '';
  const isPublicMethod = (decl: ts.Declaration | undefined) =>
    decl !== undefined &&
    (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl)) &&
    (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0;

  const surfaces = {} as Record<(typeof PACKAGES)[number], Surface>;
  PACKAGES.forEach((pkg, i) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entries[i])!)!;
    const exported = checker.getExportsOfModule(module);
    const undocumented: string[] = [];
    for (const symbol of exported) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if (!documented(target)) undocumented.push(`${pkg}: ${symbol.name}`);
      if (!(target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) continue;
      for (const member of target.members?.values() ?? []) {
        if (isPublicMethod(member.declarations?.[0]) && !documented(member)) {
          undocumented.push(`${pkg}: ${symbol.name}.${member.name}`);
        }
      }
    }
    surfaces[pkg] = { names: exported.map((s) => s.name).sort(), undocumented };
  });
  return surfaces;
}

describe('the public surface embedding apps rely on', () => {
  const surfaces = readSurfaces();

  it('exports only the package root: no deep imports into internals', () => {
    for (const pkg of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages', pkg, 'package.json'), 'utf8'));
      expect(manifest.exports, pkg).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
      expect(manifest.files, pkg).not.toContain('src');
    }
  });

  it('has a TSDoc comment on every exported symbol and on every public method of exported types', () => {
    expect(PACKAGES.flatMap((pkg) => surfaces[pkg].undocumented)).toEqual([]);
  });

  it('exports exactly the names in test/public-surface.json', () => {
    const expected = JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as Record<string, string[]>;
    for (const pkg of PACKAGES) {
      const actual = surfaces[pkg].names;
      const added = actual.filter((name) => !expected[pkg]?.includes(name));
      const removed = (expected[pkg] ?? []).filter((name) => !actual.includes(name));
      expect({ added, removed }, `${pkg}: update test/public-surface.json if the change is deliberate`).toEqual({
        added: [],
        removed: [],
      });
    }
  });

  it('offers what docs/getting-started-embedding.md uses', () => {
    for (const name of [
      'createEngine',
      'systemContext',
      'anonymousContext',
      'userContext',
      'ManualClock',
      'ValidationError',
      'NotFoundError',
      'ConflictError',
      'OutOfStockError',
      'UnauthorizedError',
      'ForbiddenError',
      'EVENT_TYPES',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
    for (const name of ['createDefaultEngine', 'loadConfig', 'createKnexStore', 'createMailer']) {
      expect(adapters, name).toHaveProperty(name);
    }
    for (const name of ['createApp', 'createRouter', 'openApiDocument', 'sendProblem']) {
      expect(http, name).toHaveProperty(name);
    }
    expect(typeof core.IdentityService.prototype.actorForUser).toBe('function');
  });
});
