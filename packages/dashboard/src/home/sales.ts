import { dayKey, startOfDay } from '../shared/dates.js';

/** The statuses whose orders count as sales (paid for, whatever happened next but cancelling). */
export const SALE_STATUSES: readonly string[] = ['paid', 'shipped', 'delivered'];

export interface DaySales {
  /** Local midnight of the day. */
  day: Date;
  /** Orders placed that day, whatever their status. */
  orders: number;
  /** Sum of the totals of that day's orders in a sale status, in minor units. */
  revenue: number;
}

/** Orders of the last `days` days (today included) by local day, oldest first, every day present. */
export function salesByDay(
  orders: ReadonlyArray<{ created_at: string; status: string; total: number }>,
  now: Date,
  days: number,
): DaySales[] {
  const series = Array.from({ length: days }, (_, i) => ({
    day: startOfDay(now, i - days + 1),
    orders: 0,
    revenue: 0,
  }));
  const byKey = new Map(series.map((d) => [dayKey(d.day), d]));
  for (const order of orders) {
    const day = byKey.get(dayKey(new Date(order.created_at)));
    if (!day) continue;
    day.orders += 1;
    if (SALE_STATUSES.includes(order.status)) day.revenue += order.total;
  }
  return series;
}
