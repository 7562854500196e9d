/**
 * Who may use the back office. A customer's role holds no permission at all; every role with one
 * (staff, admin, or one an admin defined) has something to do here. `dashboard:access` is the
 * permission the server will check at sign-in once it takes `dashboard_login: true`.
 */
export function hasDashboardAccess(permissions: readonly string[]): boolean {
  return permissions.length > 0;
}

/** True when the permissions grant `permission` (`*` grants all). */
export function grants(permissions: readonly string[], permission: string): boolean {
  return permissions.includes('*') || permissions.includes(permission);
}
