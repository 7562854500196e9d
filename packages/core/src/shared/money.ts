/** Money is an integer amount of minor units (cents) with an ISO 4217 code beside it. Never floats. */
export function assertMinorUnits(amount: number, what = 'amount'): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`${what} must be an integer number of minor units`);
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
