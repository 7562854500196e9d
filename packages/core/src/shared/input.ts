import { z } from 'zod';

/**
 * The building blocks of every input schema, so that what one database stores every other one
 * stores too (a backup restores anywhere): text without control characters, integers within what
 * every dialect's column holds, and free-form JSON of bounded depth and size.
 */

/** No C0 control character (NUL included, which PostgreSQL text refuses) and no DEL. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/;
/** As {@link SINGLE_LINE}, but tab, line feed and carriage return are text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MULTI_LINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

/** True when `value` holds a control character no single-line field accepts. */
export function hasControlCharacters(value: string, multiline = false): boolean {
  return !(multiline ? MULTI_LINE : SINGLE_LINE).test(value);
}

/**
 * A string of input: refuses NUL and the other C0 controls (and DEL); `multiline` text keeps tab
 * and newlines. Chain `.trim()`, `.min()`, `.max()` and `.regex()` as on `z.string()`.
 */
export function text(options: { multiline?: boolean } = {}) {
  return options.multiline
    ? z.string().regex(MULTI_LINE, 'must not contain control characters other than tab and newline')
    : z.string().regex(SINGLE_LINE, 'must not contain control characters');
}

/** Largest value of a 32-bit integer column (stock, quantities) on every dialect. */
export const MAX_INT32 = 2_147_483_647;
/** Largest amount of minor units: exact in JavaScript and in every dialect's 64-bit column. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/** A whole number stored in a 32-bit column: bounded to `[min, max]` within it. */
export function int32(min = 0, max = MAX_INT32) {
  return z
    .number()
    .int('must be a whole number')
    .min(Math.max(min, -MAX_INT32 - 1), `must be at least ${Math.max(min, -MAX_INT32 - 1)}`)
    .max(Math.min(max, MAX_INT32), `must be at most ${Math.min(max, MAX_INT32)}`)
    .meta({ format: 'int32' });
}

/** A whole number stored in a 64-bit column (money), bounded to what JavaScript holds exactly. */
export function int64(min = 0, max = MAX_AMOUNT) {
  return z
    .number()
    .int('must be whole minor units (cents)')
    .min(Math.max(min, -MAX_AMOUNT), `must be at least ${Math.max(min, -MAX_AMOUNT)}`)
    .max(Math.min(max, MAX_AMOUNT), `must be at most ${Math.min(max, MAX_AMOUNT)}`)
    .meta({ format: 'int64' });
}

/** Deepest nesting a free-form JSON value may have (`{"a":{"b":1}}` is 2). */
export const MAX_JSON_DEPTH = 10;
/** Largest free-form JSON value, in bytes of its JSON text. */
export const MAX_JSON_BYTES = 64 * 1024;

/**
 * Why a free-form JSON value is refused (too deep, too large, text with control characters), or
 * null. Walks without recursion, so a hostile value nested thousands deep costs no stack.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_JSON_BYTES): string | null {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let bytes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v === 'boolean') bytes += 5;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'numbers must be finite';
      bytes += 24;
    } else if (typeof v === 'string') {
      if (hasControlCharacters(v, true)) return 'text must not contain control characters other than tab and newline';
      bytes += v.length + 2;
    } else if (typeof v === 'object') {
      if (depth > maxDepth) return `must be nested at most ${maxDepth} levels deep`;
      const entries = Array.isArray(v) ? v.map((x) => ['', x] as const) : Object.entries(v as object);
      for (const [key, x] of entries) {
        if (hasControlCharacters(key)) return 'keys must not contain control characters';
        bytes += key.length + 4;
        stack.push([x, depth + 1]);
      }
    } else return 'must be JSON';
    if (bytes > maxBytes) return `must be at most ${maxBytes} bytes of JSON`;
  }
  return null;
}

/** A free-form JSON object (product attributes): bounded depth and size, text without control characters. */
export function jsonObject(options: { maxDepth?: number; maxBytes?: number } = {}) {
  return z.record(text().max(200), z.unknown()).superRefine((v, ctx) => {
    const problem = jsonProblem(v, options.maxDepth, options.maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

// ---------------------------------------------------------------- output fields

/**
 * The strings of an answer, bounded as what was stored: the OpenAPI document says each one's
 * largest length (a client sizes its buffers and columns by it), and the bound is the input
 * limit it came in with.
 */
/** An id: a UUIDv7 string. */
export const idField = () => z.string().max(36).meta({ format: 'uuid' });
/** A timestamp: ISO 8601 UTC (`2026-01-31T12:00:00.000Z`). */
export const timestampField = () => z.string().max(32).meta({ format: 'date-time' });
/**
 * Most lines a cart, an order or a breakdown holds: the ceiling of `MAX_CART_LINES` (an order is
 * placed from one cart or from at most 100 explicit lines).
 */
export const MAX_LINES = 10_000;
/** An ISO 4217 currency code. */
export const currencyField = () => z.string().length(3);
/** Longest error text kept (a job's `last_error`, a webhook delivery's `error`): longer text is cut. */
export const MAX_ERROR_TEXT = 2000;
/** Error text as stored: cut to {@link MAX_ERROR_TEXT}. */
export function errorText(message: string): string {
  return message.length > MAX_ERROR_TEXT ? message.slice(0, MAX_ERROR_TEXT) : message;
}
