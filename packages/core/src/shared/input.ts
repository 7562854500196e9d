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
