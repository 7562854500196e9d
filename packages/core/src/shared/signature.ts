import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from './errors.js';

/**
 * Webhook signatures, Stripe style: header `Emporia-Signature: t=<unix>,v1=<hex>` where the hex
 * is HMAC-SHA256(secret, "<t>.<raw body>"). Incoming payment callbacks and outgoing webhooks
 * both use these two functions.
 */
export const SIGNATURE_HEADER = 'Emporia-Signature';

/** Seconds a signed timestamp may differ from now before the delivery counts as a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A webhook or payment callback whose `Emporia-Signature` is missing, malformed, stale or wrong (HTTP 400). */
export class InvalidSignatureError extends ValidationError {
  override readonly code: string = 'invalid-signature';
  override readonly title: string = 'Invalid signature';
}

function hmac(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The `Emporia-Signature` header value for `rawBody` signed with `secret` at `timestamp` (unix
 * seconds): what outgoing webhooks send, and what a test gateway sends to a payment callback.
 */
export function signWebhook(secret: string, rawBody: string | Uint8Array, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, rawBody)}`;
}

/**
 * Checks an `Emporia-Signature` header over the raw body, as a payment provider of your own or a
 * webhook receiver does. Several v1 entries are allowed (key rotation).
 *
 * @param rawBody - The body exactly as received (parse it only after the check).
 * @param now - The current time; the signed timestamp must be within `toleranceSeconds` of it.
 * @throws InvalidSignatureError unless `header` carries a v1 signature of `rawBody` by `secret` in time.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | undefined,
  now: Date,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): void {
  if (!header) throw new InvalidSignatureError(`Missing ${SIGNATURE_HEADER} header`);
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value ?? '')) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new InvalidSignatureError(`Malformed ${SIGNATURE_HEADER} header`);
  }
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) {
    throw new InvalidSignatureError('Signature timestamp is outside the tolerance');
  }
  const expected = Buffer.from(hmac(secret, timestamp, rawBody), 'hex');
  const ok = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  if (!ok) throw new InvalidSignatureError('Signature does not match');
}
