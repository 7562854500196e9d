import type { ResolutionContext } from 'inversify';
import type { Store, StoreRepositories } from './store.js';
import { TOKENS } from './tokens.js';

/**
 * For a module's bindings: resolves one of the store's repositories by name, so a module binds each
 * repository its services use to a token of its own (`bind(X_TOKENS.Repo).toDynamicValue(fromStore('repo'))`)
 * and no service ever sees the whole `Store`.
 */
export function fromStore<K extends keyof StoreRepositories>(
  name: K,
): (ctx: ResolutionContext) => StoreRepositories[K] {
  return (ctx) => ctx.get<Store>(TOKENS.Store).repositories[name];
}
