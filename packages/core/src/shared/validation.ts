import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Validates input with one of the engine's schemas the way services do, e.g. a form of your own
 * before calling a service, or CLI options.
 *
 * @param what - Names the input in the error message (`Invalid options`).
 * @returns The schema's output (defaults applied, values transformed).
 * @throws ValidationError with `errors: [{ path, message }]` (paths dotted from the input's root),
 * the same errors HTTP clients get.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what = 'input'): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Invalid ${what}`,
    parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
  );
}
