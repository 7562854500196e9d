import { randomBytes } from 'node:crypto';
import {
  SIGNATURE_HEADER,
  ValidationError,
  hostedCallbackSchema,
  verifyWebhook,
  type Context,
  type PaymentNotice,
  type PaymentProvider,
  type PaymentStart,
  type PaymentCallback,
  type RefundStart,
  type RefundStarted,
} from '@emporia/core';

/** Options of the `hosted` payment provider. */
export interface HostedProviderOptions {
  /** Shared secret of the callback signature (`PAYMENT_WEBHOOK_SECRET`). */
  secret: string;
  /** The gateway's checkout page; the reference is appended. */
  checkoutBaseUrl?: string;
}

/**
 * A redirect-style gateway (Chapa, Stripe Checkout): the customer pays on the gateway's page at
 * `checkout_url`, and the gateway calls `POST /api/payments/webhooks/hosted` with a body signed
 * as `Emporia-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Refunds are
 * asynchronous: `refund` answers a reference (`hr_…`) and `pending`, and the gateway later posts
 * `{type: "refund", reference, status, amount}` to the same callback, signed the same way.
 */
export class HostedPaymentProvider implements PaymentProvider {
  readonly name = 'hosted';
  readonly confirmedByStaff = false;
  private readonly checkoutBaseUrl: string;

  constructor(private readonly options: HostedProviderOptions) {
    this.checkoutBaseUrl = (options.checkoutBaseUrl ?? 'https://checkout.example.com/pay').replace(/\/+$/, '');
  }

  async start(_ctx: Context, _payment: PaymentStart): Promise<{ reference: string; checkout_url: string }> {
    const reference = `hp_${randomBytes(16).toString('hex')}`;
    return { reference, checkout_url: `${this.checkoutBaseUrl}/${reference}` };
  }

  async refund(_ctx: Context, _refund: RefundStart): Promise<RefundStarted> {
    return { reference: `hr_${randomBytes(16).toString('hex')}`, status: 'pending' };
  }

  parseWebhook(delivery: PaymentCallback, now: Date): PaymentNotice {
    const header = delivery.headers[SIGNATURE_HEADER.toLowerCase()];
    verifyWebhook(this.options.secret, delivery.rawBody, Array.isArray(header) ? header[0] : header, now);
    let body: unknown;
    try {
      body = JSON.parse(
        typeof delivery.rawBody === 'string' ? delivery.rawBody : Buffer.from(delivery.rawBody).toString('utf8'),
      );
    } catch {
      throw new ValidationError('The callback body is not JSON');
    }
    const parsed = hostedCallbackSchema.safeParse(body);
    if (!parsed.success) {
      throw new ValidationError(
        'Invalid callback body',
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
      );
    }
    return parsed.data;
  }
}
