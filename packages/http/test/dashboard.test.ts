import { systemContext } from '@emporia/core';
import { createDashboard, createRouter } from '@emporia/http';
import express, { type Express } from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from '../../dashboard/test/support/built-app.js';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

/** The page's settings as the server filled them in: its <base href> and the app's config. */
function pageSettings(html: string) {
  const base = /<base href="([^"]*)"/.exec(html)?.[1];
  const config = /<meta name="emporia-dashboard" content="([^"]*)"/.exec(html)?.[1];
  return { base, config: config ? (JSON.parse(config.replace(/&quot;/g, '"')) as Record<string, unknown>) : null };
}

describe('the dashboard mount', () => {
  beforeAll(() => ensureDashboardBuilt());

  describeEachDatabase('served by createApp, createRouter and createDashboard', (env) => {
    let host: Express;
    beforeAll(() => {
      host = express();
      host.use('/shop', createRouter(env().engine, { dashboard: true }));
      host.use('/backoffice', createDashboard(env().engine, { apiBase: 'https://api.example.test/v1/' }));
    });

    it('serves the app at /admin of createApp, with its page for every route below and its own CSP', async () => {
      for (const path of ['/admin', '/admin/', '/admin/orders/0190f0e0-0000-7000-8000-000000000000']) {
        const page = await request(env().app).get(path);
        expect(page.status, path).toBe(200);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.headers['cache-control']).toBe('no-cache');
        expect(page.headers['content-security-policy']).toContain("script-src 'self'");
        expect(pageSettings(page.text)).toEqual({ base: '/admin/', config: { api_base: '', currency: 'USD' } });
      }
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec((await request(env().app).get('/admin/')).text)?.[1];
      const asset = await request(env().app).get(`/admin/${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      // A stale asset name is a 404, never the page (a browser would run HTML as script).
      expect((await request(env().app).get('/admin/assets/gone-0000.js')).status).toBe(404);
    });

    it('follows the router’s mount point, and a separate mount names its API', async () => {
      const mounted = await request(host).get('/shop/admin/products');
      expect(pageSettings(mounted.text)).toEqual({
        base: '/shop/admin/',
        config: { api_base: '/shop', currency: 'USD' },
      });
      const separate = await request(host).get('/backoffice/');
      expect(pageSettings(separate.text).config).toEqual({ api_base: 'https://api.example.test/v1', currency: 'USD' });
      expect(separate.headers['content-security-policy']).toContain("connect-src 'self' https://api.example.test");
    });

    it('is not mounted by createRouter unless asked', async () => {
      const plain = express().use(createRouter(env().engine));
      expect((await request(plain).get('/admin/')).status).toBe(404);
    });
  });
});

describeEachDatabase('what the dashboard reads from the API', (env) => {
  it('GET /api/users/me names the caller’s permissions', async () => {
    const staff = await userWithToken(env(), 'staff');
    const customer = await userWithToken(env(), 'customer');
    const admin = await userWithToken(env(), 'admin');
    const me = await request(env().app).get('/api/users/me').set(staff.headers);
    expect(me.status).toBe(200);
    expect(me.body.permissions).toEqual(expect.arrayContaining(['product:write', 'order:manage']));
    expect(me.body.permissions).not.toContain('user:manage');
    expect((await request(env().app).get('/api/users/me').set(customer.headers)).body.permissions).toEqual([]);
    expect((await request(env().app).get('/api/users/me').set(admin.headers)).body.permissions).toEqual(['*']);
  });

  it('an order’s answer lists the statuses its state machine allows next', async () => {
    const staff = await userWithToken(env(), 'staff');
    const customer = await userWithToken(env(), 'customer');
    const product = await publishedProduct(env(), { stock: 3 });
    const order = await env().engine.orders.placeOrder(customer.ctx, {
      items: [{ product_id: product.id, quantity: 1 }],
    });
    const read = await request(env().app).get(`/api/orders/${order.order.id}`).set(staff.headers);
    expect(read.body.next_statuses).toEqual(['paid', 'cancelled']);
    const paid = await request(env().app)
      .patch(`/api/orders/${order.order.id}`)
      .set(staff.headers)
      .send({ status: 'paid' });
    expect(paid.body.next_statuses).toEqual(['shipped', 'cancelled']);
    await env().engine.orders.updateStatus(systemContext(), order.order.id, { status: 'shipped' });
    await env().engine.orders.updateStatus(systemContext(), order.order.id, { status: 'delivered' });
    expect(
      (await request(env().app).get(`/api/orders/${order.order.id}`).set(staff.headers)).body.next_statuses,
    ).toEqual([]);
  });
});
