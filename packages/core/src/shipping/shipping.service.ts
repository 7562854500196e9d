import { inject, injectable } from 'inversify';
import type { PostalAddress } from '../addresses/schemas.js';
import type { SaleVariant } from '../catalog/inventory.service.js';
import type { CartCheckoutFields } from '../cart/ports.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { shippingPriceFor } from '../pricing/pipeline.js';
import { requirePermission, type Context } from '../shared/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import type { TaxDestination } from '../tax/ports.js';
import {
  SHIPPING_TOKENS,
  type ShippingMethodRecord,
  type ShippingRepository,
  type ShippingZoneRecord,
} from './ports.js';
import {
  createShippingMethodSchema,
  createShippingZoneSchema,
  replaceShippingMethodSchema,
  replaceShippingZoneSchema,
  shippingMethodListQuerySchema,
  updateShippingMethodSchema,
  updateShippingZoneSchema,
  type CreateShippingMethodInput,
  type CreateShippingZoneInput,
  type ReplaceShippingMethodInput,
  type ReplaceShippingZoneInput,
  type ShippingMethod,
  type ShippingOption,
  type ShippingZone,
  type UpdateShippingMethodInput,
  type UpdateShippingZoneInput,
} from './schemas.js';

/** True when the zone covers the destination: its country, and one of its regions if it names any. */
export function zoneCovers(zone: ShippingZoneRecord, destination: TaxDestination): boolean {
  if (!zone.countries.includes(destination.country.toUpperCase())) return false;
  if (zone.regions.length === 0) return true;
  const region = destination.region?.trim().toLowerCase() ?? '';
  return zone.regions.some((r) => r.toLowerCase() === region);
}

/** True when the cart weight is inside the method's band (both ends included). */
export function weightFits(method: ShippingMethodRecord, weightGrams: number): boolean {
  return (
    (method.min_weight_grams === null || weightGrams >= method.min_weight_grams) &&
    (method.max_weight_grams === null || weightGrams <= method.max_weight_grams)
  );
}

/** What a cart is shipped to and weighs, to find the methods that apply. */
export interface ShipmentInput {
  destination: TaxDestination | null;
  weight_grams: number;
}

/** Where an address is, for tax rates and shipping zones. */
export function destinationOf(address: PostalAddress | null): TaxDestination | null {
  return address && { country: address.country, region: address.region };
}

/** The shipment of these lines to the address: its destination and weight (Σ quantity × weight). */
export function shipmentOf(
  address: PostalAddress | null,
  lines: ReadonlyArray<{ variant: Pick<SaleVariant, 'weight_grams'>; quantity: number }>,
): ShipmentInput {
  return {
    destination: destinationOf(address),
    weight_grams: lines.reduce((sum, l) => sum + l.quantity * l.variant.weight_grams, 0),
  };
}

/** Whether a cart needs shipping, and the chosen method if it still applies. */
export interface ShippingResolution {
  /** True when the shop has any active method: every order then needs an address and a method. */
  required: boolean;
  /** The chosen method when it applies to the destination and weight, else null. */
  method: ShippingMethodRecord | null;
}

/** What checkout charges and keeps for shipping: the destination, the method and both addresses. */
export interface CheckoutShipping {
  destination: TaxDestination | null;
  /** The chosen method (it applies); null when the shop does not ship. */
  method: ShippingMethodRecord | null;
  shipping_address: PostalAddress | null;
  /** The billing address given, else the shipping address. */
  billing_address: PostalAddress | null;
}

function zoneView(r: ShippingZoneRecord): ShippingZone {
  return { ...r, countries: [...r.countries], regions: [...r.regions] };
}

const methodView = (r: ShippingMethodRecord): ShippingMethod => ({ ...r });
const unique = (values: string[]) => [...new Set(values)];
const defined = <T extends object>(v: T) =>
  Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Partial<T>;

/**
 * Shipping zones and methods (staff with `shipping:manage`), and which methods apply to a cart:
 * an active method of a zone covering the address, whose weight band holds the cart's weight.
 */
@injectable()
export class ShippingService {
  constructor(
    @inject(SHIPPING_TOKENS.ShippingRepository) private readonly shipping: ShippingRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Every zone (`shipping:manage`). */
  async listZones(ctx: Context): Promise<ShippingZone[]> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return (await this.shipping.listZones(ctx)).map(zoneView);
  }

