import { withReplacements } from '../replace.js';
import type { RouteSpec } from '../route.js';
import { systemRoutes } from './system.routes.js';
import { categoryRoutes } from './categories.routes.js';
import { productRoutes } from './products.routes.js';
import { authRoutes } from './auth.routes.js';
import { roleRoutes } from './roles.routes.js';
import { userRoutes } from './users.routes.js';
import { jobRoutes } from './jobs.routes.js';
import { webhookRoutes } from './webhooks.routes.js';
import { eventRoutes } from './events.routes.js';
import { importRoutes } from './import.routes.js';
import { cartRoutes } from './cart.routes.js';
import { orderRoutes } from './orders.routes.js';
import { paymentRoutes } from './payments.routes.js';
import { recommendationRoutes } from './recommendations.routes.js';
import { taxRoutes } from './tax.routes.js';
import { addressRoutes } from './addresses.routes.js';
import { shippingRoutes } from './shipping.routes.js';
import { promotionRoutes } from './promotions.routes.js';

/**
 * Every HTTP operation Emporia serves, in docs order. Each module adds its list here; every PATCH
 * gets its PUT twin (`withReplacements`).
 */
export const allRoutes: RouteSpec[] = withReplacements([
  ...systemRoutes,
  ...authRoutes,
  ...userRoutes,
  ...addressRoutes,
  ...roleRoutes,
  ...categoryRoutes,
  ...productRoutes,
  ...recommendationRoutes,
  ...jobRoutes,
  ...webhookRoutes,
  ...eventRoutes,
  ...importRoutes,
  ...cartRoutes,
  ...orderRoutes,
  ...paymentRoutes,
  ...taxRoutes,
  ...shippingRoutes,
  ...promotionRoutes,
]);
