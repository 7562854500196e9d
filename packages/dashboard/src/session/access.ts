/**
 * Who may use the back office: `dashboard:access` (or `*`), the permission the server checks at a
 * `dashboard_login: true` sign-in. Checked again here for a session resumed after a role change.
 */
export function hasDashboardAccess(permissions: readonly string[]): boolean {
  return grants(permissions, 'dashboard:access');
}

/** True when the permissions grant `permission` (`*` grants all). */
export function grants(permissions: readonly string[], permission: string): boolean {
  return permissions.includes('*') || permissions.includes(permission);
}
