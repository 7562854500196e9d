import { v7 as uuidv7 } from 'uuid';
import { prng } from '../catalog/seed.js';
import type { SeedHistory, SeedProduct } from './ports.js';

/**
 * Order histories with planted structure, so the evaluation has something true to recover.
 *
 * - **Missions**: latent groups of 4–6 products ("shopping missions": a tent, a mat, a stove, a
 *   lamp…). On a seeded catalog they are its collections (`seed_group`, see `catalogGenerator`),
 *   whose products mostly share a category, a material, colours and descriptive words — so content
 *   similarity has something honest to find, as in a real shop's product lines. On any other
 *   catalog the sellable products are shuffled into groups, three quarters of each drawn from one
 *   category. Products in no mission are only bought as noise.
 * - **Customers** each pursue one or two missions.
 * - **Orders**: a customer (some shop far more often than others), one of their missions, two to
 *   four distinct products of that mission, and with probability 0.5 one noise product (another
 *   with 0.2) drawn from a Zipf-skewed popularity over the whole catalog, so best-sellers show up
 *   in many baskets without belonging together.
 * - **Time**: orders are spread evenly over `days` before `now`, with UUIDv7 ids of that time, so id
 *   order is time order (what the evaluation's split relies on).
 */
export interface PlantedHistoryPlan {
  missions: string[][];
  /** Customer index → mission indexes. */
  customerMissions: number[][];
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Each customer's one or two missions. */
function assignMissions(missions: string[][], customers: number, rand: () => number): PlantedHistoryPlan {
  const customerMissions: number[][] = [];
  for (let c = 0; c < customers; c++) {
    const first = Math.floor(rand() * missions.length);
    customerMissions.push(rand() < 0.5 ? [first] : [first, Math.floor(rand() * missions.length)]);
  }
  return { missions, customerMissions };
}

/**
 * The catalog seeder's collections as missions: products that carry a planted group
 * (`seed_group`), grouped; groups with fewer than two sellable products are left out. Empty when
 * the catalog was not seeded (no product carries a group).
 */
function seededMissions(products: SeedProduct[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const p of products) {
    if (p.seed_group === null) continue;
    const group = groups.get(p.seed_group);
    if (group) group.push(p.product_id);
    else groups.set(p.seed_group, [p.product_id]);
  }
  return [...groups.values()].filter((m) => m.length >= 2);
}

/**
 * Draws the missions and each customer's missions: the seeded catalog's collections when it has
 * them (so the content carries the structure, as a real catalog's product lines do), otherwise
 * random groups of 4–6, three quarters of each from one category.
 */
export function planHistory(products: SeedProduct[], customers: number, rand: () => number): PlantedHistoryPlan {
  const seeded = seededMissions(products);
  if (seeded.length > 0) return assignMissions(seeded, customers, rand);
  const byCategory = new Map<string, string[]>();
  for (const p of shuffle([...products], rand)) {
    const key = p.category_id ?? '';
    const list = byCategory.get(key);
    if (list) list.push(p.product_id);
    else byCategory.set(key, [p.product_id]);
  }
  const pools = [...byCategory.values()];
  const leftovers: string[] = [];
  const missions: string[][] = [];
  // Keep a fifth of the catalog out of missions: noise only.
  const inMissions = Math.floor(products.length * 0.8);
  let used = 0;
  for (let round = 0; used < inMissions && pools.some((p) => p.length > 0); round++) {
    for (const pool of pools) {
      if (used >= inMissions || pool.length === 0) continue;
      const size = 4 + Math.floor(rand() * 3);
      const local = Math.max(1, Math.round(size * 0.75));
      const mission = pool.splice(0, local);
      missions.push(mission);
      used += mission.length;
    }
    if (round > products.length) break;
  }
  for (const pool of pools) leftovers.push(...pool);
  // The remaining quarter of each mission comes from anywhere (other categories' leftovers).
  shuffle(leftovers, rand);
  for (const m of missions) {
    const want = Math.max(0, 4 + Math.floor(rand() * 3) - m.length);
    for (let i = 0; i < want && leftovers.length > products.length * 0.1; i++) m.push(leftovers.pop() as string);
  }
  return assignMissions(
    missions.filter((m) => m.length >= 2),
    customers,
    rand,
  );
}

/** Builds `count` orders (starting at `offset`) of the planted history, ready for `insertHistory`. */
export class PlantedHistory {
  private readonly rand: () => number;
  private readonly plan: PlantedHistoryPlan;
  private readonly byId: Map<string, SeedProduct>;
  private readonly zipf: number[];
  private readonly popular: SeedProduct[];
  private readonly tag: string;

