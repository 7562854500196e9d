import { useEffect, useState, type FormEvent } from 'react';
import { fieldErrors, problemMessage, ApiProblem } from '../api/problem.js';
import { FormError, TextField } from '../shared/ui/Field.js';
import { NO_ACCESS_MESSAGE } from './messages.js';
import type { SignIn } from './SessionProvider.js';

/** E-mail and password; a customer account is refused with a clear message. */
export function SignInPage({ signIn }: { signIn: SignIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    document.title = 'Sign in · Emporia back office';
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email, password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const errors = error instanceof ApiProblem ? fieldErrors(error.problem) : {};
  const formMessage =
    error instanceof ApiProblem && error.status === 401
      ? 'Wrong e-mail or password.'
      : error instanceof ApiProblem && error.status === 403
        ? NO_ACCESS_MESSAGE
        : error && !errors.email
          ? problemMessage(error)
          : undefined;

  return (
    <main className="sign-in">
      <form className="card sign-in__card" onSubmit={submit} noValidate>
        <h1>Emporia back office</h1>
        <p className="muted">Sign in with your staff account.</p>
        <TextField
          label="E-mail"
          error={errors.email}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(v) => setEmail(v)}
        />
        <TextField
          label="Password"
          error={errors.password}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(v) => setPassword(v)}
        />
        <FormError message={formMessage} />
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
