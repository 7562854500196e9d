import { describe, expect, it } from 'vitest';
import { describeError } from '../src/program.js';

describe('CLI error lines', () => {
  it('show the database reason without the SQL statement knex puts in front of it', () => {
    const pg = Object.assign(
      new Error('insert into "users" ("email") values ($1) - duplicate key value violates unique constraint'),
      {
        code: '23505',
      },
    );
    expect(describeError(pg)).toBe('database error: duplicate key value violates unique constraint');
    const sqlite = Object.assign(new Error('select * from `nope` - SQLITE_ERROR: no such table: nope'), {
      code: 'SQLITE_ERROR',
    });
    expect(describeError(sqlite)).toBe('database error: SQLITE_ERROR: no such table: nope');
  });

  it('keep other messages to their first line', () => {
    expect(describeError(new Error('file not found\n    at somewhere'))).toBe('file not found');
  });
});
