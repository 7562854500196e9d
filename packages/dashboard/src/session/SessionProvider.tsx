import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, unwrap, type Schemas } from '../api/client.js';
import { ApiProblem } from '../api/problem.js';
import { grants, hasDashboardAccess } from './access.js';
import { NO_ACCESS_MESSAGE } from './messages.js';
import { session } from './session.js';
import { requestTokens } from './sign-in.js';

type Me = Schemas['Me'];

interface SessionValue {
  me: Me;
  /** True when the signed-in role holds the permission. */
  can: (permission: string) => boolean;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

/** The signed-in user and what they may do; only rendered inside a session. */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a session');
  return value;
}

async function loadMe(): Promise<Me> {
  const me = await unwrap(api.GET('/api/users/me'));
  if (!hasDashboardAccess(me.permissions)) {
    await session.signOut();
    throw new ApiProblem({ type: 'about:blank', title: 'No access', status: 403, detail: NO_ACCESS_MESSAGE });
  }
  return me;
}

/** Signs in with e-mail and password; rejects with an ApiProblem (wrong password, no access, locked). */
export type SignIn = (email: string, password: string) => Promise<void>;

/**
 * Holds the session: on start it resumes a session of this tab (its refresh token), otherwise it
 * renders `signedOut` with a `signIn` function.
 */
export function SessionProvider(props: { children: ReactNode; signedOut: (signIn: SignIn) => ReactNode }) {
  const queryClient = useQueryClient();
  const [me, setMe] = useState<Me | null>(null);
  const [resuming, setResuming] = useState(session.hasRefreshToken());

  useEffect(() => {
    if (!resuming) return;
    loadMe()
      .then(setMe)
      .catch(() => undefined)
      .finally(() => setResuming(false));
  }, [resuming]);

  useEffect(
    () =>
      session.onEnd(() => {
        setMe(null);
        queryClient.clear();
      }),
    [queryClient],
  );

  const signIn = useCallback<SignIn>(async (email, password) => {
    session.store(await requestTokens(email, password));
    setMe(await loadMe());
  }, []);

  const signOut = useCallback(() => session.signOut(), []);

  if (resuming) return <p className="splash">Loading…</p>;
  if (!me) return <>{props.signedOut(signIn)}</>;
  return (
    <SessionContext.Provider value={{ me, can: (p) => grants(me.permissions, p), signOut }}>
      {props.children}
    </SessionContext.Provider>
  );
}
