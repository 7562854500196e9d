import { Field } from '../shared/ui/Field.js';
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

/** A product's category: a select of the tree, with "No category" first. */
export function CategorySelect(props: {
  categories: readonly CategoryRow[];
  value: string;
  onChange: (id: string) => void;
  error?: string;
}) {
  return (
    <Field label="Category" error={props.error}>
      {(control) => (
        <select {...control} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
          <option value="">No category</option>
          <CategoryOptions categories={props.categories} />
        </select>
      )}
    </Field>
  );
}
