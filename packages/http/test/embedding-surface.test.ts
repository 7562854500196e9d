import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as adapters from '@emporia/adapters';
import * as core from '@emporia/core';
import * as http from '@emporia/http';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/support/cli.js';

describe('the public surface embedding apps rely on', () => {
  it('exports only the package root: no deep imports into internals', () => {
    for (const pkg of ['core', 'adapters', 'http', 'cli']) {
      const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages', pkg, 'package.json'), 'utf8'));
      expect(manifest.exports, pkg).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
      expect(manifest.files, pkg).not.toContain('src');
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
