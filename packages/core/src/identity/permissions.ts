/**
 * The permission strings, by name: pass them to `can` and `requirePermission` in your own routes.
 * Roles are database rows holding such strings (admins may add roles; `*` grants all).
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
  /** Refunding paid orders (`POST /api/orders/{id}/refunds`); staff hold it. */
  orderRefund: 'order:refund',
  paymentReadAny: 'payment:read:any',
  paymentManage: 'payment:manage',
  jobRead: 'job:read:any',
  jobManage: 'job:manage',
  webhookManage: 'webhook:manage',
  importRun: 'import:run',
  taxManage: 'tax:manage',
  shippingManage: 'shipping:manage',
  promotionManage: 'promotion:manage',
  /** Signing in with `dashboard_login: true` (the back office); admin and staff hold it. */
  dashboardAccess: 'dashboard:access',
} as const;

/** One of the permission strings services check (`product:write`, …); roles may also hold `*`. */
export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

/** Every permission string, to validate role input. */
export const ALL_PERMISSIONS: readonly Permission[] = Object.values(PERMISSIONS);

/**
 * The roles every shop starts with (`admin`, `staff`, `customer`) and their permissions: the rows
 * the first migration writes, so a store of your own seeds the same ones.
 */
export const BUILT_IN_ROLES = {
  admin: { name: 'admin', description: 'Everything', permissions: ['*'] },
  staff: {
    name: 'staff',
    description: 'Catalog, inventory, tax rates, shipping, promotions, all orders, payments and refunds, read users',
    permissions: [
      PERMISSIONS.userRead,
      PERMISSIONS.categoryWrite,
      PERMISSIONS.productRead,
      PERMISSIONS.productWrite,
      PERMISSIONS.inventoryWrite,
      PERMISSIONS.orderReadAny,
      PERMISSIONS.orderManage,
      PERMISSIONS.orderRefund,
      PERMISSIONS.paymentReadAny,
      PERMISSIONS.paymentManage,
      PERMISSIONS.jobRead,
      PERMISSIONS.importRun,
      PERMISSIONS.taxManage,
      PERMISSIONS.shippingManage,
      PERMISSIONS.promotionManage,
      PERMISSIONS.dashboardAccess,
    ],
  },
  customer: { name: 'customer', description: 'Own profile, cart, orders and payments', permissions: [] },
} as const;