  /** One zone (`shipping:manage`); NotFoundError when there is none. */
  async getZone(ctx: Context, id: string): Promise<ShippingZone> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return zoneView(await this.zone(ctx, id));
  }

  /** Adds a zone: a name and its countries (optionally regions). */
  async createZone(ctx: Context, input: CreateShippingZoneInput): Promise<ShippingZone> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    const v = parseInput(createShippingZoneSchema, input);
    const now = ctx.clock.now().toISOString();
    const record: ShippingZoneRecord = {
      id: newId(),
      name: v.name,
      countries: unique(v.countries),
      regions: unique(v.regions),
      created_at: now,
      updated_at: now,
    };
    await this.shipping.insertZone(ctx, record);
    return zoneView(record);
  }

  /** Changes some fields of a zone (PATCH). */
  updateZone(ctx: Context, id: string, input: UpdateShippingZoneInput): Promise<ShippingZone> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return this.writeZone(ctx, id, parseInput(updateShippingZoneSchema, input));
  }

  /** Replaces every field of a zone (PUT). */
  replaceZone(ctx: Context, id: string, input: ReplaceShippingZoneInput): Promise<ShippingZone> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return this.writeZone(ctx, id, parseInput(replaceShippingZoneSchema, input));
  }

  /** Deletes a zone and its methods; placed orders keep the method they were shipped with. */
  async deleteZone(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    await this.unitOfWork.run(ctx, async (tx) => {
      if (!(await this.shipping.deleteZone(tx, id))) throw new NotFoundError(`Shipping zone ${id} not found`);
    });
  }

  /** Every method, or one zone's (`shipping:manage`). */
  async listMethods(ctx: Context, query: { zone_id?: string } = {}): Promise<ShippingMethod[]> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    const filter = parseInput(shippingMethodListQuerySchema, query, 'query');
    return (await this.shipping.listMethods(ctx, filter)).map(methodView);
  }

  /** One method (`shipping:manage`); NotFoundError when there is none. */
  async getMethod(ctx: Context, id: string): Promise<ShippingMethod> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return methodView(await this.method(ctx, id));
  }

  /** Adds a method to a zone; an unknown `zone_id` is a 400. */
  async createMethod(ctx: Context, input: CreateShippingMethodInput): Promise<ShippingMethod> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    const v = parseInput(createShippingMethodSchema, input);
    const now = ctx.clock.now().toISOString();
    const record: ShippingMethodRecord = {
      id: newId(),
      zone_id: v.zone_id,
      name: v.name,
      price: v.price,
      free_over: v.free_over ?? null,
      min_weight_grams: v.min_weight_grams ?? null,
      max_weight_grams: v.max_weight_grams ?? null,
      is_active: v.is_active,
      created_at: now,
      updated_at: now,
    };
    await this.unitOfWork.run(ctx, async (tx) => {
      await this.requireZone(tx, record.zone_id);
      await this.shipping.insertMethod(tx, record);
    });
    return methodView(record);
  }

  /** Changes some fields of a method (PATCH); carts pick the change up, placed orders keep theirs. */
  updateMethod(ctx: Context, id: string, input: UpdateShippingMethodInput): Promise<ShippingMethod> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return this.writeMethod(ctx, id, parseInput(updateShippingMethodSchema, input));
  }

  /** Replaces every field of a method (PUT). */
  replaceMethod(ctx: Context, id: string, input: ReplaceShippingMethodInput): Promise<ShippingMethod> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    return this.writeMethod(ctx, id, parseInput(replaceShippingMethodSchema, input));
  }

  /** Deletes a method; a cart that chose it must choose again. */
  async deleteMethod(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.shippingManage);
    if (!(await this.shipping.deleteMethod(ctx, id))) throw new NotFoundError(`Shipping method ${id} not found`);
  }

  /**
   * The methods that apply to a shipment, each with its price for this subtotal after discounts
   * (free over the method's threshold), cheapest first. No destination: none.
   */
  async optionsFor(ctx: Context, shipment: ShipmentInput, discountedSubtotal: number): Promise<ShippingOption[]> {
    if (!shipment.destination) return [];
    const applicable = await this.applicable(ctx, shipment);
    return applicable
      .map((m) => ({
        id: m.id,
        zone_id: m.zone_id,
        name: m.name,
        price: shippingPriceFor(m, discountedSubtotal),
        free_over: m.free_over,
      }))
      .sort((a, b) => a.price - b.price || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Whether an order needs shipping (the shop has an active method) and the chosen method, if it
   * applies to the shipment. Cart answers and checkout both ask this.
   */
  async resolve(ctx: Context, shipment: ShipmentInput, methodId: string | null): Promise<ShippingResolution> {
    const active = await this.shipping.listMethods(ctx, { active: true });
    if (active.length === 0) return { required: false, method: null };
    if (!methodId || !shipment.destination || !active.some((m) => m.id === methodId)) {
      return { required: true, method: null };
    }
    const method = (await this.applicable(ctx, shipment, active)).find((m) => m.id === methodId) ?? null;
    return { required: true, method };
  }

  /** The chosen method when it applies to the shipment; ConflictError (409) when it does not. */
  async requireApplicable(ctx: Context, shipment: ShipmentInput, methodId: string): Promise<ShippingMethodRecord> {
    const { method } = await this.resolve(ctx, shipment, methodId);
    if (!method) {
      throw new ConflictError(
        shipment.destination
          ? `Shipping method ${methodId} does not apply to this cart's address and weight`
          : 'Set a shipping address before choosing a shipping method',
      );
    }
    return method;
  }

  /**
   * Inside the checkout transaction: the shipping of these lines as the cart holds it. When the shop
   * ships, an order needs a shipping address and a method that still applies to it and to the
   * weight (ConflictError, 409, otherwise); the pipeline then charges the method's price.
   */
  async forCheckout(
    ctx: Context,
    fields: CartCheckoutFields | null,
    lines: ReadonlyArray<{ variant: Pick<SaleVariant, 'weight_grams'>; quantity: number }>,
  ): Promise<CheckoutShipping> {
    const address = fields?.shipping_address ?? null;
    const shipment = shipmentOf(address, lines);
    const { required, method } = await this.resolve(ctx, shipment, fields?.shipping_method_id ?? null);
    if (required && !method) {
      if (!fields) {
        throw new ConflictError('This shop ships its orders: check out from the cart, with an address and a method');
      }
      if (!address) throw new ConflictError('Set a shipping address on the cart before checking out');
      if (!fields.shipping_method_id)
        throw new ConflictError('Choose a shipping method on the cart before checking out');
      throw new ConflictError(
        `Shipping method ${fields.shipping_method_id} no longer applies to this cart; choose another`,
      );
    }
    return {
      destination: shipment.destination,
      method,
      shipping_address: address,
      billing_address: fields?.billing_address ?? address,
    };
  }

  private async applicable(
    ctx: Context,
    shipment: ShipmentInput,
    active?: ShippingMethodRecord[],
  ): Promise<ShippingMethodRecord[]> {
    const destination = shipment.destination;
    if (!destination) return [];
    const methods = active ?? (await this.shipping.listMethods(ctx, { active: true }));
    if (methods.length === 0) return [];
    const zones = new Set(
      (await this.shipping.listZones(ctx)).filter((z) => zoneCovers(z, destination)).map((z) => z.id),
    );
    return methods.filter((m) => zones.has(m.zone_id) && weightFits(m, shipment.weight_grams));
  }

  private async writeZone(
    ctx: Context,
    id: string,
    v: Partial<Pick<ShippingZoneRecord, 'name' | 'countries' | 'regions'>>,
  ): Promise<ShippingZone> {
    const current = await this.zone(ctx, id);
    const next: ShippingZoneRecord = {
      ...current,
      ...defined(v),
      countries: unique(v.countries ?? current.countries),
      regions: unique(v.regions ?? current.regions),
      updated_at: ctx.clock.now().toISOString(),
    };
    if (!(await this.shipping.updateZone(ctx, next))) throw new NotFoundError(`Shipping zone ${id} not found`);
    return zoneView(next);
  }

  private writeMethod(
    ctx: Context,
    id: string,
    v: Partial<Omit<ShippingMethodRecord, 'id' | 'created_at' | 'updated_at'>>,
  ): Promise<ShippingMethod> {
    return this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.method(tx, id);
      const next: ShippingMethodRecord = { ...current, ...defined(v), updated_at: tx.clock.now().toISOString() };
      if (
        next.min_weight_grams !== null &&
        next.max_weight_grams !== null &&
        next.min_weight_grams > next.max_weight_grams
      ) {
        throw new ValidationError('Invalid weight band', [
          { path: 'max_weight_grams', message: 'must be at least min_weight_grams' },
        ]);
      }
      if (v.zone_id !== undefined) await this.requireZone(tx, v.zone_id);
      if (!(await this.shipping.updateMethod(tx, next))) throw new NotFoundError(`Shipping method ${id} not found`);
      return methodView(next);
    });
  }

  private async requireZone(ctx: Context, zoneId: string): Promise<void> {
    if (!(await this.shipping.findZone(ctx, zoneId))) {
      throw new ValidationError('Unknown shipping zone', [{ path: 'zone_id', message: `zone ${zoneId} not found` }]);
    }
  }

  private async zone(ctx: Context, id: string): Promise<ShippingZoneRecord> {
    const r = await this.shipping.findZone(ctx, id);
    if (!r) throw new NotFoundError(`Shipping zone ${id} not found`);
    return r;
  }

  private async method(ctx: Context, id: string): Promise<ShippingMethodRecord> {
    const r = await this.shipping.findMethod(ctx, id);
    if (!r) throw new NotFoundError(`Shipping method ${id} not found`);
    return r;
  }
}
