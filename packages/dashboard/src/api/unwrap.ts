import { ApiProblem, type Problem } from './problem.js';

const networkProblem = (cause: unknown): Problem => ({
  type: 'about:blank',
  title: 'The server did not answer',
  status: 0,
  detail: cause instanceof Error ? cause.message : 'Check the connection and try again',
});

/**
 * The data of an openapi-fetch answer, or an ApiProblem carrying the server's problem+json body.
 * Every screen calls the API as `unwrap(api.GET(…))`.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (cause) {
    throw new ApiProblem(networkProblem(cause));
  }
  if (answer.error !== undefined) {
    const body = answer.error as Partial<Problem>;
    throw new ApiProblem({
      type: body.type ?? 'about:blank',
      title: body.title ?? answer.response.statusText,
      status: answer.response.status,
      ...body,
    } as Problem);
  }
  return answer.data as T;
}
