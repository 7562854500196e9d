import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@emporia/core';
import { CONFIG_KEYS, envVariable, parseDuration } from '../src/shared/config.js';
import { repoRoot } from '../../../test/support/cli.js';

/** The variables README's configuration table documents, in table order. */
function readmeVariables(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'sqlite:./data/emporia.db',
      host: '127.0.0.1',
      port: 3000,
      env: 'development',
      accessTokenTtl: 300,
      refreshTokenTtl: 86400,
      allowRegistration: true,
      currency: 'USD',
      lowStockThreshold: 5,
      mailDir: './data/mail',
      seedDemo: false,
      worker: 'inline',
    });
  });

  it('reads and converts values; empty strings count as unset', () => {
    const c = parseConfig({
      PORT: '8080',
      ACCESS_TOKEN_TTL: '15m',
      ALLOW_REGISTRATION: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      CURRENCY: 'eur',
      HOST: '',
      STOREFRONT_URL: 'https://shop.example/',
    });
    expect(c.port).toBe(8080);
    expect(c.accessTokenTtl).toBe(900);
    expect(c.allowRegistration).toBe(false);
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.currency).toBe('EUR');
    expect(c.host).toBe('127.0.0.1');
    // Links are built as `<url>/orders/…`: a trailing slash is dropped.
    expect(c.storefrontUrl).toBe('https://shop.example');
  });

  it('reports one clear line per bad variable', () => {
    let error: unknown;
    try {
      parseConfig({
        PORT: 'abc',
        DATABASE_URL: 'oracle://x',
        ACCESS_TOKEN_TTL: 'soon',
        WORKER: 'maybe',
        STOREFRONT_URL: 'javascript:alert(1)',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).problems;
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.startsWith('STOREFRONT_URL:'))).toContain('https://');
    expect(lines.find((l) => l.startsWith('PORT:'))).toContain('"abc"');
    expect(lines.find((l) => l.startsWith('DATABASE_URL:'))).toContain('sqlite:');
    expect(lines.find((l) => l.startsWith('ACCESS_TOKEN_TTL:'))).toContain('duration');
    expect(lines.find((l) => l.startsWith('WORKER:'))).toMatch(/\(got "maybe"\)$/);
  });

  it('reads every variable under the name README documents, into the key the Config type names', () => {
    const variables = CONFIG_KEYS.map(envVariable);
    expect(new Set(variables).size).toBe(variables.length);
    expect([...readmeVariables()].sort()).toEqual([...variables].sort());
    // Typed reads: a key TypeScript accepts must be the key parseConfig fills.
    const c = parseConfig({
      EMPORIA_ENV: 'production',
      EMPORIA_SUPERUSER_EMAIL: 'root@shop.example',
      EMPORIA_SUPERUSER_PASSWORD: 'correct horse',
      DATABASE_URL: 'postgres://shop@db/shop',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,hooks.internal',
      WEBHOOK_DISABLE_AFTER: '3',
      LOW_STOCK_THRESHOLD: '0',
      SMTP_URL: 'smtp://mail.example:25',
      JWT_SECRET: 'j',
    });
    expect(c.env).toBe('production');
    expect(c.superuserEmail).toBe('root@shop.example');
    expect(c.superuserPassword).toBe('correct horse');
    expect(c.databaseUrl).toBe('postgres://shop@db/shop');
    expect(c.webhookAllowedHosts).toEqual(['127.0.0.1', 'hooks.internal']);
    expect(c.webhookDisableAfter).toBe(3);
    expect(c.lowStockThreshold).toBe(0);
    expect(c.smtpUrl).toBe('smtp://mail.example:25');
    expect(c.jwtSecret).toBe('j');
    expect(Object.keys(parseConfig({})).sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it('accepts the three databases', () => {
    for (const url of ['sqlite::memory:', 'postgres://u@h/db', 'mysql://u:p@h:3306/db', 'mariadb://u@h/db']) {
      expect(parseConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('24h')).toBe(86400);
    expect(parseDuration('7d')).toBe(604800);
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('5 minutes')).toBeNull();
  });
});
