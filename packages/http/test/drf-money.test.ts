import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase('money in minor units, said in the store currency (USD)', (env) => {
  let staff: TestUser;
  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
  });

  it('answers price: 12.5 with what to send instead', async () => {
    const res = await request(env().app)
      .post('/api/products')
      .set(staff.headers)
      .send({ name: 'Half Dollar Mug', price: 12.5, sku: 'HALF-1' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({
      path: 'body.price',
      message: 'must be whole minor units of USD (1/100 of a unit): send 1250 for 12.50 USD',
    });
    const text = await request(env().app)
      .post('/api/products')
      .set(staff.headers)
      .send({ name: 'Text Price Mug', price: '9.99', sku: 'TEXT-1' });
    expect(text.body.errors[0].message).toContain('send 999 for 9.99 USD');
  });

  it('keeps the plain message for a missing price', async () => {
    const res = await request(env().app)
      .post('/api/products')
      .set(staff.headers)
      .send({ name: 'Variant Mug', options: [{ name: 'Size', values: ['S'] }], variants: [{ sku: 'V-S' }] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).not.toContain('send 1250');
  });
});

describeEachDatabase(
  'money in a currency without minor units (JPY)',
  (env) => {
    it('says JPY amounts are whole yen', async () => {
      const staff = await userWithToken(env(), 'staff');
      const res = await request(env().app)
        .post('/api/products')
        .set(staff.headers)
        .send({ name: 'Yen Mug', price: 1250.5, sku: 'YEN-1' });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toEqual({
        path: 'body.price',
        message: 'must be a whole number of JPY, which has no minor unit: send 1251 for 1251 JPY',
      });
    });
  },
  { currency: 'JPY' },
);
