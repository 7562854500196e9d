import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';

const BUILT_IN = ['admin', 'staff', 'customer'];

/** The role names a user can be given: every role for whoever may read them, else the built-in three. */
export function useRoleNames(): string[] {
  const { can } = useSession();
  const roles = useQuery({
    queryKey: ['roles'],
    queryFn: async () => (await unwrap(api.GET('/api/roles'))).results,
    enabled: can(PERMISSIONS.roleManage),
  });
  return roles.data?.map((r) => r.name) ?? BUILT_IN;
}
