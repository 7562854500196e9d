import { useState } from 'react';
import { ApiProblem, fieldErrors, problemMessage } from '../api/problem.js';

/** Thrown by a form's action for what it finds wrong before sending (an amount that is not one). */
export class InvalidInput extends Error {
  constructor(readonly errors: Record<string, string>) {
    super('Some fields need a change');
  }
}

/**
 * A form's submission: runs `action`, and on failure keeps the field errors (the API's, from the
 * problem's `errors[]`, keyed by field path, or an InvalidInput's) and a message for what names no field.
 */
export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const submit = async (...args: A): Promise<boolean> => {
    setBusy(true);
    setErrors({});
    setFormError(undefined);
    try {
      await action(...args);
      return true;
    } catch (err) {
      const byField =
        err instanceof InvalidInput ? err.errors : err instanceof ApiProblem ? fieldErrors(err.problem) : {};
      setErrors(byField);
      if (Object.keys(byField).length === 0) setFormError(problemMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, errors, formError };
}
