/** Said when a product's recommendation list is empty: why it can be, and how to fill it now. */
export const NO_RECOMMENDATIONS =
  'No recommendations yet: they are rebuilt hourly, or run `emporia recommendations rebuild`. Only published products in stock are listed.';
