import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { CatalogService } from './catalog.service.js';
import { CategoryService } from './category.service.js';
import { InventoryService } from './inventory.service.js';
import { CATALOG_TOKENS } from './ports.js';
import { ProductService } from './product.service.js';
import { CatalogSeeder } from './seed.service.js';
import { VariantService } from './variant.service.js';

/**
 * Catalog: its four repositories from the store, the category, product and variant services, the
 * seeder, `CatalogService` over them (`engine.catalog`) and `InventoryService` (`engine.inventory`).
 */
export const catalogModule = new ContainerModule(({ bind }) => {
  bind(CATALOG_TOKENS.CategoryRepository).toDynamicValue(fromStore('categories'));
  bind(CATALOG_TOKENS.ProductRepository).toDynamicValue(fromStore('products'));
  bind(CATALOG_TOKENS.InventoryRepository).toDynamicValue(fromStore('inventory'));
  bind(CATALOG_TOKENS.ProductSearchIndex).toDynamicValue(fromStore('productSearch'));

  bind(CATALOG_TOKENS.InventoryService).to(InventoryService).inSingletonScope();
  bind(CATALOG_TOKENS.CategoryService).to(CategoryService).inSingletonScope();
  bind(CATALOG_TOKENS.ProductService).to(ProductService).inSingletonScope();
  bind(CATALOG_TOKENS.VariantService).to(VariantService).inSingletonScope();
  bind(CATALOG_TOKENS.CatalogSeeder).to(CatalogSeeder).inSingletonScope();
  bind(CATALOG_TOKENS.CatalogService).to(CatalogService).inSingletonScope();
});
