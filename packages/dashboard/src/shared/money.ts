/**
 * Money in the dashboard: amounts travel as integer minor units with an ISO 4217 code, as everywhere
 * in Emporia; the currency says how many decimals a person reads and types (USD 2, JPY 0, KWD 3).
 */

const formats = new Map<string, Intl.NumberFormat>();
function currencyFormat(currency: string): Intl.NumberFormat {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en', { style: 'currency', currency });
    formats.set(currency, format);
  }
  return format;
}

/** How many decimals the currency has (its minor unit). */
export function minorDigits(currency: string): number {
  return currencyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `formatMoney(123456, 'USD')` → `$1,234.56`; `formatMoney(1200, 'JPY')` → `¥1,200`. */
export function formatMoney(minor: number, currency: string): string {
  return currencyFormat(currency).format(minor / 10 ** minorDigits(currency));
}

/** An amount in minor units as a person types it (`1234.5` → `"12.35"` for USD), for form fields. */
export function toAmountText(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

/**
 * What a person typed (`12.5`, `12,50`, `1 200`) → minor units, exactly (no float arithmetic); null
 * when it is not an amount in this currency (too many decimals, letters, empty).
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const cleaned = text.trim().replace(/[\s_]/g, '').replace(',', '.');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (fraction.length > digits) return null;
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : null;
}
