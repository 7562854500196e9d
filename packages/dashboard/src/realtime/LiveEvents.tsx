import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { config } from '../config.js';
import { PERMISSIONS } from '../session/permissions.js';
import { useSession } from '../session/SessionProvider.js';
import { formatMoney } from '../shared/money.js';
import { useNotify } from '../shared/ui/Toasts.js';
import { followEvents } from './live-events.js';

interface OrderPlaced {
  order_id: string;
  number: string;
  total: number;
  currency: string;
}
interface StockLow {
  product_id: string;
  sku: string;
  stock: number;
}

/** Follows the event stream while signed in: a new order or a stock alert shows a notification and refreshes lists. */
export function LiveEvents() {
  const { can } = useSession();
  const notify = useNotify();
  const queryClient = useQueryClient();
  // The stream carries new orders to whoever reads every order, stock alerts to whoever adjusts stock.
  const enabled = can(PERMISSIONS.orderReadAny) || can(PERMISSIONS.inventoryWrite);

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    void followEvents((event) => {
      const data = JSON.parse(event.data) as unknown;
      if (event.type === 'order.placed') {
        const order = data as OrderPlaced;
        notify({
          message: `New order ${order.number}: ${formatMoney(order.total, order.currency || config.currency)}`,
          link: { href: `/orders/${order.order_id}`, label: 'Open' },
        });
        void queryClient.invalidateQueries({ queryKey: ['orders'] });
        void queryClient.invalidateQueries({ queryKey: ['home'] });
      } else if (event.type === 'order.status_changed') {
        void queryClient.invalidateQueries({ queryKey: ['orders'] });
      } else if (event.type === 'stock.low') {
        const stock = data as StockLow;
        notify({
          message: `Low stock: ${stock.sku} has ${stock.stock} left`,
          link: { href: `/products/${stock.product_id}`, label: 'Open' },
        });
        void queryClient.invalidateQueries({ queryKey: ['products'] });
      }
    }, controller.signal);
    return () => controller.abort();
  }, [enabled, notify, queryClient]);

  return null;
}
