import { AmountTooLargeError } from './errors.js';

/**
 * Money is an integer amount of minor units (cents) plus an ISO 4217 code. Never floats.
 */
export interface Money {
  amount: number;
  currency: string;
}

/** The amount itself; an amount that is not an exact integer (past 2^53 − 1) is an AmountTooLargeError (409). */
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

export function money(amount: number, currency: string): Money {
  return { amount: assertMinorUnits(amount), currency: currency.toUpperCase() };
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
