import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@emporia/core';
import { parseDuration } from '../src/shared/config.js';

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
    });
    expect(c.port).toBe(8080);
    expect(c.accessTokenTtl).toBe(900);
    expect(c.allowRegistration).toBe(false);
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.currency).toBe('EUR');
    expect(c.host).toBe('127.0.0.1');
  });

  it('reports one clear line per bad variable', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'abc', DATABASE_URL: 'oracle://x', ACCESS_TOKEN_TTL: 'soon', WORKER: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).problems;
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith('PORT:'))).toContain('"abc"');
    expect(lines.find((l) => l.startsWith('DATABASE_URL:'))).toContain('sqlite:');
    expect(lines.find((l) => l.startsWith('ACCESS_TOKEN_TTL:'))).toContain('duration');
    expect(lines.find((l) => l.startsWith('WORKER:'))).toBeDefined();
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
