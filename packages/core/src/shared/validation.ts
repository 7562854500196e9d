import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Validates service input with its schema: library callers get the same 400-class errors as
 * HTTP clients (`errors: [{ path, message }]`, paths dotted from the input's root).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what = 'input'): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Invalid ${what}`,
    parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
  );
}
