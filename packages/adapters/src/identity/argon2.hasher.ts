import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import type { PasswordHasher } from '@emporia/core';

/**
 * Argon2id at the OWASP minimum (m=19 MiB, t=2, p=1). `Algorithm` is a const enum that esbuild
 * cannot inline, hence the literal (Argon2id = 2).
 */
const ARGON2_OPTIONS: Options = {
  algorithm: 2 as Algorithm,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
};

/** The PasswordHasher port with Argon2id (OWASP parameters in `ARGON2_OPTIONS`). */
export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly options: Options = ARGON2_OPTIONS) {}

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  /** Constant-time comparison inside argon2; a malformed stored hash counts as a mismatch. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }
}