  constructor(
    private readonly products: SeedProduct[],
    readonly customers: number,
    private readonly totalOrders: number,
    private readonly window: { start: number; end: number },
    seed: number,
  ) {
    this.rand = prng(seed);
    this.plan = planHistory(products, customers, this.rand);
    this.byId = new Map(products.map((p) => [p.product_id, p]));
    this.popular = shuffle([...products], this.rand);
    let sum = 0;
    this.zipf = this.popular.map((_, i) => (sum += 1 / (i + 1)));
    this.tag = seed.toString(36).padStart(4, '0').slice(-6);
  }

  /** The latent groups. */
  get missions(): string[][] {
    return this.plan.missions;
  }

  private noise(): SeedProduct {
    const x = this.rand() * this.zipf[this.zipf.length - 1];
    let lo = 0;
    let hi = this.zipf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.zipf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return this.popular[lo];
  }

  /** The customers' rows (ids are derived from the seed, so batches agree). */
  users(createdAt: string): SeedHistory['users'] {
    return Array.from({ length: this.customers }, (_, c) => ({
      id: this.customerId(c),
      email: `shopper-${this.tag}-${c + 1}@seed.emporia.test`,
      name: `Shopper ${c + 1}`,
      created_at: createdAt,
    }));
  }

  private customerIds: string[] = [];
  private customerId(c: number): string {
    while (this.customerIds.length <= c) {
      this.customerIds.push(uuidv7({ msecs: this.window.start - 1000 }));
    }
    return this.customerIds[c];
  }

  /** Orders `offset … offset + count − 1` with their lines (users not included). */
  orders(offset: number, count: number): Omit<SeedHistory, 'users'> {
    const orders: SeedHistory['orders'] = [];
    const lines: SeedHistory['lines'] = [];
    const span = this.window.end - this.window.start;
    for (let n = offset; n < offset + count; n++) {
      // Activity is skewed too: squaring a uniform favours low customer numbers.
      const c = Math.floor(this.rand() ** 2 * this.customers);
      const own = this.plan.customerMissions[c];
      const mission = this.plan.missions[own[Math.floor(this.rand() * own.length)]];
      const picks = new Set<string>();
      const want = Math.min(mission.length, 2 + Math.floor(this.rand() * 3));
      while (picks.size < want) picks.add(mission[Math.floor(this.rand() * mission.length)]);
      if (this.rand() < 0.5) picks.add(this.noise().product_id);
      if (this.rand() < 0.2) picks.add(this.noise().product_id);
      const msecs = Math.floor(this.window.start + (span * (n + this.rand() * 0.5)) / this.totalOrders);
      const id = uuidv7({ msecs });
      let total = 0;
      let position = 0;
      let currency = 'USD';
      for (const productId of picks) {
        const p = this.byId.get(productId) as SeedProduct;
        const quantity = this.rand() < 0.8 ? 1 : 2;
        total += p.price * quantity;
        currency = p.currency;
        lines.push({
          order_id: id,
          position: position++,
          variant_id: p.variant_id,
          product_id: p.product_id,
          sku: p.sku,
          name: p.name,
          unit_price: p.price,
          quantity,
        });
      }
      orders.push({
        id,
        number: `SD-${this.tag}-${String(n + 1).padStart(7, '0')}`,
        user_id: this.customerId(c),
        currency,
        total,
        created_at: new Date(msecs).toISOString(),
      });
    }
    return { orders, lines };
  }
}
