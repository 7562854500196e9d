import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import { requirePermission, type Context } from '../shared/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { hasControlCharacters } from '../shared/input.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { CATALOG_TOKENS, type CategoryRepository } from './ports.js';
import {
  createCategorySchema,
  updateCategorySchema,
  type Category,
  type CategoryNode,
  type CreateCategoryInput,
  type DeleteCategoryOptions,
  type UpdateCategoryInput,
} from './schemas.js';
import { freeSlug, slugify } from './text.js';

/** Categories (`engine.catalog`'s category methods): everybody reads the tree, staff write it. */
@injectable()
export class CategoryService {
  constructor(
    @inject(CATALOG_TOKENS.CategoryRepository) private readonly categories: CategoryRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
  ) {}

  /** Every category, flat, with parent_id (public). */
  async listCategories(ctx: Context): Promise<Category[]> {
    return this.categories.all(ctx);
  }

  /** Every category as a tree of `children` (public). */
  async categoryTree(ctx: Context): Promise<CategoryNode[]> {
    const all = await this.categories.all(ctx);
    const nodes = new Map<string, CategoryNode>(all.map((c) => [c.id, { ...c, children: [] }]));
    const roots: CategoryNode[] = [];
    for (const c of all) {
      const node = nodes.get(c.id)!;
      const parent = c.parent_id ? nodes.get(c.parent_id) : undefined;
      (parent ? parent.children : roots).push(node);
    }
    return roots;
  }

  /** One category by id or slug (public); NotFoundError when there is none. */
  async getCategory(ctx: Context, idOrSlug: string): Promise<Category> {
    const category = hasControlCharacters(idOrSlug) ? null : await this.categories.find(ctx, idOrSlug);
    if (!category) throw new NotFoundError(`Category '${idOrSlug}' not found`);
    return category;
  }

  /** Adds a category (`category:write`); a taken slug is a 409, an unknown `parent_id` a 400. */
  async createCategory(ctx: Context, input: CreateCategoryInput): Promise<Category> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    const { parent, ...data } = parseInput(createCategorySchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      if (parent !== undefined) data.parent_id = await this.parentIdOf(tx, parent, data.parent_id);
      else if (data.parent_id) await this.requireCategory(tx, data.parent_id, 'parent_id');
      const all = await this.categories.all(tx);
      const slug =
        data.slug ??
        freeSlug(
          slugify(data.name, 'category'),
          all.map((c) => c.slug),
        );
      const now = ctx.clock.now().toISOString();
      const category: Category = {
        id: newId(),
        parent_id: data.parent_id ?? null,
        slug,
        name: data.name,
        description: data.description,
        position: data.position,
        created_at: now,
        updated_at: now,
      };
      await this.categories.insert(tx, category);
      await this.outbox.record(tx, 'category.created', { category_id: category.id, slug: category.slug });
      return category;
    });
  }

  /** Changes a category (`category:write`); a move under its own descendant is a 400. */
  async updateCategory(ctx: Context, idOrSlug: string, input: UpdateCategoryInput): Promise<Category> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    const { parent, ...data } = parseInput(updateCategorySchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.getCategory(tx, idOrSlug);
      if (parent !== undefined) data.parent_id = await this.parentIdOf(tx, parent, data.parent_id);
      else if (data.parent_id) await this.requireCategory(tx, data.parent_id, 'parent_id');
      if (data.parent_id) {
        const subtree = await this.categories.subtreeIds(tx, current.id);
        if (subtree.includes(data.parent_id)) {
          throw new ValidationError('A category cannot move under itself', [
            { path: 'parent_id', message: 'is this category or one of its sub-categories' },
          ]);
        }
      }
      const patch: Partial<Category> = { ...data, updated_at: ctx.clock.now().toISOString() };
      await this.categories.update(tx, current.id, patch);
      const updated = { ...current, ...patch } as Category;
      await this.outbox.record(tx, 'category.updated', { category_id: current.id, slug: updated.slug });
      return updated;
    });
  }

  /**
   * Deletes a category. One that still has products or children is a 409 unless `reassign_to`
   * names the category that takes them over (`root`: children move to the top, products lose
   * their category).
   */
  async deleteCategory(ctx: Context, idOrSlug: string, options: DeleteCategoryOptions = {}): Promise<void> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    await this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.getCategory(tx, idOrSlug);
      const usage = await this.categories.usage(tx, current.id);
      if (usage.children || usage.products) {
        if (options.reassign_to === undefined) {
          throw new ConflictError(
            `Category '${current.slug}' has ${usage.products} product(s) and ${usage.children} sub-categories; pass reassign_to to move them`,
          );
        }
        let target: string | null = null;
        if (options.reassign_to !== 'root') {
          target = (await this.requireCategory(tx, options.reassign_to, 'reassign_to')).id;
          if ((await this.categories.subtreeIds(tx, current.id)).includes(target)) {
            throw new ValidationError('Invalid reassign_to', [
              { path: 'reassign_to', message: 'is this category or one of its sub-categories' },
            ]);
          }
        }
        await this.categories.reassign(tx, current.id, target, target);
      }
      await this.categories.remove(tx, current.id);
      await this.outbox.record(tx, 'category.deleted', { category_id: current.id, slug: current.slug });
    });
  }

  /** `parent` (id or slug, null: top level) → the parent's id; giving `parent_id` too is a 400. */
  private async parentIdOf(ctx: Context, parent: string | null, parentId: string | null | undefined) {
    if (parentId !== undefined) {
      throw new ValidationError('Invalid input', [{ path: 'parent', message: 'send parent or parent_id, not both' }]);
    }
    return parent === null ? null : (await this.requireCategory(ctx, parent, 'parent')).id;
  }

  private requireCategory(ctx: Context, idOrSlug: string, path: string): Promise<Category> {
    return categoryForField(this.categories, ctx, idOrSlug, path);
  }
}

/** A category named by an input field (`path`); an unknown one is a 400 on that field. */
export async function categoryForField(
  categories: CategoryRepository,
  ctx: Context,
  idOrSlug: string,
  path: string,
): Promise<Category> {
  const category = hasControlCharacters(idOrSlug) ? null : await categories.find(ctx, idOrSlug);
  if (!category) throw new ValidationError('Unknown category', [{ path, message: 'no such category' }]);
  return category;
}
