import { idSequence, newId } from '../shared/ids.js';
import type { ProductRow, VariantRow } from './ports.js';
import type { Category, ProductOption, ProductStatus } from './schemas.js';

/** mulberry32: a tiny deterministic PRNG, so `--seed` gives the same catalog every time. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TREE: Record<string, string[]> = {
  Apparel: ['T-Shirts', 'Sweaters', 'Jackets', 'Trousers'],
  Footwear: ['Sneakers', 'Boots', 'Sandals'],
  Home: ['Kitchen', 'Lighting', 'Textiles', 'Decor'],
  Garden: ['Tools', 'Planters', 'Outdoor Furniture'],
  Outdoors: ['Camping', 'Cycling', 'Climbing'],
  Stationery: ['Notebooks', 'Pens', 'Desk'],
  Toys: ['Puzzles', 'Building Sets', 'Plush'],
  Beauty: ['Skincare', 'Fragrance'],
};
const ADJECTIVES = [
  'Classic',
  'Everyday',
  'Organic',
  'Recycled',
  'Vintage',
  'Compact',
  'Heavy-Duty',
  'Lightweight',
  'Handmade',
  'Nordic',
  'Urban',
  'Alpine',
  'Coastal',
  'Minimal',
  'Deluxe',
  'Rustic',
  'Modern',
  'Soft',
  'Waterproof',
  'Travel',
];
const MATERIALS = [
  'Cotton',
  'Linen',
  'Wool',
  'Oak',
  'Walnut',
  'Bamboo',
  'Ceramic',
  'Steel',
  'Leather',
  'Canvas',
  'Glass',
  'Cork',
  'Hemp',
  'Copper',
  'Marble',
  'Denim',
];
const DESCRIPTIONS = [
  'Made to last and easy to care for.',
  'A favourite of our customers, now in new colours.',
  'Designed in small batches by independent makers.',
  'Simple, durable and made from responsibly sourced materials.',
  'Pairs well with the rest of the collection.',
  'Ships in plastic-free packaging.',
];
const COLORS = ['Black', 'White', 'Navy', 'Olive', 'Rust', 'Sand'];
/** Collection names are a stem and an ending ("Fjordhaven"): a thousand of them, so a large catalog repeats some. */
const COLLECTION_STEMS = [
  'Fjord',
  'Harbor',
  'Meadow',
  'Cedar',
  'Ember',
  'Juniper',
  'Alder',
  'Birch',
  'Cobalt',
  'Dune',
  'Glen',
  'Heath',
  'Isle',
  'Kestrel',
  'Larch',
  'Moss',
  'Nook',
  'Orchard',
  'Pine',
  'Quarry',
  'Reed',
  'Sable',
  'Tide',
  'Umber',
  'Vale',
  'Willow',
  'Yarrow',
  'Zephyr',
  'Aspen',
  'Bramble',
  'Cove',
  'Drift',
  'Fern',
  'Grove',
  'Hollow',
  'Ivy',
  'Lark',
  'Marsh',
  'North',
  'Oxbow',
];
const COLLECTION_ENDINGS = [
  'wood',
  'field',
  'stone',
  'brook',
  'ridge',
  'haven',
  'side',
  'mere',
  'ford',
  'crest',
  'light',
  'wick',
  'dale',
  'moor',
  'gate',
  'holm',
  'by',
  'stead',
  'well',
  'burn',
  'fell',
  'ley',
  'thorpe',
  'combe',
  'shaw',
];
/** What a collection is for: the occasion its products are bought together for. */
const OCCASIONS = [
  'for weekend camping trips',
  'for slow Sunday breakfasts',
  'for a calm reading corner',
  'for long winter evenings',
  'for a first flat',
  'for balcony gardening',
  'for mountain hiking',
  'for the home office',
  'for summer picnics',
  "for a child's bedroom",
  'for city commuting',
  'for dinner parties',
  'for a beach holiday',
  'for spa days at home',
  'for the craft table',
  'for rainy school runs',
  'for alpine climbing',
  'for a cosy guest room',
  'for backyard barbecues',
  'for bike touring',
  'for journaling',
  'for a nursery',
  'for festival season',
  'for a fresh start in spring',
];
/** Products of one collection (a shopping mission), when the catalog is seeded in collections. */
const COLLECTION_SIZE = [4, 6] as const;
/** Share of products seeded in a collection; the rest stand alone. */
const IN_COLLECTION = 0.8;
const SIZES = ['S', 'M', 'L', 'XL'];

interface Collection {
  /** The planted group: read by the order seeder only, never by the recommender. */
  group: string;
  name: string;
  category: Category;
  material: string;
  adjective: string;
  colors: string[];
  occasion: string;
  /** Products still to seed in it. */
  left: number;
}

export interface SeedBatch {
  products: ProductRow[];
  variants: VariantRow[];
}

export interface CatalogGenerator {
  categories: Category[];
  /** Products `from` … `from + count - 1` with their variants. */
  batch(from: number, count: number): SeedBatch;
}

/**
 * A realistic catalog: a two-level category tree, products with 1, 3 or 4 variants (size, or
 * colour × size), prices ending in 99, some out of stock, a few drafts and archived products.
 * Four products in five come in collections of 4–6 made for one occasion ("From the Fjordhaven
 * collection, for weekend camping trips."), whose products mostly share a category, a material,
 * colours and the collection's words; each carries its collection in `attributes.seed_group`, the
 * planted group `emporia seed --orders` draws shopping missions from.
 * Slugs and SKUs carry a per-run tag, so seeding twice never collides.
 */
