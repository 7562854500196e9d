/** Dates as the dashboard shows them: in the browser's time zone; the API speaks ISO 8601 UTC. */

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const dayLabel = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });

export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
export const formatDay = (day: Date) => dayLabel.format(day);

/** Local midnight of the day `offset` days from `now` (0 today, -29 the first of the last 30 days). */
export function startOfDay(now: Date, offset = 0): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset);
}

/** `YYYY-MM-DD` of a local date: the key of a day in charts and in `?from=` filters. */
export function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A `YYYY-MM-DD` day key → that local midnight; null for anything else. */
export function fromDayKey(key: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return dayKey(date) === key ? date : null;
}
