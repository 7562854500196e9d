import {
  addCartItemSchema,
  applyPromotionSchema,
  cartSchema,
  shippingOptionSchema,
  updateCartItemSchema,
  updateCartSchema,
  type CartAccess,
  type Engine,
} from '@emporia/core';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { guestCartAdmission } from '../guest-carts.js';
import { route } from '../route.js';

const tags = ['cart'];
const CART_TOKEN_HEADER = 'X-Cart-Token';
const itemParams = z.object({ id: z.uuid('must be a cart item id') });
const codeParams = z.object({ code: z.string().max(64).describe('A code the cart holds (any case)') });
const tokenHeader = [
  {
    name: CART_TOKEN_HEADER,
    description:
      'Guest cart token the server issued (answered in the same header). Sent with a logged-in request, the guest cart merges into the user’s cart.',
    maxLength: 128,
  },
];

const cartToken =
  'signed in, the cart is your own (kept across devices, and a guest X-Cart-Token sent along merges into it); without one, it is the guest cart of the X-Cart-Token header.';

function access(req: Request, engine: Engine): CartAccess {
  return { cartToken: req.get(CART_TOKEN_HEADER) ?? null, admitGuestCart: guestCartAdmission(engine, req) };
}

function issue(res: Response, token: string | null): void {
  if (token) res.setHeader(CART_TOKEN_HEADER, token);
}

export const cartRoutes = [
  route({
    method: 'get',
    path: '/api/cart',
    operationId: 'getCart',
    summary: 'The caller’s cart (created on first use); guests get an X-Cart-Token header',
    description: 'Lines carry live prices and a `status` flag: `gone`, `unpublished` or `short_of_stock`.',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    response: cartSchema,
    errors: [429],
    async handler({ ctx, engine, req, res }) {
      const { cart, issuedToken } = await engine.cart.getCart(ctx, access(req, engine));
      issue(res, issuedToken);
      return cart;
    },
  }),
  route({
    method: 'patch',
    path: '/api/cart',
    operationId: 'updateCart',
    summary:
      'Change what checkout needs besides the lines: a guest’s e-mail, shipping and billing address, shipping method',
    description:
      'A guest cart keeps an `email` (trimmed and lower-cased, as at registration) that checkout uses when it is given none; a logged-in cart uses the account’s (400). ' +
      'An address is given inline or as `{"address_id"}` from your address book (copied onto the cart; another customer’s id is a 404); null clears it. A shipping method must apply to the cart’s address and weight (409 otherwise).',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    body: updateCartSchema,
    // A customer's cart has no e-mail of its own to give; a guest's PUT without one keeps it.
    replace: { optional: ['email'] },
    response: cartSchema,
    errors: [404, 409, 429],
    async handler({ ctx, engine, body, req, res }) {
      const { cart, issuedToken } = await engine.cart.updateCart(ctx, body, access(req, engine));
      issue(res, issuedToken);
      return cart;
    },
  }),
  route({
    method: 'get',
    path: '/api/cart/shipping-methods',
    operationId: 'listCartShippingMethods',
    summary: 'The shipping methods that apply to the cart’s address and weight, with their prices for this cart',
    description:
      'Cheapest first; a method is free once the subtotal after discounts reaches its `free_over`. None without a shipping address.',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    response: z.object({ results: z.array(shippingOptionSchema) }),
    handler: async ({ ctx, engine, req }) => ({ results: await engine.cart.shippingOptions(ctx, access(req, engine)) }),
  }),
  route({
    method: 'post',
    path: '/api/cart/items',
    operationId: 'addCartItem',
    summary: 'Add a variant (or a one-variant product) to the cart; adding it again raises the quantity',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    body: addCartItemSchema,
    status: 201,
    response: cartSchema,
    errors: [404, 409, 429],
    async handler({ ctx, engine, body, req, res }) {
      const { cart, issuedToken } = await engine.cart.addItem(ctx, body, access(req, engine));
      issue(res, issuedToken);
      return cart;
    },
  }),
  route({
    method: 'patch',
    path: '/api/cart/items/{id}',
    operationId: 'updateCartItem',
    summary: 'Change the quantity of a cart line',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    params: itemParams,
    body: updateCartItemSchema,
    response: cartSchema,
    errors: [409],
    handler: ({ ctx, engine, params, body, req }) => engine.cart.updateItem(ctx, params.id, body, access(req, engine)),
  }),
  route({
    method: 'delete',
    path: '/api/cart/items/{id}',
    operationId: 'removeCartItem',
    summary: 'Remove a line from the cart',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    params: itemParams,
    status: 204,
    async handler({ ctx, engine, params, req }) {
      await engine.cart.removeItem(ctx, params.id, access(req, engine));
    },
  }),
  route({
    method: 'post',
    path: '/api/cart/promotions',
    operationId: 'applyCartPromotion',
    summary: 'Apply a promotion code to the cart; the answer’s `discounts` show what it takes off',
    description:
      'A code that does not apply now is 409 `promotion-not-applicable` with a `reason`: `unknown`, `inactive`, `not_started`, `expired`, `minimum_not_met`, `no_eligible_items`, `usage_limit_reached` or `customer_limit_reached`. ' +
      'A held code that stops applying (the cart shrank below its minimum) is priced out of the cart and refuses checkout with the same problem until it applies again or is removed.',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    body: applyPromotionSchema,
    response: cartSchema,
    errors: [409, 429],
    async handler({ ctx, engine, body, req, res }) {
      const { cart, issuedToken } = await engine.cart.applyPromotion(ctx, body, access(req, engine));
      issue(res, issuedToken);
      return cart;
    },
  }),
  route({
    method: 'delete',
    path: '/api/cart/promotions/{code}',
    operationId: 'removeCartPromotion',
    summary: 'Take a promotion code off the cart',
    tags,
    auth: 'public',
    withToken: cartToken,
    headers: tokenHeader,
    params: codeParams,
    status: 204,
    async handler({ ctx, engine, params, req }) {
      await engine.cart.removePromotion(ctx, params.code, access(req, engine));
    },
  }),
];
