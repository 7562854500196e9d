import type { RouteSpec } from '../route.js';
import { systemRoutes } from './system.routes.js';

/** Every HTTP operation Emporia serves, in docs order. Each module adds its list here. */
export const allRoutes: RouteSpec[] = [...systemRoutes];
