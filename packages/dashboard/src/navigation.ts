import { PERMISSIONS } from './session/permissions.js';

/** One entry of the main navigation; hidden from a role without its permission. */
export interface NavEntry {
  href: string;
  label: string;
  permission?: string;
}

/**
 * The back office's sections, in the order of the menu. Each lives in its own folder (`orders/`,
 * `products/`, …) with its pages, and gets its route in `App.tsx`. Shipping, tax, promotions and
 * refunds join when their API does: a folder each, an entry here after Categories, a route.
 */
export const NAVIGATION: readonly NavEntry[] = [
  { href: '/', label: 'Home' },
  { href: '/orders', label: 'Orders', permission: PERMISSIONS.orderReadAny },
  { href: '/products', label: 'Products', permission: PERMISSIONS.productRead },
  { href: '/categories', label: 'Categories', permission: PERMISSIONS.categoryWrite },
  { href: '/users', label: 'Customers & staff', permission: PERMISSIONS.userRead },
  { href: '/roles', label: 'Roles', permission: PERMISSIONS.roleManage },
  { href: '/webhooks', label: 'Webhooks', permission: PERMISSIONS.webhookManage },
  { href: '/jobs', label: 'Jobs', permission: PERMISSIONS.jobRead },
];
