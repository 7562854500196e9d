import { indented, treeOrder, type CategoryRow } from './tree.js';

/** The `<option>`s of a category select, in tree order and indented; `exclude` leaves some out. */
export function CategoryOptions({
  categories,
  exclude,
}: {
  categories: readonly CategoryRow[];
  exclude?: Set<string>;
}) {
  return (
    <>
      {treeOrder(categories)
        .filter((c) => !exclude?.has(c.id))
        .map((c) => (
          <option key={c.id} value={c.id}>
            {indented(c)}
          </option>
        ))}
    </>
  );
}
