/**
 * The permission strings roles hold, with what each lets a person do, for the roles editor and for
 * hiding what the signed-in role may not use. The list matches @emporia/core's PERMISSIONS (a test
 * compares them).
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
  orderRefund: 'order:refund',
  paymentReadAny: 'payment:read:any',
  paymentManage: 'payment:manage',
  jobRead: 'job:read:any',
  jobManage: 'job:manage',
  webhookManage: 'webhook:manage',
  importRun: 'import:run',
  dashboardAccess: 'dashboard:access',
  taxManage: 'tax:manage',
  shippingManage: 'shipping:manage',
  promotionManage: 'promotion:manage',
} as const;

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

/** What each permission allows, in the words of the roles editor. */
export const PERMISSION_LABELS: Record<Permission, string> = {
  'user:read': 'See customers and staff',
  'user:manage': 'Add, change, deactivate and erase users',
  'role:manage': 'Define roles and their permissions',
  'category:write': 'Create, change and delete categories',
  'product:read:any': 'See draft and archived products',
  'product:write': 'Create, change and delete products',
  'inventory:write': 'Adjust stock',
  'order:read:any': 'See every order',
  'order:manage': 'Move orders along (ship, deliver, cancel)',
  'order:refund': 'Refund paid orders',
  'payment:read:any': 'See every payment',
  'payment:manage': 'Confirm manual payments',
  'job:read:any': 'See background jobs',
  'job:manage': 'Retry dead jobs',
  'webhook:manage': 'Manage webhook subscriptions',
  'import:run': 'Import products from CSV',
  'dashboard:access': 'Sign in to this back office',
  'tax:manage': 'Keep the tax rates',
  'shipping:manage': 'Keep the shipping zones and methods',
  'promotion:manage': 'Keep the promotion codes',
};
