import { AmountTooLargeError } from './errors.js';

/**
 * Money is an integer amount of minor units (cents) with an ISO 4217 code beside it. Never floats.
 * The amount itself; an amount that is not an exact integer (past 2^53 − 1) is an AmountTooLargeError (409). */
export function assertMinorUnits(amount: number, what = 'amount'): number {
  if (!Number.isSafeInteger(amount)) {
    if (Number.isInteger(amount) || !Number.isFinite(amount)) {
      throw new AmountTooLargeError(
        `The ${what} would pass the largest amount stored exactly (${Number.MAX_SAFE_INTEGER})`,
      );
    }
    throw new RangeError(`${what} must be an integer number of minor units`);
  }
  return amount;
}

/** Multiplies a unit price by a quantity, staying exact. */
export function lineTotal(unitPrice: number, quantity: number): number {
  return assertMinorUnits(unitPrice * quantity, 'line total');
}

export function sumMinor(amounts: readonly number[]): number {
  return assertMinorUnits(
    amounts.reduce((a, b) => a + b, 0),
    'total',
  );
}

/** Formats for humans (e-mails, CLI): 1999 USD → "19.99 USD". Currencies with 0 or 3 decimals are handled by Intl. */
export function formatMoney(amount: number, currency: string, locale = 'en-US'): string {
  const digits =
    new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount / 10 ** digits);
}

/** Digits after the decimal point of a currency (USD 2, JPY 0, BHD 3), from Intl. */
export function currencyExponent(currency: string): number {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * What to send instead of a money amount that is not whole minor units, in the store currency:
 * `12.5` in USD → "send 1250 for 12.50 USD"; JPY has no minor unit, so its amounts are whole yen.
 */
export function minorUnitsHint(currency: string, given?: unknown): string {
  const digits = currencyExponent(currency);
  const major = typeof given === 'number' || (typeof given === 'string' && given.trim() !== '') ? Number(given) : NaN;
  if (digits === 0) {
    const whole = Number.isFinite(major) ? Math.round(major) : 1250;
    return `must be a whole number of ${currency}, which has no minor unit: send ${whole} for ${whole} ${currency}`;
  }
  const amount = Number.isFinite(major) && major >= 0 ? major : 12.5;
  return (
    `must be whole minor units of ${currency} (1/${10 ** digits} of a unit): ` +
    `send ${Math.round(amount * 10 ** digits)} for ${amount.toFixed(digits)} ${currency}`
  );
}
