/**
 * Permission strings and the built-in roles. Roles are database rows (admins may add more);
 * these are the rows the first migration creates.
 */
export const PERMISSIONS = {
  userRead: 'user:read',
  userManage: 'user:manage',
  roleManage: 'role:manage',
  categoryWrite: 'category:write',
  productRead: 'product:read:any',
  productWrite: 'product:write',
  inventoryWrite: 'inventory:write',
  orderReadAny: 'order:read:any',
  orderManage: 'order:manage',
  paymentReadAny: 'payment:read:any',
  paymentManage: 'payment:manage',
  jobRead: 'job:read:any',
  jobManage: 'job:manage',
  webhookManage: 'webhook:manage',
  importRun: 'import:run',
} as const;

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(PERMISSIONS);

export const BUILT_IN_ROLES = {
  admin: { name: 'admin', description: 'Everything', permissions: ['*'] },
  staff: {
    name: 'staff',
    description: 'Catalog, inventory, all orders and payments, read users',
    permissions: [
      PERMISSIONS.userRead,
      PERMISSIONS.categoryWrite,
      PERMISSIONS.productRead,
      PERMISSIONS.productWrite,
      PERMISSIONS.inventoryWrite,
      PERMISSIONS.orderReadAny,
      PERMISSIONS.orderManage,
      PERMISSIONS.paymentReadAny,
      PERMISSIONS.paymentManage,
      PERMISSIONS.jobRead,
      PERMISSIONS.importRun,
    ],
  },
  customer: { name: 'customer', description: 'Own profile, cart, orders and payments', permissions: [] },
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;
