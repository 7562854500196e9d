/**
 * The signed-in session, outside React: the access token in memory, the refresh token in
 * sessionStorage (it survives a reload of this tab, not the closing of the browser). The access token
 * refreshes itself before it expires; a refresh shared by concurrent requests is made once.
 */
import type { components } from '../api/schema.js';
import { refreshTokens, revokeTokens } from './sign-in.js';
import { isDue } from './tokens.js';

type TokenPair = components['schemas']['TokenPair'];

const REFRESH_KEY = 'emporia.dashboard.refresh';

class Session {
  private access: string | null = null;
  private refreshing: Promise<string | null> | null = null;
  private readonly listeners = new Set<() => void>();

  /** Keeps a new pair of tokens (after sign-in or refresh). */
  store(pair: TokenPair): void {
    this.access = pair.access;
    sessionStorage.setItem(REFRESH_KEY, pair.refresh);
  }

  hasRefreshToken(): boolean {
    return sessionStorage.getItem(REFRESH_KEY) !== null;
  }

  /** An access token good for the next request, refreshing first when it is about to expire. */
  async freshAccessToken(): Promise<string | null> {
    if (this.access && !isDue(this.access, Date.now())) return this.access;
    return this.hasRefreshToken() ? this.refreshNow() : null;
  }

  /** Rotates the refresh token now; a failed refresh ends the session (back to the sign-in page). */
  refreshNow(): Promise<string | null> {
    this.refreshing ??= (async () => {
      const refresh = sessionStorage.getItem(REFRESH_KEY);
      const pair = refresh ? await refreshTokens(refresh).catch(() => null) : null;
      if (pair) this.store(pair);
      else this.end();
      return pair?.access ?? null;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * After a 401 for the token `rejected`: the token another request has refreshed meanwhile, or
   * one refresh. Requests sent with the old token at once come back at different moments; without
   * this, each late one would rotate the refresh token again.
   */
  replacing(rejected: string | null): Promise<string | null> {
    if (this.refreshing) return this.refreshing;
    if (this.access && this.access !== rejected) return Promise.resolve(this.access);
    return this.refreshNow();
  }

  /** Signs out: the server revokes the refresh token's login, then the tokens are forgotten. */
  async signOut(): Promise<void> {
    const refresh = sessionStorage.getItem(REFRESH_KEY);
    if (refresh) await revokeTokens(refresh).catch(() => undefined);
    this.end();
  }

  /** Called when the session ends (sign-out or a failed refresh). */
  onEnd(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private end(): void {
    const wasSignedIn = this.access !== null || this.hasRefreshToken();
    this.access = null;
    sessionStorage.removeItem(REFRESH_KEY);
    if (wasSignedIn) for (const listener of this.listeners) listener();
  }
}

export const session = new Session();
