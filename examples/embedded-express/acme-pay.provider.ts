import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ValidationError,
  type Context,
  type PaymentCallback,
  type PaymentNotice,
  type PaymentProvider,
  type PaymentStart,
} from '@emporia/core';
import { z } from 'zod';

/** What Acme Pay posts to `/api/payments/webhooks/acme` (its own format, not Emporia's). */
const acmeCallbackSchema = z.object({
  payment_ref: z.string().min(1),
  outcome: z.enum(['paid', 'declined']),
  amount_cents: z.number().int().min(0),
  id: z.string().min(1),
});

export const ACME_SIGNATURE_HEADER = 'x-acme-signature';

/** How Acme signs a callback: hex HMAC-SHA256 of the raw body with the merchant's secret. */
export function acmeSignature(secret: string, rawBody: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * A payment provider of the host's own: a made-up "Acme Pay" gateway with its own checkout page,
 * callback format and signature. Plugged in with `createDefaultEngine({ paymentProviders: [...] })`
 * (or core's `createEngine({ paymentProviders })`); customers then pay with
 * `POST /api/orders/{id}/payments {"provider": "acme"}` and Acme calls back
 * `POST /api/payments/webhooks/acme`.
 */
export class AcmePayProvider implements PaymentProvider {
  readonly name = 'acme';
  readonly confirmedByStaff = false;

  constructor(private readonly options: { secret: string; checkoutUrl?: string }) {}

  async start(_ctx: Context, payment: PaymentStart): Promise<{ reference: string; checkout_url: string }> {
    // A real provider would call the gateway's API here and keep the reference it returns.
    const reference = `acme_${payment.order_number}_${randomBytes(6).toString('hex')}`;
    const base = this.options.checkoutUrl ?? 'https://pay.acme.example/checkout';
    return { reference, checkout_url: `${base}/${reference}` };
  }

  /** Verifies Acme's signature over the raw bytes, then translates its body into a PaymentNotice. */
  parseWebhook(delivery: PaymentCallback): PaymentNotice {
    const raw =
      typeof delivery.rawBody === 'string' ? delivery.rawBody : Buffer.from(delivery.rawBody).toString('utf8');
    const header = delivery.headers[ACME_SIGNATURE_HEADER];
    const given = Buffer.from(String(Array.isArray(header) ? header[0] : (header ?? '')));
    const expected = Buffer.from(acmeSignature(this.options.secret, raw));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ValidationError('Invalid Acme signature', [
        { path: `headers.${ACME_SIGNATURE_HEADER}`, message: 'does not match the body' },
      ]);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new ValidationError('The callback body is not JSON');
    }
    const parsed = acmeCallbackSchema.safeParse(body);
    if (!parsed.success) {
      throw new ValidationError(
        'Invalid Acme callback',
        parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
      );
    }
    const { payment_ref, outcome, amount_cents, id } = parsed.data;
    return {
      reference: payment_ref,
      status: outcome === 'paid' ? 'succeeded' : 'failed',
      amount: amount_cents,
      event_id: id,
    };
  }
}
