import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { EmporiaError } from '@emporia/core';
import type { ColumnKind } from './introspect.js';
import { toIso } from '../knex/values.js';

/**
 * The Emporia backup format (version 1): gzip-compressed JSON lines.
 *
 *   line 1      header: format, version, migrations, tables (columns, kinds, row counts), body SHA-256
 *   then        per table: {"table": name} followed by one JSON array per row, in header column order
 *
 * The header is its own gzip member, written last and placed first (gzip members concatenate),
 * so a reader knows the counts and checksum before loading anything.
 */
/** The `format` a backup header names. */
export const BACKUP_FORMAT = 'emporia-backup';
/** The backup format version this code writes and reads. */
export const BACKUP_VERSION = 1;

/** One table of a backup: its columns, their value kinds and its row count. */
export interface BackupTable {
  name: string;
  columns: string[];
  kinds: ColumnKind[];
  rows: number;
}

/**
 * The header of a backup file: format and version, source dialect, migration level, per-table
 * counts and the byte count and SHA-256 of the body, which `verifyBackup` checks.
 */
export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  created_at: string;
  source_dialect: string;
  /** Applied migrations, oldest first; the last one is the migration level. */
  migrations: string[];
  tables: BackupTable[];
  /** Dialect-specific counters by meaning (see dialect-state.ts): `{ order_number: 1042 }`. */
  counters: Record<string, number>;
  total_rows: number;
  body_bytes: number;
  body_sha256: string;
}

/** A backup file that cannot be used: not a backup, another version, truncated or corrupt. */
export class BackupFileError extends EmporiaError {
  readonly code = 'invalid-backup';
  readonly title = 'Invalid backup file';
}

/** A database value → its neutral JSON form. */
export function encodeValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    // Exact: beyond 2^53 an integer travels as a decimal string.
    if (!Number.isSafeInteger(Number(value))) return kind === 'integer' ? value.toString() : Number(value);
    value = Number(value);
  }
  switch (kind) {
    case 'boolean':
      return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
    case 'timestamp':
      return toIso(value);
    case 'json':
      // JSON travels as its text, so text-vs-jsonb differences cannot change it.
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
      return typeof value === 'string' && Number.isSafeInteger(Number(value)) ? Number(value) : value;
    case 'decimal':
      return typeof value === 'number' ? value : String(value);
    case 'binary':
      return {
        base64: Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64'),
      };
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : String(value);
  }
}

/** A neutral JSON value → what the target dialect's driver should be given. */
export function decodeValue(kind: ColumnKind, dialect: string, value: unknown): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'boolean':
      return dialect === 'sqlite' ? (value ? 1 : 0) : Boolean(value);
    case 'binary':
      return Buffer.from((value as { base64: string }).base64, 'base64');
    default:
      return value;
  }
}

/** Splits a gunzipped stream into lines (as raw bytes, so the checksum sees exactly what was written). */
export async function* readLines(file: string): AsyncGenerator<Buffer> {
  if (!existsSync(file)) throw new BackupFileError(`${file}: no such file`);
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  let rest = Buffer.alloc(0);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let nl: number;
      while ((nl = data.indexOf(10)) !== -1) {
        yield data.subarray(0, nl + 1);
        data = data.subarray(nl + 1);
      }
      rest = Buffer.from(data);
    }
  } catch (err) {
    if (err instanceof BackupFileError) throw err;
    throw new BackupFileError(`${file}: truncated or corrupt (${(err as Error).message})`);
  } finally {
    source.destroy();
  }
  if (rest.length) throw new BackupFileError(`${file}: truncated (the last line is incomplete)`);
}

function parseLine(line: Buffer, file: string, what: string): unknown {
  try {
    return JSON.parse(line.toString('utf8'));
  } catch {
    throw new BackupFileError(`${file}: corrupt ${what}`);
  }
}

