import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client.js';

/** Every category (flat, with parent_id): shared by the category tree, the product filter and the product form. */
export function useCategories() {
  return useQuery({
    queryKey: ['categories'],
    // Without ?tree=true the answer is the flat list.
    queryFn: async () => (await unwrap(api.GET('/api/categories'))) as Schemas['Category'][],
    staleTime: 60_000,
  });
}
