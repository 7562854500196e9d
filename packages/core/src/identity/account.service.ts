import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { requireUser, type Context } from '../shared/context.js';
import { ConflictError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { MailQueue } from '../notifications/mail.js';
import { NOTIFICATION_TOKENS } from '../notifications/ports.js';
import {
  IDENTITY_TOKENS,
  type AccountTokenPurpose,
  type AccountTokenRecord,
  type AccountTokenRepository,
  type PasswordHasher,
  type RefreshTokenRepository,
  type ThrottlePolicy,
  type UserRecord,
  type UserRepository,
} from './ports.js';
import {
  passwordResetConfirmSchema,
  passwordResetRequestSchema,
  verifyEmailInputSchema,
  type PasswordResetConfirm,
  type PasswordResetRequest,
  type VerifyEmailInput,
} from './schemas.js';
import { ACCOUNT_MAIL_THROTTLE, type LoginThrottle } from './throttle.js';
import { throttleKey, tokenHash } from './tokens.js';

/** How long a password-reset token is valid. */
export const PASSWORD_RESET_TTL_SECONDS = 60 * 60;
/** How long an e-mail-verification token is valid. */
export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;

const TEMPLATES = { password_reset: 'password_reset', email_verification: 'email_verification' } as const;
const VALID_FOR: Record<AccountTokenPurpose, string> = {
  password_reset: '1 hour',
  email_verification: '24 hours',
};
const TTL: Record<AccountTokenPurpose, number> = {
  password_reset: PASSWORD_RESET_TTL_SECONDS,
  email_verification: EMAIL_VERIFICATION_TTL_SECONDS,
};

/** One answer for every token that cannot be used: unknown, spent, expired or for another address. */
function invalidToken(): ValidationError {
  return new ValidationError('Invalid input', [{ path: 'token', message: 'is invalid, expired or already used' }]);
}

/**
 * Password reset and e-mail verification (`engine.identity`'s account methods). Each token is 32
 * random bytes, mailed once and stored only as its SHA-256 hash in `account_tokens`; it is spent
 * with a conditional update inside the transaction of the change it allows, so of two concurrent
 * uses exactly one succeeds. The mails go through `MailQueue` (a `mail.send` job in the same
 * transaction), never through the outbox: the token must not reach webhooks or live streams.
 */
@injectable()
export class AccountService {
  constructor(
    @inject(IDENTITY_TOKENS.UserRepository) private readonly users: UserRepository,
    @inject(IDENTITY_TOKENS.AccountTokenRepository) private readonly tokens: AccountTokenRepository,
    @inject(IDENTITY_TOKENS.RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @inject(IDENTITY_TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(IDENTITY_TOKENS.LoginThrottle) private readonly throttle: LoginThrottle,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(NOTIFICATION_TOKENS.MailQueue) private readonly mail: MailQueue,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Mails a reset token (valid 1 h) to an active account with this e-mail; does the same amount
   * of nothing otherwise, so the answer tells no one which addresses have accounts. Limited per
   * e-mail address and per client address (`meta.ip`): a RateLimitedError past the limit.
   */
  async requestPasswordReset(ctx: Context, input: PasswordResetRequest, meta: { ip?: string } = {}): Promise<void> {
    const { email } = parseInput(passwordResetRequestSchema, input);
    const counted: Array<[string, ThrottlePolicy]> = [
      [throttleKey('reset-email', email), ACCOUNT_MAIL_THROTTLE.resetEmail],
    ];
    if (meta.ip) counted.push([throttleKey('reset-ip', meta.ip), ACCOUNT_MAIL_THROTTLE.resetIp]);
    await this.throttle.admitRequest(ctx, counted);
    const user = await this.users.findByEmail(ctx, email);
    if (!user || !user.is_active) return;
    await this.unitOfWork.run(ctx, (tx) => this.issue(tx, user, 'password_reset'));
  }

  /**
   * A reset token and a new password (the sign-up rule) → the password changed, the token and
   * every other open reset token of the user spent, every session ended: refresh tokens revoked,
   * `token_version` incremented so outstanding access tokens fail too. A token that is unknown,
   * spent or expired is a ValidationError (400).
   */
  async confirmPasswordReset(ctx: Context, input: PasswordResetConfirm): Promise<void> {
    const data = parseInput(passwordResetConfirmSchema, input);
    // Looked up before hashing: a made-up token costs no Argon2 run.
    const row = await this.usable(ctx, 'password_reset', data.token);
    const passwordHash = await this.hasher.hash(data.password);
    await this.unitOfWork.run(ctx, async (tx) => {
      const now = tx.clock.now().toISOString();
      if (!(await this.tokens.spend(tx, row.id, now))) throw invalidToken();
      const user = await this.users.findById(tx, row.user_id);
      if (!user || !user.is_active) throw invalidToken();
      await this.tokens.spendAll(tx, user.id, 'password_reset', now);
      await this.users.update(tx, user.id, { password_hash: passwordHash, bump_token_version: true, updated_at: now });
      await this.refreshTokens.revokeUser(tx, user.id, now);
    });
  }

  /**
   * A verification token → the account's e-mail address marked verified (`email_verified_at`)
   * and `user.email_verified` recorded. No login needed: the token is the proof. A token mailed
   * to an address the account no longer has verifies nothing (400, like a spent or expired one).
   */
  async verifyEmail(ctx: Context, input: VerifyEmailInput): Promise<void> {
    const data = parseInput(verifyEmailInputSchema, input);
    const row = await this.usable(ctx, 'email_verification', data.token);
    await this.unitOfWork.run(ctx, async (tx) => {
      const now = tx.clock.now().toISOString();
      if (!(await this.tokens.spend(tx, row.id, now))) throw invalidToken();
      const user = await this.users.findById(tx, row.user_id);
      if (!user || user.email !== row.email) throw invalidToken();
      await this.users.update(tx, user.id, { email_verified_at: now, updated_at: now });
      await this.outbox.record(tx, 'user.email_verified', { user_id: user.id, email: user.email });
    });
  }

  /**
   * Mails the calling user a new verification token (limited per user: a RateLimitedError past
   * the limit); a ConflictError when the address is already verified.
   */
  async resendVerification(ctx: Context): Promise<void> {
    const { id } = requireUser(ctx);
    await this.throttle.admitRequest(ctx, [[throttleKey('verify-user', id), ACCOUNT_MAIL_THROTTLE.verifyUser]]);
    await this.unitOfWork.run(ctx, async (tx) => {
      const user = await this.users.findById(tx, id);
      if (!user) throw invalidToken();
      if (user.email_verified_at !== null) throw new ConflictError('This e-mail address is already verified');
      await this.issue(tx, user, 'email_verification');
    });
  }

  /** Inside `tx`: a verification token for the user's current address, and its mail. */
  async sendVerification(tx: Context, user: Pick<UserRecord, 'id' | 'email' | 'name'>): Promise<void> {
    await this.issue(tx, user, 'email_verification');
  }

  private async issue(
    tx: Context,
    user: Pick<UserRecord, 'id' | 'email' | 'name'>,
    purpose: AccountTokenPurpose,
  ): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const now = tx.clock.now();
    const record: AccountTokenRecord = {
      id: newId(),
      user_id: user.id,
      purpose,
      token_hash: tokenHash(token),
      email: user.email,
      expires_at: new Date(now.getTime() + TTL[purpose] * 1000).toISOString(),
      created_at: now.toISOString(),
      used_at: null,
    };
    await this.tokens.insert(tx, record);
    await this.mail.queue(tx, {
      template: TEMPLATES[purpose],
      to: { user_id: user.id, email: user.email, name: user.name },
      vars: { token, expires_in: VALID_FOR[purpose] },
      dedupe_key: `${record.id}:${TEMPLATES[purpose]}:${user.email}`,
    });
  }

  /** The stored token, if it is still usable now; a ValidationError otherwise. */
  private async usable(ctx: Context, purpose: AccountTokenPurpose, token: string): Promise<AccountTokenRecord> {
    const row = await this.tokens.findByHash(ctx, purpose, tokenHash(token));
    if (!row || row.used_at !== null || new Date(row.expires_at).getTime() <= ctx.clock.now().getTime()) {
      throw invalidToken();
    }
    return row;
  }
}
