/** A category as the flat list gives it (id and parent). */
export interface CategoryRow {
  id: string;
  parent_id: string | null;
  name: string;
  position: number;
}

/** Categories in tree order (parents before children, siblings by position then name), with their depth. */
export function treeOrder<T extends CategoryRow>(rows: readonly T[]): Array<T & { depth: number }> {
  const children = new Map<string | null, T[]>();
  const ids = new Set(rows.map((r) => r.id));
  for (const row of rows) {
    const parent = row.parent_id && ids.has(row.parent_id) ? row.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const out: Array<T & { depth: number }> = [];
  const walk = (parent: string | null, depth: number) => {
    const siblings = [...(children.get(parent) ?? [])].sort(
      (a, b) => a.position - b.position || a.name.localeCompare(b.name),
    );
    for (const row of siblings) {
      out.push({ ...row, depth });
      walk(row.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The category and everything below it: where it cannot be moved to, and what its deletion affects. */
export function subtreeIds(rows: readonly CategoryRow[], rootId: string): Set<string> {
  const ids = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of rows) {
      if (row.parent_id && ids.has(row.parent_id) && !ids.has(row.id)) {
        ids.add(row.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** A category's name indented by its depth, for a select's options. */
export const indented = (row: { name: string; depth: number }) => `${'\u2003'.repeat(row.depth)}${row.name}`;
