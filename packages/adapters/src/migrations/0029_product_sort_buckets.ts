import type { Knex } from 'knex';
import { knexDialect, type Dialect } from '../knex/dialect.js';

/**
 * Products per (category, status, sort, bucket of the sort key), kept by the database itself like
 * `product_counts`. A deep numbered page (`?page=3800`) of a category listing is an OFFSET into the
 * merged index ranges of the category's (category, status) pairs: walking 75,000 entries to skip
 * them. With these counts the page first finds the bucket its offset falls in (a sum over a few
 * hundred rows) and walks the index only from the start of that bucket.
 *
 * A bucket is a monotone function of the key alone, never above it, so "every key from this
 * bucket on" is one index range (`key >= bucket`):
 * - `price`: `min_price` rounded down to three significant digits (499, 1230, 16700, …);
 * - `created_at`: the UTC day, as days since 1970-01-01.
 * Names have no such function that holds in every collation (a prefix is not monotone under a
 * linguistic one), so the name sort walks as before.
 *
 * Kept by triggers for every writer (services, imports, restores, raw SQL), touched only when a
 * product's category, status, price bucket or day changes. A bulk load (a seed into an empty
 * catalog, while `bulk_load_indexes` holds rows) skips them and rebuilds the counts once after
 * the load (`REBUILD_SORT_BUCKETS_SQL`), in the transaction that clears `bulk_load_indexes`.
 */
export const SORT_BUCKETS = ['price', 'created_at'] as const;
export type BucketedSort = (typeof SORT_BUCKETS)[number];

/** `min_price` rounded down to three significant digits (exact below 1,000), as SQL over the row `r`. */
function priceBucket(r: string): string {
  const steps: string[] = [];
  for (let digits = 4, unit = 10; digits <= 18; digits++, unit *= 10) {
    steps.push(`when ${r}.min_price < ${10n ** BigInt(digits)} then ${r}.min_price - ${r}.min_price % ${unit}`);
  }
  return `case when ${r}.min_price < 1000 then ${r}.min_price ${steps.join(' ')} else ${r}.min_price end`;
}

/** `created_at`'s UTC day (days since 1970-01-01), as SQL over the row `r`. */
function dayBucket(dialect: Dialect, r: string): string {
  if (dialect === 'postgres') return `floor(extract(epoch from ${r}.created_at) / 86400)::bigint`;
  // MySQL keeps UTC wall-clock DATETIMEs: days from the date itself, whatever the session's time zone.
  if (dialect === 'mysql') return `(to_days(${r}.created_at) - 719528)`;
  // SQLite keeps ISO 8601 strings (`2026-01-05T10:00:00.000Z`).
  return `(cast(strftime('%s', substr(${r}.created_at, 1, 10)) as integer) / 86400)`;
}

/** The bucket of each sort for the row `r`, as SQL. */
export function bucketExpressions(dialect: Dialect, r: string): Record<BucketedSort, string> {
  return { price: priceBucket(r), created_at: dayBucket(dialect, r) };
}

/** The first key of a bucket, as the sort column compares with it (a bound for `key >= ?`). */
export function bucketStart(sort: BucketedSort, bucket: number): number | string {
  return sort === 'price' ? bucket : new Date(bucket * 86_400_000).toISOString();
}

/** `(category_key, status, sort_key, bucket, n)` of every row of `rows` (alias `r`), for one sign of `n`. */
function bucketRows(dialect: Dialect, rows: string, n: string): string {
  const buckets = bucketExpressions(dialect, 'r');
  return SORT_BUCKETS.map(
    (sort) =>
      `select coalesce(r.category_id, '') as category_key, r.status as status, '${sort}' as sort_key,
              ${buckets[sort]} as bucket, ${n} as n from ${rows} r`,
  ).join(' union all ');
}

/**
 * Refills `product_sort_buckets` from the products table (after the migration, a bulk load, a
 * restore). Each sort first counts by its raw key where that streams over the covering index or
 * shrinks the rows (a price per category and status; SQLite and MySQL: a date), then by bucket:
 * a third of the time of one sort over every product's bucket (1M products on SQLite). Rows go
 * in in key order, so a page's buckets sit together (PostgreSQL reads a few pages for them).
 */
export function rebuildSortBucketsSql(dialect: Dialect): string[] {
  const into = 'insert into product_sort_buckets (category_key, status, sort_key, bucket, n)';
  const day: Record<Dialect, string | null> = {
    sqlite: 'substr(r.created_at, 1, 10)',
    mysql: 'date(r.created_at)',
    postgres: null,
  };
  const byKey = (sort: BucketedSort, key: string) =>
    `${into} select category_key, status, '${sort}', ${bucketExpressions(dialect, 'g')[sort]}, sum(n)
       from (select coalesce(r.category_id, '') as category_key, r.status as status, ${key} as ${sort === 'price' ? 'min_price' : 'created_at'},
                    count(*) as n
               from products r group by r.category_id, r.status, ${key}) g
      group by 1, 2, 3, 4 order by 1, 2, 3, 4`;
  const byBucket = (sort: BucketedSort) =>
    `${into} select coalesce(r.category_id, ''), r.status, '${sort}', ${bucketExpressions(dialect, 'r')[sort]}, count(*)
       from products r group by 1, 2, 3, 4 order by 1, 2, 3, 4`;
  return [
    'delete from product_sort_buckets',
    byKey('price', 'r.min_price'),
    day[dialect] ? byKey('created_at', day[dialect]) : byBucket('created_at'),
  ];
}

