import type { components } from './schema.js';

/** An RFC 9457 problem as the API answers it. */
export type Problem = components['schemas']['Problem'];

/** A failed API call: the problem+json body the server answered (or one made for a network failure). */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }

  get status(): number {
    return this.problem.status;
  }
}

/**
 * The problem's field errors by form field: `body.variants.0.sku` → `variants.0.sku`, so a form shows
 * each message beside the field it names. Messages for the same field are joined.
 */
export function fieldErrors(problem: Problem | undefined): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const { path, message } of problem?.errors ?? []) {
    const field = path.replace(/^(body|query|params)\.?/, '') || '_';
    byField[field] = byField[field] ? `${byField[field]}; ${message}` : message;
  }
  return byField;
}

/** The one line to show for a failure: the problem's detail, else its title. */
export function problemMessage(error: unknown): string {
  if (error instanceof ApiProblem) return error.problem.detail ?? error.problem.title;
  return error instanceof Error ? error.message : String(error);
}
