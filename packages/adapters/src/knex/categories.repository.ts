import { ConflictError, type Category, type CategoryRepository, type Context } from '@emporia/core';
import type { Knex } from 'knex';
import { knexDialect, locksRows } from './dialect.js';
import { readRows } from './read-statements.js';
import { db } from './store.js';

/** A category and every category below it, by id or slug: a storefront's category filter runs it per request. */
const SUBTREE_SQL = `with recursive subtree(id) as (
  select id from categories where id = ? or slug = ?
  union all
  select c.id from categories c join subtree s on c.parent_id = s.id
) select id from subtree`;
import { isUniqueViolation, toIso } from './values.js';

function toCategory(r: Record<string, unknown>): Category {
  return {
    id: r.id as string,
    parent_id: (r.parent_id as string | null) ?? null,
    slug: r.slug as string,
    name: r.name as string,
    description: r.description as string,
    position: Number(r.position),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

async function uniqueSlug<T>(work: Promise<T>, slug: string | undefined): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A category with slug '${slug}' already exists`);
    throw err;
  }
}

export class KnexCategoryRepository implements CategoryRepository {
  constructor(private readonly knex: Knex) {}

  async all(ctx: Context): Promise<Category[]> {
    const rows = await db(
      ctx,
      this.knex,
    )('categories').orderBy([{ column: 'position' }, { column: 'name' }, { column: 'id' }]);
    return rows.map(toCategory);
  }

  async subtreeIds(ctx: Context, idOrSlug: string): Promise<string[]> {
    // One recursive query instead of reading every category: a storefront filter runs it per request.
    const rows = await readRows<{ id: string }>(db(ctx, this.knex), SUBTREE_SQL, [idOrSlug, idOrSlug]);
    return rows.map((r) => r.id);
  }

  async find(ctx: Context, idOrSlug: string): Promise<Category | null> {
    const row = await db(ctx, this.knex)('categories').where('id', idOrSlug).orWhere('slug', idOrSlug).first();
    return row ? toCategory(row) : null;
  }

  async insert(ctx: Context, category: Category): Promise<void> {
    await uniqueSlug(db(ctx, this.knex)('categories').insert(category), category.slug);
  }

  async insertIfAbsent(ctx: Context, category: Category): Promise<Category> {
    const k = db(ctx, this.knex);
    // ON CONFLICT DO NOTHING / INSERT IGNORE waits for a concurrent insert of the slug to commit.
    await k('categories').insert(category).onConflict('slug').ignore();
    const q = k('categories').where('slug', category.slug).first();
    // A locking read sees the other transaction's committed row under MySQL's repeatable read too.
    if (locksRows(knexDialect(this.knex))) q.forShare();
    return toCategory(await q);
  }

  async update(ctx: Context, id: string, patch: Partial<Category>): Promise<void> {
    await uniqueSlug(db(ctx, this.knex)('categories').where('id', id).update(patch), patch.slug);
  }

  async remove(ctx: Context, id: string): Promise<void> {
    await db(ctx, this.knex)('categories').where('id', id).delete();
  }

  async usage(ctx: Context, id: string): Promise<{ children: number; products: number }> {
    const k = db(ctx, this.knex);
    const row = await k
      .select(
        k('categories').where('parent_id', id).count('*').as('children'),
        k('products').where('category_id', id).count('*').as('products'),
      )
      .first();
    return { children: Number(row?.children ?? 0), products: Number(row?.products ?? 0) };
  }

  async reassign(ctx: Context, fromId: string, productsTo: string | null, childrenTo: string | null): Promise<void> {
    const k = db(ctx, this.knex);
    const now = ctx.clock.now().toISOString();
    await k('products').where('category_id', fromId).update({ category_id: productsTo, updated_at: now });
    await k('categories').where('parent_id', fromId).update({ parent_id: childrenTo, updated_at: now });
  }
}
