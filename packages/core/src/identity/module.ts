import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { AccountService } from './account.service.js';
import { AuthService } from './auth.service.js';
import { IdentityService } from './identity.service.js';
import { IDENTITY_TOKENS } from './ports.js';
import { RoleService } from './role.service.js';
import { LoginThrottle } from './throttle.js';
import { UserService } from './user.service.js';

/**
 * Identity: its five repositories from the store, the login throttle, the user, auth, account
 * (password reset, e-mail verification) and role services and `IdentityService` over them (`engine.identity`). `IDENTITY_TOKENS.PasswordHasher`
 * is a port `createEngine` binds from its arguments.
 */
export const identityModule = new ContainerModule(({ bind }) => {
  bind(IDENTITY_TOKENS.UserRepository).toDynamicValue(fromStore('users'));
  bind(IDENTITY_TOKENS.RoleRepository).toDynamicValue(fromStore('roles'));
  bind(IDENTITY_TOKENS.RefreshTokenRepository).toDynamicValue(fromStore('refreshTokens'));
  bind(IDENTITY_TOKENS.LoginThrottleRepository).toDynamicValue(fromStore('loginThrottles'));
  bind(IDENTITY_TOKENS.AccountTokenRepository).toDynamicValue(fromStore('accountTokens'));

  bind(IDENTITY_TOKENS.LoginThrottle).to(LoginThrottle).inSingletonScope();
  bind(IDENTITY_TOKENS.UserService).to(UserService).inSingletonScope();
  bind(IDENTITY_TOKENS.AuthService).to(AuthService).inSingletonScope();
  bind(IDENTITY_TOKENS.AccountService).to(AccountService).inSingletonScope();
  bind(IDENTITY_TOKENS.RoleService).to(RoleService).inSingletonScope();
  bind(IDENTITY_TOKENS.IdentityService).to(IdentityService).inSingletonScope();
});
