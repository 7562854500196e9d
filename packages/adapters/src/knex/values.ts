/**
 * Value conversions that make SQLite, PostgreSQL and MySQL rows look the same to repositories:
 * timestamps are ISO strings, JSON is parsed, booleans are booleans. (On MySQL the client does
 * most of it as rows are read: `mysql-client.ts`.) And the driver errors each dialect raises for
 * the same violation, as one question each.
 */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function toIso(value: unknown): string {
  // SQLite hands back the strings we stored with toISOString(): parsing and re-printing each one
  // was a visible share of a list request (bench profile).
  if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  return new Date(String(value)).toISOString();
}

export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/** Whether a driver error has one of the codes (PostgreSQL SQLSTATE, SQLite, MySQL) or a matching message. */
function driverError(err: unknown, codes: string[], message?: RegExp): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return codes.includes(e?.code ?? '') || (message?.test(e?.message ?? '') ?? false);
}

/** True for a unique-constraint violation on any of the databases. */
export const isUniqueViolation = (err: unknown): boolean =>
  driverError(err, ['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'ER_DUP_ENTRY'], /UNIQUE constraint failed/);

/**
 * True for a CHECK-constraint violation on any of the databases. MariaDB's error 4025 is another
 * error's number on MySQL (and mysql2 names it so), hence its message.
 */
export const isCheckViolation = (err: unknown): boolean =>
  driverError(
    err,
    ['23514', 'SQLITE_CONSTRAINT_CHECK', 'ER_CHECK_CONSTRAINT_VIOLATED'],
    /CHECK constraint failed|CONSTRAINT \S+ failed for /,
  );

/** True for a foreign-key violation on any of the databases (a missing parent, or a row still referenced). */
export const isForeignKeyViolation = (err: unknown): boolean =>
  driverError(
    err,
    ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY', 'ER_ROW_IS_REFERENCED_2', 'ER_NO_REFERENCED_ROW_2'],
    /FOREIGN KEY constraint/,
  );

/**
 * True when MySQL/MariaDB gave up on a transaction another one was locking against
 * (ER_LOCK_DEADLOCK 1213, ER_LOCK_WAIT_TIMEOUT 1205): the transaction is rolled back and may simply
 * run again (the unit of work rolls it back). Where Emporia meets these, PostgreSQL and SQLite wait
 * for the lock instead: InnoDB also locks a parent row shared for every child row inserted.
 */
export const isLockConflict = (err: unknown): boolean => driverError(err, ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/** The rows of a `knex.raw` answer: an array on SQLite and MySQL, `{ rows }` on PostgreSQL. */
export function rawRows<T = Record<string, unknown>>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}