function checkHeader(value: unknown, file: string): BackupHeader {
  const h = value as Partial<BackupHeader> | null;
  if (!h || typeof h !== 'object' || h.format !== BACKUP_FORMAT) {
    throw new BackupFileError(`${file}: not an Emporia backup`);
  }
  if (h.version !== BACKUP_VERSION) {
    throw new BackupFileError(
      `${file}: backup format version ${h.version} is not supported (expected ${BACKUP_VERSION})`,
    );
  }
  const tablesOk =
    Array.isArray(h.tables) &&
    h.tables.every(
      (t) =>
        typeof t?.name === 'string' &&
        Array.isArray(t.columns) &&
        Array.isArray(t.kinds) &&
        t.columns.length === t.kinds.length &&
        Number.isSafeInteger(t.rows),
    );
  if (
    !tablesOk ||
    !Array.isArray(h.migrations) ||
    typeof h.counters !== 'object' ||
    typeof h.body_sha256 !== 'string'
  ) {
    throw new BackupFileError(`${file}: corrupt header`);
  }
  return h as BackupHeader;
}

export type BackupLine = { kind: 'table'; table: BackupTable } | { kind: 'row'; table: BackupTable; values: unknown[] };

/**
 * Reads a backup: the header, then every table start and row. With `verifyOnly` the lines are
 * still parsed, so a pass over the file proves it complete and intact before a load starts.
 */
export async function openBackup(file: string): Promise<{ header: BackupHeader; lines: AsyncGenerator<BackupLine> }> {
  const lines = readLines(file);
  const first = await lines.next();
  if (first.done) throw new BackupFileError(`${file}: empty file`);
  const header = checkHeader(parseLine(first.value, file, 'header'), file);
  const byName = new Map(header.tables.map((t) => [t.name, t]));

  async function* body(): AsyncGenerator<BackupLine> {
    let current: BackupTable | undefined;
    for await (const line of lines) {
      const value = parseLine(line, file, 'row');
      if (Array.isArray(value)) {
        if (!current || value.length !== current.columns.length) {
          throw new BackupFileError(`${file}: corrupt row in ${current?.name ?? 'no table'}`);
        }
        yield { kind: 'row', table: current, values: value };
      } else {
        const name = (value as { table?: unknown })?.table;
        current = typeof name === 'string' ? byName.get(name) : undefined;
        if (!current) throw new BackupFileError(`${file}: corrupt table marker`);
        yield { kind: 'table', table: current };
      }
    }
  }
  return { header, lines: body() };
}

/**
 * Reads the whole file once and checks it against its header: body checksum, byte count and
 * row count per table. Throws BackupFileError on any difference; writes nothing.
 */
export async function verifyBackup(
  file: string,
  onProgress?: (rows: number, total: number) => void,
): Promise<BackupHeader> {
  const lines = readLines(file);
  const first = await lines.next();
  if (first.done) throw new BackupFileError(`${file}: empty file`);
  const header = checkHeader(parseLine(first.value, file, 'header'), file);
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  const counts = new Map<string, number>();
  let current: string | undefined;
  for await (const line of lines) {
    hash.update(line);
    bytes += line.length;
    // Rows start with '[' and table markers with '{': full parsing waits for the load pass.
    if (line[0] === 0x5b) {
      if (current === undefined) throw new BackupFileError(`${file}: corrupt body (a row before any table)`);
      counts.set(current, (counts.get(current) ?? 0) + 1);
      if (++rows % 10_000 === 0) onProgress?.(rows, header.total_rows);
    } else {
      const marker = parseLine(line, file, 'table marker') as { table?: string };
      current = String(marker?.table);
      counts.set(current, counts.get(current) ?? 0);
    }
  }
  onProgress?.(rows, header.total_rows);
  if (bytes !== header.body_bytes || hash.digest('hex') !== header.body_sha256) {
    throw new BackupFileError(`${file}: checksum mismatch (the file is truncated or corrupt)`);
  }
  for (const t of header.tables) {
    if ((counts.get(t.name) ?? 0) !== t.rows) {
      throw new BackupFileError(`${file}: ${t.name} holds ${counts.get(t.name) ?? 0} rows, the header says ${t.rows}`);
    }
  }
  return header;
}
