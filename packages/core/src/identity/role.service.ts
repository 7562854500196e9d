import { inject, injectable } from 'inversify';
import { requirePermission, type Context } from '../shared/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { ALL_PERMISSIONS, PERMISSIONS } from './permissions.js';
import { IDENTITY_TOKENS, type RoleRecord, type RoleRepository } from './ports.js';
import {
  createRoleInputSchema,
  updateRoleInputSchema,
  type CreateRoleInput,
  type Role,
  type UpdateRoleInput,
} from './schemas.js';

function toRole(r: RoleRecord): Role {
  return { ...r, permissions: [...r.permissions] };
}

/** Roles and their permissions (`engine.identity`'s role methods, `role:manage`). */
@injectable()
export class RoleService {
  constructor(
    @inject(IDENTITY_TOKENS.RoleRepository) private readonly roles: RoleRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Every role with its permissions (`role:manage`). */
  async listRoles(ctx: Context): Promise<Role[]> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    return (await this.roles.list(ctx)).map(toRole);
  }

  /** One role by id (`role:manage`); NotFoundError when there is none. */
  async getRole(ctx: Context, id: string): Promise<Role> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    const role = await this.roles.findById(ctx, id);
    if (!role) throw new NotFoundError('Role not found');
    return toRole(role);
  }

  /** Adds a role (`role:manage`); unknown permission strings are a 400 and a taken name a 409. */
  async createRole(ctx: Context, input: CreateRoleInput): Promise<Role> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    const data = parseInput(createRoleInputSchema, input);
    checkPermissions(data.permissions);
    return this.unitOfWork.run(ctx, async (tx) => {
      if (await this.roles.findByName(tx, data.name)) throw roleTaken(data.name);
      const now = tx.clock.now().toISOString();
      const role: RoleRecord = { id: newId(), ...data, is_builtin: false, created_at: now, updated_at: now };
      await this.roles.insert(tx, role);
      return toRole(role);
    });
  }

  /** Built-in roles keep their names, and `admin` keeps every permission. */
  async updateRole(ctx: Context, id: string, input: UpdateRoleInput): Promise<Role> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    const data = parseInput(updateRoleInputSchema, input);
    if (data.permissions) checkPermissions(data.permissions);
    return this.unitOfWork.run(ctx, async (tx) => {
      const role = await this.roles.findById(tx, id);
      if (!role) throw new NotFoundError('Role not found');
      if (role.is_builtin && data.name !== undefined && data.name !== role.name)
        throw new ConflictError('Built-in roles cannot be renamed');
      if (role.name === 'admin' && data.permissions !== undefined)
        throw new ConflictError("The admin role's permissions cannot be changed");
      if (data.name !== undefined && data.name !== role.name && (await this.roles.findByName(tx, data.name)))
        throw roleTaken(data.name);
      const updated = await this.roles.update(tx, id, { ...data, updated_at: tx.clock.now().toISOString() });
      if (!updated) throw new NotFoundError('Role not found');
      return toRole(updated);
    });
  }

  /** Deletes a role (`role:manage`); built-in roles and roles still assigned to users are a 409. */
  async deleteRole(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    await this.unitOfWork.run(ctx, async (tx) => {
      const role = await this.roles.findById(tx, id);
      if (!role) throw new NotFoundError('Role not found');
      if (role.is_builtin) throw new ConflictError('Built-in roles cannot be deleted');
      const users = await this.roles.countUsers(tx, role.name);
      if (users > 0) throw new ConflictError(`Role '${role.name}' is assigned to ${users} user(s)`);
      await this.roles.delete(tx, id);
    });
  }
}

function roleTaken(name: string): ConflictError {
  return new ConflictError(`A role named '${name}' already exists`);
}

function checkPermissions(permissions: string[]): void {
  const known = new Set<string>([...ALL_PERMISSIONS, '*']);
  const errors = permissions
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !known.has(p))
    .map(({ p, i }) => ({ path: `permissions.${i}`, message: `unknown permission '${p}'` }));
  if (errors.length) throw new ValidationError('Invalid input', errors);
}