export function catalogGenerator(options: {
  seed: number;
  currency: string;
  lowStockThreshold: number;
  now: Date;
  total: number;
}): CatalogGenerator {
  const random = prng(options.seed);
  const tag = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  const at = options.now.toISOString();
  const categories: Category[] = [];
  let position = 0;
  for (const [parent, children] of Object.entries(TREE)) {
    const parentId = newId();
    const slugOf = (name: string) => `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${tag}`;
    categories.push({
      id: parentId,
      parent_id: null,
      slug: slugOf(parent),
      name: parent,
      description: `Everything ${parent.toLowerCase()}.`,
      position: position++,
      created_at: at,
      updated_at: at,
    });
    children.forEach((child, i) =>
      categories.push({
        id: newId(),
        parent_id: parentId,
        slug: slugOf(`${parent}-${child}`),
        name: child,
        description: '',
        position: i,
        created_at: at,
        updated_at: at,
      }),
    );
  }
  const leaves = categories.filter((c) => c.parent_id !== null);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  // Creation times spread over the past year, oldest first.
  const start = options.now.getTime() - 365 * 86_400_000;
  const step = (365 * 86_400_000) / Math.max(1, options.total);

  // Collections: runs of 4–6 consecutive products made for one occasion, as a real shop's product
  // lines are. Their products mostly share a category, a material, colours and the words of the
  // collection's name and occasion; the order seeder draws shopping missions from them (by
  // `attributes.seed_group`, which nothing but the seeder reads).
  const startCollection =
    IN_COLLECTION / (IN_COLLECTION + ((COLLECTION_SIZE[0] + COLLECTION_SIZE[1]) / 2) * (1 - IN_COLLECTION));
  let collection: Collection | null = null;
  let groups = 0;
  const nextCollection = (): Collection | null => {
    if (collection && collection.left > 0) return collection;
    collection = null;
    if (random() >= startCollection) return null;
    const first = pick(COLORS);
    collection = {
      group: `${tag}-${++groups}`,
      name: `${pick(COLLECTION_STEMS)}${pick(COLLECTION_ENDINGS)}`,
      category: pick(leaves),
      material: pick(MATERIALS),
      adjective: pick(ADJECTIVES),
      colors: [first, pick(COLORS.filter((c) => c !== first))],
      occasion: pick(OCCASIONS),
      left: COLLECTION_SIZE[0] + Math.floor(random() * (COLLECTION_SIZE[1] - COLLECTION_SIZE[0] + 1)),
    };
    return collection;
  };

  const nextId = idSequence();

  return {
    categories,
    batch(from, count) {
      const products: ProductRow[] = [];
      const variants: VariantRow[] = [];
      for (let n = from; n < from + count; n++) {
        const line = nextCollection();
        if (line) line.left--;
        // A collection's product strays from its category, material or name now and then, as real ones do.
        const category = line && random() < 0.75 ? line.category : pick(leaves);
        const material = line && random() < 0.7 ? line.material : pick(MATERIALS);
        const lead = !line
          ? pick(ADJECTIVES)
          : random() < 0.5
            ? line.name
            : random() < 0.5
              ? line.adjective
              : pick(ADJECTIVES);
        const noun = category.name.replace(/s$/, '');
        const name = `${lead} ${material} ${noun}`;
        const id = nextId();
        const created = new Date(start + n * step).toISOString();
        const roll = random();
        const status: ProductStatus = roll < 0.95 ? 'published' : roll < 0.99 ? 'draft' : 'archived';
        const base = (Math.floor(random() * 200) + 5) * 100 - 1; // 4.99 … 204.99
        const kind = random();
        let options_: ProductOption[] = [];
        let combos: Array<Record<string, string>> = [{}];
        if (kind >= 0.5 && kind < 0.8) {
          options_ = [{ name: 'Size', values: SIZES.slice(0, 3) }];
          combos = SIZES.slice(0, 3).map((s) => ({ Size: s }));
        } else if (kind >= 0.8) {
          const first = pick(COLORS);
          const colors = line && random() < 0.7 ? line.colors : [first, pick(COLORS.filter((c) => c !== first))];
          options_ = [
            { name: 'Color', values: colors },
            { name: 'Size', values: ['M', 'L'] },
          ];
          combos = colors.flatMap((c) => ['M', 'L'].map((s) => ({ Color: c, Size: s })));
        }
        const sku = `${noun.slice(0, 3).toUpperCase()}-${tag.toUpperCase()}-${n}`;
        const productVariants = combos.map((combo, i): VariantRow => {
          const stock = random() < 0.1 ? 0 : Math.floor(random() * 200);
          return {
            id: nextId(),
            product_id: id,
            sku: combos.length > 1 ? `${sku}-${Object.values(combo).join('-').toUpperCase()}` : sku,
            price: base + (combo.Size === 'XL' || combo.Size === 'L' ? 500 : 0),
            currency: options.currency,
            stock,
            low_stock_threshold: options.lowStockThreshold,
            weight_grams: 200 + (base % 9) * 100,
            options: combo,
            position: i,
            created_at: created,
            updated_at: created,
          };
        });
        variants.push(...productVariants);
        products.push({
          id,
          slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${tag}-${n}`,
          name,
          description: `${line && random() < 0.85 ? `From the ${line.name} collection, ${line.occasion}. ` : ''}${pick(DESCRIPTIONS)} ${pick(DESCRIPTIONS)}`,
          status,
          category_id: category.id,
          tax_class: 'standard',
          attributes: line ? { material, seed_group: line.group } : { material },
          images: [`https://images.example.com/${tag}/${n}.jpg`],
          options: options_,
          currency: options.currency,
          min_price: Math.min(...productVariants.map((v) => v.price)),
          in_stock: productVariants.some((v) => v.stock > 0),
          created_at: created,
          updated_at: created,
        });
      }
      return { products, variants };
    },
  };
}