export const productSortBucketsMigration = {
  name: '0029_product_sort_buckets',
  async up(knex: Knex): Promise<void> {
    const dialect = knexDialect(knex);
    if (dialect === 'sqlite') {
      // Without a rowid the primary key's b-tree holds the counts: a page's buckets are one range of it.
      await knex.raw(`create table product_sort_buckets (
          category_key varchar(36) not null, status varchar(16) not null, sort_key varchar(16) not null,
          bucket bigint not null, n bigint not null,
          primary key (category_key, status, sort_key, bucket)) without rowid`);
    } else {
      await knex.schema.createTable('product_sort_buckets', (t) => {
        // '' stands for "no category", as in product_counts.
        t.string('category_key', 36).notNullable();
        t.string('status', 16).notNullable();
        t.string('sort_key', 16).notNullable();
        t.bigInteger('bucket').notNullable();
        t.bigInteger('n').notNullable();
        t.primary(['category_key', 'status', 'sort_key', 'bucket']);
      });
    }
    const buckets = (r: string) => bucketExpressions(dialect, r);
    // Whether a row's counted place moved: its category, status or a bucket.
    const moved = (o: string, n: string) =>
      [
        dialect === 'postgres'
          ? `${o}.category_id is distinct from ${n}.category_id`
          : `coalesce(${o}.category_id, '') <> coalesce(${n}.category_id, '')`,
        `${o}.status <> ${n}.status`,
        ...SORT_BUCKETS.map((s) => `${buckets(o)[s]} <> ${buckets(n)[s]}`),
      ].join(' or ');
    const loading = 'exists (select 1 from bulk_load_indexes)';
    if (dialect === 'postgres') {
      const changed = (side: 'o' | 'n') =>
        `(select ${side}.* from old_rows o join new_rows n on n.id = o.id where ${moved('o', 'n')})`;
      // Adds and removals as one upsert in key order: concurrent writers lock the rows in one order.
      const apply = (parts: string[]) => `insert into product_sort_buckets (category_key, status, sort_key, bucket, n)
          select category_key, status, sort_key, bucket, sum(n) from (${parts.join(' union all ')}) b
           group by category_key, status, sort_key, bucket order by 1, 2, 3, 4
          on conflict (category_key, status, sort_key, bucket) do update set n = product_sort_buckets.n + excluded.n`;
      await knex.raw(`
        create function product_sort_buckets_apply() returns trigger language plpgsql as $$
        begin
          if ${loading} then return null; end if;
          if tg_op = 'INSERT' then
            ${apply([bucketRows(dialect, 'new_rows', '1')])};
          elsif tg_op = 'DELETE' then
            ${apply([bucketRows(dialect, 'old_rows', '-1')])};
          else
            ${apply([bucketRows(dialect, changed('o'), '-1'), bucketRows(dialect, changed('n'), '1')])};
          end if;
          return null;
        end $$`);
      for (const [op, refs] of [
        ['insert', 'new table as new_rows'],
        ['delete', 'old table as old_rows'],
        ['update', 'old table as old_rows new table as new_rows'],
      ]) {
        await knex.raw(`create trigger product_sort_buckets_${op} after ${op} on products
          referencing ${refs} for each statement execute function product_sort_buckets_apply()`);
      }
    } else {
      const key = (row: string) => `coalesce(${row}.category_id, '')`;
      const add = (row: 'NEW' | 'OLD', n: 1 | -1) =>
        SORT_BUCKETS.map((s) =>
          dialect === 'mysql'
            ? `insert into product_sort_buckets (category_key, status, sort_key, bucket, n)
                 values (${key(row)}, ${row}.status, '${s}', ${buckets(row)[s]}, ${n})
                 on duplicate key update n = n + ${n};`
            : `insert into product_sort_buckets (category_key, status, sort_key, bucket, n)
                 values (${key(row)}, ${row}.status, '${s}', ${buckets(row)[s]}, ${n})
                 on conflict (category_key, status, sort_key, bucket) do update set n = n + ${n};`,
        ).join('\n');
      if (dialect === 'mysql') {
        await knex.raw(`create trigger product_sort_buckets_insert after insert on products for each row
          begin if not ${loading} then ${add('NEW', 1)} end if; end`);
        await knex.raw(`create trigger product_sort_buckets_delete after delete on products for each row
          begin if not ${loading} then ${add('OLD', -1)} end if; end`);
        await knex.raw(`create trigger product_sort_buckets_update after update on products for each row
          begin if (${moved('OLD', 'NEW')}) and not ${loading} then ${add('OLD', -1)} ${add('NEW', 1)} end if; end`);
      } else {
        await knex.raw(`create trigger product_sort_buckets_insert after insert on products
          when not ${loading} begin ${add('NEW', 1)} end`);
        await knex.raw(`create trigger product_sort_buckets_delete after delete on products
          when not ${loading} begin ${add('OLD', -1)} end`);
        await knex.raw(`create trigger product_sort_buckets_update after update of category_id, status, min_price, created_at
          on products when (${moved('OLD', 'NEW')}) and not ${loading} begin ${add('OLD', -1)} ${add('NEW', 1)} end`);
      }
    }
    for (const sql of rebuildSortBucketsSql(dialect)) await knex.raw(sql);
  },
  async down(knex: Knex): Promise<void> {
    if (knexDialect(knex) === 'postgres') {
      await knex.raw('drop function if exists product_sort_buckets_apply() cascade');
    } else {
      for (const op of ['insert', 'delete', 'update'])
        await knex.raw(`drop trigger if exists product_sort_buckets_${op}`);
    }
    await knex.schema.dropTable('product_sort_buckets');
  },
};
