import { z } from 'zod';
import { pageQuerySchema } from '../shared/pagination.js';

/** OWASP: at least 8; long passphrases are accepted whole, never truncated. */
export const PASSWORD_MIN_LENGTH = 8;
/** Generous, but bounded so nobody makes the server hash megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be a valid e-mail address'))
  .transform((v) => v.toLowerCase());

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

const nameSchema = z.string().trim().max(200);
const roleNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _');

/** A user as every surface shows it: never the password hash. */
export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.string(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const registerInputSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema.default(''),
});
export type RegisterInput = z.input<typeof registerInputSchema>;

/** Admin (or system) creating a user; `role` defaults to customer. */
export const createUserInputSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema.default(''),
  role: roleNameSchema.default('customer'),
  is_active: z.boolean().default(true),
});
export type CreateUserInput = z.input<typeof createUserInputSchema>;

/**
 * Changes to a user. `role` and `is_active` need `user:manage`; a password change of one's own
 * account needs `current_password`. Unknown fields are rejected (no silent mass assignment).
 */
export const updateUserInputSchema = z.strictObject({
  email: emailSchema.optional(),
  name: nameSchema.optional(),
  password: passwordSchema.optional(),
  current_password: z.string().max(PASSWORD_MAX_LENGTH).optional(),
  role: roleNameSchema.optional(),
  is_active: z.boolean().optional(),
});
export type UpdateUserInput = z.input<typeof updateUserInputSchema>;

export const userListQuerySchema = pageQuerySchema.extend({
  role: z.string().max(64).optional(),
  email: z.string().max(254).optional(),
});
export type UserListQuery = z.infer<typeof userListQuerySchema>;

/** `username` is accepted as an alias of `email`, as DRF clients send it. */
export const tokenRequestSchema = z
  .strictObject({
    email: z.string().max(254).optional(),
    username: z.string().max(254).optional(),
    password: z.string().max(PASSWORD_MAX_LENGTH),
  })
  .refine((v) => v.email !== undefined || v.username !== undefined, {
    message: 'email (or username) is required',
    path: ['email'],
  })
  .transform((v) => ({ email: (v.email ?? v.username ?? '').trim().toLowerCase(), password: v.password }));
export type TokenRequest = z.input<typeof tokenRequestSchema>;

export const tokenPairSchema = z.object({ access: z.string(), refresh: z.string() }).meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const verifyResultSchema = z.object({
  token_type: z.enum(['access', 'refresh']),
  user_id: z.string(),
  expires_at: z.string(),
});
export type VerifyResult = z.infer<typeof verifyResultSchema>;

export const roleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
    is_builtin: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Role' });
export type Role = z.infer<typeof roleSchema>;

const permissionListSchema = z.array(z.string().min(1).max(100)).max(200);

export const createRoleInputSchema = z.strictObject({
  name: roleNameSchema,
  description: z.string().trim().max(255).default(''),
  permissions: permissionListSchema.default([]),
});
export type CreateRoleInput = z.input<typeof createRoleInputSchema>;

export const updateRoleInputSchema = z.strictObject({
  name: roleNameSchema.optional(),
  description: z.string().trim().max(255).optional(),
  permissions: permissionListSchema.optional(),
});
export type UpdateRoleInput = z.input<typeof updateRoleInputSchema>;
